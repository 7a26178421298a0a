"""The consensus reward model's six features of each response in a group of responses to one prompt.

Its length (log of 1 + characters), its ``cosine`` and ``recall`` consensus with the other responses
(:mod:`.agreement`), and the same three as within-group z-scores (relative to the group's mean and
spread). Length is there because the judges this model learns from reward it (and a group-relative
length tells a long answer from a long prompt's usual answer); consensus is what tells a complete,
on-topic answer from a long one. Sixteen more text statistics (layout, repetition, refusal phrases,
prompt coverage) were tried and left out: they made the cross-validated picks worse
(benchmarks/RESULTS.md, issue 15, attempts H1 vs H4/H6).

>>> from .agreement import Vocabulary
>>> group = ["Paris.", "Paris is the capital of France.", "I think it is Lyon, a city in France."]
>>> x = group_features(group, Vocabulary.fit(group, min_df=1))
>>> x.shape == (3, len(FEATURES))
True
>>> abs(float(x[:, FEATURES.index("group_z_log_chars")].sum())) < 1e-9  # z-scores sum to 0 within a group
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .agreement import Vocabulary, group_agreement

__all__ = ["FEATURES", "group_features"]

FEATURES: tuple[str, ...] = (
    "log_chars",
    "cosine_consensus",
    "recall_consensus",
    "group_z_log_chars",
    "group_z_cosine_consensus",
    "group_z_recall_consensus",
)
"""The features, in the column order of :func:`group_features`."""


def _group_z(values: np.ndarray) -> np.ndarray:
    return (values - values.mean()) / (values.std() + 1e-9)


def group_features(responses: Sequence[str], vocab: Vocabulary, *, counted: bool = False) -> np.ndarray:
    """The [len(responses), 6] feature matrix of one prompt's responses (at least two; ``counted``:
    the vocabulary already counts them, as during training)."""
    log_chars = np.array([math.log1p(len(r)) for r in responses])
    cosine, recall = (np.array(v) for v in group_agreement(responses, vocab, counted=counted))
    return np.stack([log_chars, cosine, recall, _group_z(log_chars), _group_z(cosine), _group_z(recall)], 1)
