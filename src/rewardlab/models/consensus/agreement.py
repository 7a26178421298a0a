"""How much a response agrees with the other responses to its prompt (minimum-Bayes-risk consensus).

Several samples of one prompt tend to share what a good answer must contain; a sample that covers
what the others say is more likely complete and on topic, one that shares little with them is more
likely off track. Two utilities, each averaged over the prompt's *other* responses, on word
weights (1 + log tf) * log((N + 1) / (df + 1)):

- ``cosine``: the cosine similarity of the two weight vectors (classic MBR: rewards the typical
  answer, and penalizes length);
- ``recall``: the share of the other response's weight carried by words this response also uses
  (MBR with a recall utility: rewards covering the points the others make).

Document frequencies come from a :class:`Vocabulary` fitted on the training responses and saved
with the model, plus the scored group's own responses (``counted=False``, the default: a group the
vocabulary has not seen; during training every group is already counted in it). Counting the group
matters: a word that every response to the prompt uses tells nothing about which one agrees more,
and its weight drops as it would have in training. A group's scores never depend on anything else in
the batch.

>>> vocab = Vocabulary.fit(["paris is the capital", "the capital is paris", "lyon", "rome is big"])
>>> cos, rec = group_agreement(["Paris is the capital.", "The capital is Paris, in France.", "Lyon."], vocab)
>>> [round(v, 2) for v in rec]
[0.19, 0.5, 0.0]

The second covers everything the first says (and more), the third shares nothing with either.

>>> [round(v, 2) for v in cos]  # cosine is symmetric: it cannot tell the fuller answer
[0.2, 0.2, 0.0]
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Vocabulary", "group_agreement", "words_of"]

WORD = re.compile(r"\w+")


def words_of(text: str) -> list[str]:
    """The lower-cased word tokens of a text (``\\w+``)."""
    return WORD.findall(text.lower())


@dataclass(frozen=True)
class Vocabulary:
    """Document frequencies of words over ``n_docs`` training responses (words seen in at least
    ``min_df`` of them; any other word counts as seen once)."""

    df: dict[str, int]
    n_docs: int

    @classmethod
    def fit(cls, documents: Iterable[str], *, min_df: int = 2) -> Vocabulary:
        """Count in how many ``documents`` each word occurs; keep words with ``min_df`` or more."""
        counts: Counter[str] = Counter()
        n = 0
        for doc in documents:
            counts.update(set(words_of(doc)))
            n += 1
        return cls({w: c for w, c in counts.items() if c >= min_df}, n)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form (words sorted, for stable files)."""
        return {"n_docs": self.n_docs, "df": dict(sorted(self.df.items()))}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Vocabulary:
        """The inverse of :meth:`to_json`."""
        return cls({str(w): int(c) for w, c in data["df"].items()}, int(data["n_docs"]))


def group_agreement(
    responses: Sequence[str], vocab: Vocabulary, *, counted: bool = False
) -> tuple[list[float], list[float]]:
    """The ``cosine`` and ``recall`` consensus of each response against the others of its group
    (see the module docstring; ``counted``: the vocabulary already counts these responses); a group
    of one has no others: ``ValueError``."""
    n = len(responses)
    if n < 2:
        raise ValueError("consensus needs at least two responses to the same prompt")
    counts = [Counter(words_of(r)) for r in responses]
    if counted:
        n_docs = vocab.n_docs

        def df(word: str) -> int:
            return vocab.df.get(word, 1)  # a word below min_df was seen once
    else:
        n_docs = vocab.n_docs + n
        in_group = Counter(w for c in counts for w in c)

        def df(word: str) -> int:
            return vocab.df.get(word, 0) + in_group[word]

    index: dict[str, int] = {}
    for c in counts:
        for w in c:
            index.setdefault(w, len(index))
    weights = np.zeros((n, max(1, len(index))))
    for i, c in enumerate(counts):
        for w, tf in c.items():
            weights[i, index[w]] = (1.0 + math.log(tf)) * math.log((n_docs + 1) / (df(w) + 1))
    present = (weights > 0).astype(np.float64)
    norms = np.linalg.norm(weights, axis=1)
    unit = weights / np.where(norms > 0, norms, 1.0)[:, None]
    cos = unit @ unit.T
    mass = weights.sum(1)
    covered = present @ weights.T  # [i, j]: the weight of j's words that i also uses
    share = covered / np.where(mass > 0, mass, 1.0)[None, :]
    off = ~np.eye(n, dtype=bool)
    cosine = [float(cos[i][off[i]].mean()) for i in range(n)]
    recall = [float(share[i][off[i]].mean()) for i in range(n)]
    return cosine, recall
