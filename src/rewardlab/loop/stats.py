"""Group statistics of scored samples: pass@k, maj@k, per-prompt mean and variance.

- **pass@k** (Chen et al. 2021, the unbiased estimator): with ``n`` samples of a prompt of which
  ``c`` pass, ``1 - C(n-c, k) / C(n, k)`` -- the chance that at least one of ``k`` samples drawn
  without replacement passes -- averaged over prompts. A sample passes when its score is at
  least ``pass_threshold`` (1.0 by default: a verifier's "correct"); a sample without a score
  does not pass.
- **maj@k** (self-consistency): draw ``k`` of a prompt's samples, take the most common final
  answer, count 1 when it is right. Exact over all ``C(n, k)`` subsets when there are at most
  ``exact_limit`` of them, else the mean over that many random subsets (seeded). Two answers are
  the same when both pass (each equals the reference) or when their normalized texts are equal
  (:func:`answer_key`); samples without an answer do not vote; a tie between answers counts the
  share of the tied answers that are right (a uniformly random tie-break, in expectation).
- per prompt: samples, scored, mean, variance (population), passes; over prompts: the share of
  prompts whose scores have zero variance (no learning signal for GRPO; DAPO drops them), and of
  prompts where all or none pass.

>>> round(pass_at_k(8, 2, 1), 4), round(pass_at_k(8, 2, 4), 4), pass_at_k(8, 0, 8), pass_at_k(4, 1, 4)
(0.25, 0.7857, 0.0, 1.0)
>>> maj_at_k(["4", "4", "5", None], [True, True, False, False], 4)
1.0
>>> maj_at_k(["4", "5"], [True, False], 2)  # a tie: one of the two tied answers is right
0.5
>>> answer_key(" $1,250.00 "), answer_key("Paris.")
('1250', 'paris')
"""

from __future__ import annotations

import itertools
import math
import random
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from .scored import ScoredData, ScoredRow

__all__ = ["answer_key", "group_summary", "k_values", "maj_at_k", "pass_at_k", "summarize"]

_PASS = "\x00pass"


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k from ``n`` samples with ``c`` passing (``1 - C(n-c, k) / C(n, k)``)."""
    if not 0 <= c <= n:
        raise ValueError(f"need 0 <= c <= n, got n={n}, c={c}")
    if not 1 <= k <= n:
        raise ValueError(f"k must be in [1, n={n}], got {k}")
    if n - c < k:
        return 1.0
    # the product form avoids huge binomials: prod_{i=n-c+1}^{n} (1 - k / i)
    return 1.0 - math.prod(1.0 - k / i for i in range(n - c + 1, n + 1))


_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?")


def answer_key(text: str) -> str:
    """A normalized final answer for voting: case, spaces, ``$``, thousands commas, a trailing period
    and trailing zeros of a decimal do not matter."""
    t = text.strip().casefold().replace("$", "").replace("\\", "").rstrip(".").strip()
    t = re.sub(r"(?<=\d),(?=\d{3}\b)", "", t)
    t = re.sub(r"\s+", " ", t)
    if _NUMBER.fullmatch(t):
        try:
            value = float(t)
        except ValueError:
            return t
        if math.isfinite(value):
            return str(int(value)) if value == int(value) and abs(value) < 1e15 else repr(value)
    return t


def _vote(keys: Sequence[str | None], correct: Sequence[bool]) -> float:
    """1 / 0 / a tie's share of right answers, for one set of samples."""
    counts = Counter(k for k in keys if k is not None)
    if not counts:
        return 0.0
    top = max(counts.values())
    tied = [k for k, v in counts.items() if v == top]
    right = set()
    for k, ok in zip(keys, correct, strict=True):
        if ok and k is not None:
            right.add(k)
    return sum(1 for k in tied if k in right) / len(tied)


def _keys(answers: Sequence[str | None], correct: Sequence[bool]) -> list[str | None]:
    out: list[str | None] = []
    for a, ok in zip(answers, correct, strict=True):
        out.append(_PASS if ok else (answer_key(a) if a is not None and a.strip() else None))
    return out


def maj_at_k(
    answers: Sequence[str | None],
    correct: Sequence[bool],
    k: int,
    *,
    exact_limit: int = 5000,
    seed: int = 0,
) -> float:
    """maj@k of one prompt's samples (see the module docstring)."""
    n = len(answers)
    if len(correct) != n:
        raise ValueError(f"{n} answers for {len(correct)} verdicts")
    if not 1 <= k <= n:
        raise ValueError(f"k must be in [1, n={n}], got {k}")
    keys = _keys(answers, correct)
    flags = list(correct)
    if math.comb(n, k) <= exact_limit:
        subsets: Any = itertools.combinations(range(n), k)
        count = math.comb(n, k)
    else:
        rng = random.Random(seed)
        subsets = (rng.sample(range(n), k) for _ in range(exact_limit))
        count = exact_limit
    total = 0.0
    for subset in subsets:
        total += _vote([keys[i] for i in subset], [flags[i] for i in subset])
    return total / count


def k_values(n: int) -> list[int]:
    """1, 2, 4, ... up to ``n``, and ``n`` itself."""
    ks = [1]
    while ks[-1] * 2 <= n:
        ks.append(ks[-1] * 2)
    if ks[-1] != n:
        ks.append(n)
    return ks


def group_summary(rows: Sequence[ScoredRow], *, pass_threshold: float = 1.0) -> dict[str, Any]:
    """Samples, scored, mean, variance and passes of one prompt's rows."""
    scores = [r.score for r in rows if r.score is not None]
    passes = sum(1 for s in scores if s >= pass_threshold)
    out: dict[str, Any] = {"n": len(rows), "scored": len(scores), "passes": passes, "mean": None, "variance": None}
    if scores:
        mean = math.fsum(scores) / len(scores)
        out["mean"] = mean
        out["variance"] = math.fsum((s - mean) ** 2 for s in scores) / len(scores)
    return out


def summarize(
    data: ScoredData,
    *,
    pass_threshold: float = 1.0,
    ks: Sequence[int] | None = None,
    with_groups: bool = True,
    seed: int = 0,
) -> dict[str, Any]:
    """Statistics of a whole scored file (the ``summary.json`` of ``rewardlab select``)."""
    groups = data.groups()
    sizes = [len(g) for g in groups.values()]
    if not groups:
        return {"groups": 0, "samples": 0}
    smallest = min(sizes)
    ks = [k for k in (ks or k_values(smallest)) if 1 <= k <= smallest]
    has_answers = any(r.answer is not None for r in data.rows)
    per_group = []
    pass_sums = dict.fromkeys(ks, 0.0)
    maj_sums = dict.fromkeys(ks, 0.0)
    zero_var = all_pass = none_pass = 0
    means = []
    for name, rows in groups.items():
        g = group_summary(rows, pass_threshold=pass_threshold)
        g = {"group": name, **g}
        correct = [r.score is not None and r.score >= pass_threshold for r in rows]
        for k in ks:
            pass_sums[k] += pass_at_k(len(rows), sum(correct), k)
            if has_answers:
                maj_sums[k] += maj_at_k([r.answer for r in rows], correct, k, seed=seed)
        if has_answers:
            g["maj"] = maj_at_k([r.answer for r in rows], correct, len(rows), seed=seed)
        if g["scored"] >= 2 and g["variance"] == 0:
            zero_var += 1
        all_pass += g["passes"] == g["n"]
        none_pass += g["passes"] == 0
        if g["mean"] is not None:
            means.append(g["mean"])
        per_group.append(g)
    n_groups = len(groups)
    scored = [r.score for r in data.rows if r.score is not None]
    summary: dict[str, Any] = {
        "score_key": data.score_key,
        "group_key": data.group_key,
        "pass_threshold": pass_threshold,
        "groups": n_groups,
        "samples": len(data.rows),
        "unscored": len(data.rows) - len(scored),
        "group_size": {"min": smallest, "max": max(sizes)},
        "mean_score": math.fsum(scored) / len(scored) if scored else None,
        "mean_group_variance": (
            math.fsum(g["variance"] for g in per_group if g["variance"] is not None)
            / max(1, sum(1 for g in per_group if g["variance"] is not None))
        ),
        "zero_variance_groups": zero_var,
        "zero_variance_share": zero_var / n_groups,
        "all_pass_share": all_pass / n_groups,
        "none_pass_share": none_pass / n_groups,
        "pass_at_k": {str(k): pass_sums[k] / n_groups for k in ks},
    }
    if has_answers:
        summary["maj_at_k"] = {str(k): maj_sums[k] / n_groups for k in ks}
    if data.skipped:
        summary["skipped_lines"] = len(data.skipped)
    if with_groups:
        summary["per_group"] = per_group
    return summary
