"""Pairwise metrics of a reward on preference pairs (no torch: shared by the Bradley-Terry trainer and the
consensus reward model)."""

from __future__ import annotations

from collections.abc import Sequence

from ...data.preferences import PreferencePair

__all__ = ["longer_wins_accuracy", "pairwise_accuracy"]


def pairwise_accuracy(chosen: Sequence[Sequence[float]], rejected: Sequence[Sequence[float]]) -> float:
    """Share of pairs whose chosen side has the higher mean score (ties count one half).

    >>> pairwise_accuracy([[1.0], [0.0], [2.0]], [[0.0], [1.0], [2.0]])
    0.5
    """
    if not chosen:
        return float("nan")
    total = 0.0
    for c, r in zip(chosen, rejected, strict=True):
        mc, mr = sum(c) / len(c), sum(r) / len(r)
        total += 1.0 if mc > mr else 0.5 if mc == mr else 0.0
    return total / len(chosen)


def longer_wins_accuracy(pairs: Sequence[PreferencePair]) -> float | None:
    """Accuracy of the "longer answer wins" baseline (characters; ties count one half).

    >>> from rewardlab.data.preferences import PreferencePair
    >>> longer_wins_accuracy([PreferencePair("a", [], "long answer", "short"), PreferencePair("b", [], "x", "yy")])
    0.5
    """
    if not pairs:
        return None
    total = 0.0
    for p in pairs:
        total += 1.0 if len(p.chosen) > len(p.rejected) else 0.5 if len(p.chosen) == len(p.rejected) else 0.0
    return total / len(pairs)
