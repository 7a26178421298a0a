"""Train a consensus reward model on candidate lists with scores (what ``rewardlab train bt`` does
with such lists by default).

1. A :class:`~.agreement.Vocabulary` is fitted on every response of the training lists (scored or
   not: a response without a score still tells what the others agree on).
2. Each list's responses get their six :mod:`features <.features>` (length and consensus, raw and
   relative to the list), computed within the list.
3. Pairs are the lists' scored responses whose scores differ by more than ``min_margin`` (every
   such pair, or the best against each other one: ``strategy``); the linear Bradley-Terry head is
   fitted on them (:func:`~.head.fit_pairwise`); ``ensemble`` members > 1 are each fitted on a
   bootstrap resample of the training prompts.
4. Held-out lists (other prompts) are scored as the ``rm:DIR`` reward scores them: pairwise accuracy
   beside the "longer answer wins" baseline, and the gold of the best-of-N pick (N = every scored
   response of a list) beside the longest answer, a random pick and the best possible pick.

Why this model: on AlpacaEval best-of-11 (``alpaca_bon16``, prompt-disjoint cross-validation) it is
the first learned reward to beat "pick the longest answer" with a confidence interval above zero;
heads on MiniLM or SmolLM2 features did not (benchmarks/RESULTS.md, issue 15).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ...data.preferences import PreferencePair
from ..bt.candidates import CandidateList, candidate_pairs
from ..bt.metrics import longer_wins_accuracy, pairwise_accuracy
from .agreement import Vocabulary
from .card import ConsensusReport, ConsensusTrainConfig, write_card
from .features import FEATURES, group_features
from .folder import ConsensusModelData, save_model
from .head import LinearHead, fit_pairwise

__all__ = ["ConsensusReport", "ConsensusTrainConfig", "train_consensus"]


def _features(lists: Sequence[CandidateList], vocab: Vocabulary, *, counted: bool) -> list[np.ndarray | None]:
    return [
        group_features(lst.candidates, vocab, counted=counted) if len(lst.candidates) >= 2 else None for lst in lists
    ]


def _pairs(
    lists: Sequence[CandidateList], feats: Sequence[np.ndarray | None], config: ConsensusTrainConfig
) -> tuple[np.ndarray, list[PreferencePair]]:
    """The [pairs, 3] (list, chosen, rejected) indices of every pair of the lists that have features,
    and the pairs themselves."""
    keys, pairs = [], []
    for n, (lst, x) in enumerate(zip(lists, feats, strict=True)):
        if x is None:
            continue
        for pair in candidate_pairs([lst], strategy=config.strategy, min_margin=config.min_margin):
            keys.append((n, pair.meta["chosen_index"], pair.meta["rejected_index"]))
            pairs.append(pair)
    return np.array(keys, dtype=np.int64).reshape(-1, 3), pairs


def _best_of_n(lists: Sequence[CandidateList], scores: Sequence[np.ndarray | None]) -> dict[str, float]:
    """Mean gold of the pick among each list's scored responses: model (ties shared), longest, random, best."""
    model, longest, rand, best = [], [], [], []
    for lst, s in zip(lists, scores, strict=True):
        idx = lst.scored
        if s is None or len(idx) < 2:
            continue
        gold = np.array([lst.scores[i] for i in idx], dtype=np.float64)
        mine = s[idx]
        top = np.flatnonzero(mine >= mine.max() - 1e-12)
        model.append(float(gold[top].mean()))
        lengths = np.array([len(lst.candidates[i]) for i in idx])
        longest.append(float(gold[int(np.argmax(lengths))]))
        rand.append(float(gold.mean()))
        best.append(float(gold.max()))
    if not model:
        return {}
    return {
        "prompts": float(len(model)),
        "model": float(np.mean(model)),
        "longest": float(np.mean(longest)),
        "random": float(np.mean(rand)),
        "oracle": float(np.mean(best)),
    }


def train_consensus(
    train_lists: Sequence[CandidateList],
    eval_lists: Sequence[CandidateList],
    out: str | Path,
    config: ConsensusTrainConfig | None = None,
    *,
    message: Callable[[str], None] | None = None,
    data_info: dict[str, Any] | None = None,
) -> ConsensusReport:
    """Fit, save to ``out`` (``consensus_model.json`` and the model card) and report."""
    config = config or ConsensusTrainConfig()
    say = message or (lambda text: None)
    started = time.perf_counter()
    report = ConsensusReport(out=Path(out), config=config, train_lists=len(train_lists), eval_lists=len(eval_lists))
    report.started = datetime.now(UTC).isoformat(timespec="seconds")
    vocab = Vocabulary.fit(c for lst in train_lists for c in lst.candidates)
    say(f"vocabulary: {len(vocab.df)} words in {vocab.n_docs} training responses")
    feats = _features(train_lists, vocab, counted=True)
    keys, _ = _pairs(train_lists, feats, config)
    if len(keys) == 0:
        raise ValueError(
            "no training pairs: no list has two scored responses whose scores differ by more than "
            f"{config.min_margin:g}"
        )
    report.n_train = len(keys)
    head = LinearHead.standardizer(np.concatenate([x for x in feats if x is not None]))
    chosen = np.stack([feats[n][a] for n, a, _ in keys])  # type: ignore[index]
    rejected = np.stack([feats[n][b] for n, _, b in keys])  # type: ignore[index]
    diffs = head.standardize(chosen) - head.standardize(rejected)
    rng = random.Random(config.seed)
    for m in range(config.ensemble):
        if config.ensemble == 1:
            weights = None
        else:  # a bootstrap resample of the training prompts: each list's pairs weighted by its count
            counts = np.bincount([rng.randrange(len(train_lists)) for _ in train_lists], minlength=len(train_lists))
            weights = counts[keys[:, 0]].astype(np.float64)
        head.members.append(
            fit_pairwise(
                diffs,
                weights=weights,
                steps=config.steps,
                learning_rate=config.learning_rate,
                weight_decay=config.weight_decay,
            )
        )
        say(f"head {m + 1}/{config.ensemble} fitted on {len(keys)} pairs from {len(train_lists)} prompts")
    mean_w = np.mean(head.members, 0)
    report.weights = {name: round(float(w), 4) for name, w in zip(FEATURES, mean_w, strict=True)}
    model = ConsensusModelData(head, vocab, {"pairs": report.n_train, "prompts": len(train_lists)})
    if eval_lists:
        _evaluate(report, model, eval_lists, config)
    report.seconds = time.perf_counter() - started
    report.finished = datetime.now(UTC).isoformat(timespec="seconds")
    model.training = {
        **model.training,
        "config": asdict(config),
        "eval_accuracy": report.eval_accuracy,
        "best_of_n": report.best_of_n,
    }
    save_model(out, model)
    write_card(out, report, data_info or {})
    return report


def _evaluate(
    report: ConsensusReport,
    model: ConsensusModelData,
    eval_lists: Sequence[CandidateList],
    config: ConsensusTrainConfig,
) -> None:
    feats = _features(eval_lists, model.vocab, counted=False)
    scores = [None if x is None else model.head.scores(x).mean(1) for x in feats]
    keys, pairs = _pairs(eval_lists, feats, config)
    report.n_eval = len(keys)
    if len(keys):
        report.eval_accuracy = pairwise_accuracy(
            [[scores[n][a]] for n, a, _ in keys],  # type: ignore[index]
            [[scores[n][b]] for n, _, b in keys],  # type: ignore[index]
        )
        report.longer_wins_accuracy = longer_wins_accuracy(pairs)
    report.best_of_n = _best_of_n(eval_lists, scores)
