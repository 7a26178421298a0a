"""Can a reward trained with rewardlab beat "pick the longest answer" on AlpacaEval best-of-N? (not a test)

Prompt-disjoint K-fold cross-validation on ``alpaca_bon16`` (400 prompts x 16 candidates, GPT-4-turbo
gold for candidates 0-10; ../shared/data/README.md):

1. The prompts are split into ``--folds`` folds (``random.Random(seed)`` shuffle, fold f = every
   K-th prompt from f). No prompt is on both sides of a split.
2. For each fold, preference pairs are built from the *training* prompts only: every two gold
   candidates of one prompt whose gold differs by more than ``--threshold`` (the higher gold is
   chosen; ``--margin-from-gold`` also uses the gold difference as the pair's margin).
3. A Bradley-Terry reward model (MiniLM backbone) is trained on them with the library's own
   training API (``rewardlab.models.bt.train.train_bt``, what ``rewardlab train bt`` calls) and
   saved as a normal reward-model folder. The default is a linear probe (``--freeze-layers 6``):
   the head on frozen MiniLM features. A :class:`FeatureCache` shared by all folds encodes each
   candidate once (the features are computed before the folds, with a progress display).
4. The length weight of a composed reward ``weighted_sum(group_norm(rm:DIR), group_norm(length))``
   (both z-scored within the prompt's candidates) is fitted on the training prompts only: an inner
   ``--inner-folds`` split of the training prompts gives out-of-fold BT scores, and the weight
   alpha in {0, 0.05, ..., 1} of the length term that maximizes their best-of-11 expected gold is
   kept (alpha = 0: the BT score alone; alpha = 1: the length rule).
5. The held-out prompts' gold candidates are scored by the saved folder: its head on the cached
   features of the frozen body -- exactly what ``RewardModel(path=DIR)`` (the ``rm:DIR`` reward)
   computes, without encoding every candidate a second time. The first ``--verify-prompts``
   held-out prompts of each fold are also scored through the composed spec (``rm:DIR`` and the
   ``length`` verifier under ``group_norm`` / ``weighted_sum``) and the largest difference is
   reported (``--verify-prompts -1`` scores every held-out prompt both ways). Expected gold of the
   pick of a random N-subset is computed exactly with :func:`rewardlab.evaluate.metrics.bon.expected_best_of_n`
   (ties broken at random, as ``eval bon`` does for rewards; the baseline rules break ties by
   index, as the published anchors).

The 400 held-out prompts are pooled: mean gold x100 +- s.e. at N = 1, 2, 4, 8, 11 beside random,
longest, shortest and oracle on the same prompts (which reproduce the published anchors), the
public DeBERTa reward model's stored best-of-16 pick, and paired differences against the longest
rule with a bootstrap CI over prompts. Nothing is tuned on held-out prompts.

Usage::

    .venv/bin/python benchmarks/quality_alpaca_bon.py --out /tmp/alp/summary.json
    .venv/bin/python benchmarks/quality_alpaca_bon.py --quick        # 60 prompts, 128 tokens: a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("REWARDLAB_SHARED_DATA", HERE.parent.parent / "shared" / "data"))
sys.path.insert(0, str(HERE.parent / "src"))

from rewardlab.compose.normalize import group_zscore  # noqa: E402
from rewardlab.core.spec import Spec, spec_from_dict  # noqa: E402
from rewardlab.data.preferences import PreferencePair  # noqa: E402
from rewardlab.evaluate.metrics.bon import BonPrompt, expected_best_of_n, public_rm_picks, rule_scores  # noqa: E402
from rewardlab.evaluate.metrics.stats import bootstrap_ci, mean_se  # noqa: E402
from rewardlab.evaluate.runs.bon_data import load_bon  # noqa: E402
from rewardlab.evaluate.runs.scoring import score_all  # noqa: E402
from rewardlab.models.bt.checkpoint import load_reward_model  # noqa: E402

NS = (1, 2, 4, 8, 11)
ALPHAS = [round(0.05 * i, 2) for i in range(21)]
BASELINES = ("random pick (expected)", "longest answer", "shortest answer", "oracle (max gold)")
Z_EPS = 1e-6  # group_norm's defaults, used both for fitting and in the spec
DEBERTA = "OpenAssistant/reward-model-deberta-v3-large-v2"


# ---- data, folds, pairs -----------------------------------------------------------------------
def folds_of(n_prompts: int, k: int, seed: int) -> list[list[int]]:
    """Prompt indices of each fold: a seeded shuffle, fold f = every k-th index from position f."""
    order = list(range(n_prompts))
    random.Random(seed).shuffle(order)
    return [sorted(order[f::k]) for f in range(k)]


def messages(p: BonPrompt) -> list[dict[str, str]]:
    return [{"role": "user", "content": p.instruction}]


def gold_pairs(prompts: Sequence[BonPrompt], threshold: float) -> list[PreferencePair]:
    """Every two gold candidates of a prompt whose gold differs by more than ``threshold``."""
    pairs: list[PreferencePair] = []
    for p in prompts:
        idx = p.gold_indices
        for a in range(len(idx)):
            for b in range(a + 1, len(idx)):
                i, j = idx[a], idx[b]
                gi, gj = float(p.gold[i]), float(p.gold[j])  # type: ignore[arg-type]
                if abs(gi - gj) <= threshold or p.candidates[i] == p.candidates[j]:
                    continue
                hi, lo = (i, j) if gi > gj else (j, i)
                pairs.append(
                    PreferencePair(
                        id=f"{p.id}:{hi}>{lo}",
                        prompt=messages(p),
                        chosen=p.candidates[hi],
                        rejected=p.candidates[lo],
                        group=p.id,
                        margin=abs(gi - gj),
                        meta={"prompt_id": p.id, "chosen_index": hi, "rejected_index": lo},
                    )
                )
    return pairs


def candidate_sample(p: BonPrompt, i: int) -> dict[str, Any]:
    """A held-out candidate as ``eval bon`` scores it."""
    return {
        "id": f"{p.id}#{i}",
        "prompt_id": p.id,
        "candidate": i,
        "dataset": p.dataset,
        "prompt": messages(p),
        "completion": p.candidates[i],
    }


def gold_of(p: BonPrompt) -> list[float]:
    return [float(p.gold[i]) for i in p.gold_indices]  # type: ignore[arg-type]


# ---- best-of-N per prompt ---------------------------------------------------------------------
def rule_values(p: BonPrompt, ns: Sequence[int]) -> dict[str, dict[int, float]]:
    """Expected gold of each baseline rule on one prompt (the anchors' tie rules)."""
    cands = [p.candidates[i] for i in p.gold_indices]
    gold = gold_of(p)
    out: dict[str, dict[int, float]] = {}
    for rule in BASELINES:
        scores = rule_scores(rule, cands, gold)
        tie = "random" if rule == "random pick (expected)" else "index"
        out[rule] = {n: expected_best_of_n(scores, gold, min(n, len(gold)), tie_break=tie) for n in ns}
    return out


def reward_values(scores: Sequence[float], gold: Sequence[float], ns: Sequence[int]) -> dict[int, float]:
    return {n: expected_best_of_n(scores, gold, min(n, len(gold)), tie_break="random") for n in ns}


def composite(bt: Sequence[float], length: Sequence[float], alpha: float) -> np.ndarray:
    """(1 - alpha) z(bt) + alpha z(length), z-scored within the prompt as the spec's group_norm."""
    zb = group_zscore(np.asarray(bt, dtype=float), eps=Z_EPS, unbiased=True)
    zl = group_zscore(np.asarray(length, dtype=float), eps=Z_EPS, unbiased=True)
    return (1.0 - alpha) * zb + alpha * zl


def composed_spec(model_dir: Path, alpha: float, batch_size: int) -> Spec:
    """weighted_sum of the z-scored rm:DIR reward (weight 1 - alpha) and the z-scored length (alpha)."""
    z = {"type": "group_norm", "method": "zscore", "group_key": "prompt_id", "eps": Z_EPS, "unbiased_std": True}
    return spec_from_dict(
        {
            "name": "bt_plus_length",
            "reward": {
                "type": "weighted_sum",
                "children": [
                    {
                        **z,
                        "name": "bt_z",
                        "weight": 1.0 - alpha,
                        "child": {
                            "type": "reward_model",
                            "path": str(model_dir),
                            "batch_size": batch_size,
                            "name": "bt",
                        },
                    },
                    {
                        **z,
                        "name": "length_z",
                        "weight": alpha,
                        "child": {"type": "length", "unit": "chars", "name": "length"},
                    },
                ],
            },
        }
    )


# ---- the learned part -------------------------------------------------------------------------
def head_on(heads: Sequence[Any], feats: Any) -> list[float]:
    """Mean score of the heads on each feature row; identical rows (answers that tokenize the same,
    e.g. differing only in letter case for the uncased MiniLM) get exactly the same score.

    A matrix product can round identical rows differently (at 1e-7) depending on their position,
    and the per-prompt z-score of the composed reward would blow that up for a prompt whose
    candidates all tokenize alike; ``RewardModel`` scores such inputs identically.
    """
    import torch

    with torch.inference_mode():
        unique, inverse = torch.unique(feats, dim=0, return_inverse=True)
        values = torch.cat([h(unique.to(h.weight.dtype)) for h in heads], dim=1).double().mean(dim=1)
    return values[inverse].tolist()


class Learner:
    """The backbone, the shared feature cache and the training configuration."""

    def __init__(self, args: argparse.Namespace) -> None:
        from rewardlab.models.backbones import load_backbone
        from rewardlab.models.bt.config import BTTrainConfig
        from rewardlab.models.bt.features import FeatureCache
        from rewardlab.models.bt.network import ScalarRewardNetwork

        self.config = BTTrainConfig(
            backbone="minilm",
            max_length=args.max_length,
            freeze_layers=args.freeze_layers,
            epochs=args.epochs,
            learning_rate=args.lr,
            head_learning_rate=args.head_lr,
            batch_size=args.batch_size,
            margin_from_data=args.margin_from_gold,
            select="last",
            seed=args.seed,
            threads=args.threads,
        )
        self.cache = FeatureCache()
        self.backbone = load_backbone("minilm", max_length=args.max_length, threads=args.threads)
        self.network = ScalarRewardNetwork(self.backbone)
        self.probe = args.freeze_layers >= len(self.network.transformer_layers())

    def encode(self, samples: Sequence[dict[str, Any]]) -> list[Any]:
        return self.backbone.encode([self.backbone.render(s) for s in samples])

    def prefill(self, prompts: Sequence[BonPrompt], chunk: int = 64) -> dict[str, Any]:
        """Encode every gold candidate once into the cache (the folds then only look features up)."""
        from rewardlab.evaluate.runs.scoring import progress_bar
        from rewardlab.models.bt.trainer import pooled_features

        encoded = self.encode([candidate_sample(p, i) for p in prompts for i in p.gold_indices])
        started = time.perf_counter()
        tty = bool(getattr(sys.stderr, "isatty", lambda: False)())
        with progress_bar("encoding candidates (MiniLM features)", len(encoded)) as advance:
            for start in range(0, len(encoded), chunk):
                pooled_features(self.network, encoded[start : start + chunk], cache=self.cache)
                advance(min(chunk, len(encoded) - start))
                done = min(len(encoded), start + chunk)
                if (not tty and (done // chunk) % 10 == 0) or done == len(encoded):
                    rate = (time.perf_counter() - started) / done
                    left = rate * (len(encoded) - done)
                    log(f"  features {done}/{len(encoded)} ({rate:.3f} s each, ~{left:.0f} s left)")
        return {
            "candidates": len(encoded),
            "distinct_inputs": len(self.cache),
            "truncated": sum(e.truncated for e in encoded),
            "mean_tokens": float(np.mean([len(e) for e in encoded])),
            "seconds": round(time.perf_counter() - started, 1),
        }

    def train_folder(self, train: list[PreferencePair], held: list[PreferencePair], out: Path, info: dict) -> Any:
        """``train_bt`` (as ``rewardlab train bt``): a reward-model folder, with the shared cache."""
        from rewardlab.models.bt.train import train_bt

        return train_bt(self.config, train, held, out, data_info=info, feature_cache=self.cache)

    def head_scores(self, loaded: Any, prompts: Sequence[BonPrompt]) -> list[list[float]]:
        """BT scores of every gold candidate: a saved folder's head(s) on the cached body features.

        For a linear probe the saved body is the pretrained one, so this is what ``RewardModel``
        computes (checked on a subset through the ``rm:DIR`` spec) without encoding again.
        """

        from rewardlab.models.bt.trainer import pooled_features

        if not self.probe:
            raise SystemExit("scoring from cached features needs the linear probe (--freeze-layers 6)")
        out = []
        for p in prompts:
            feats = pooled_features(
                self.network, self.encode([candidate_sample(p, c) for c in p.gold_indices]), cache=self.cache
            )
            out.append(head_on([n.head for n in loaded.networks], feats))
        return out

    def oof_scores(self, prompts: Sequence[BonPrompt], threshold: float, k: int, seed: int) -> list[list[float]]:
        """Out-of-fold BT scores of every gold candidate of ``prompts`` (an inner split of them).

        Each inner model is a fresh head trained with the same configuration (``train_member``, the
        library's per-member training) on the other inner folds; scores are its head on the cached
        features. Used only to fit the length weight.
        """

        from rewardlab.models.bt.network import ScalarRewardNetwork
        from rewardlab.models.bt.progress import NullReporter
        from rewardlab.models.bt.trainer import encode_pairs, pooled_features, train_member

        if not self.probe:
            raise SystemExit("the inner split for the length weight needs the linear probe (--freeze-layers 6)")
        out: list[list[float]] = [[] for _ in prompts]
        for f, fold in enumerate(folds_of(len(prompts), k, seed + 1)):
            inside = set(fold)
            train_pairs = gold_pairs([p for i, p in enumerate(prompts) if i not in inside], threshold)
            network = ScalarRewardNetwork(self.backbone, pooling=self.config.pooling)
            train_member(
                network,
                encode_pairs(self.backbone, train_pairs, self.config),
                None,
                self.config,
                seed=self.config.seed + 100 + f,
                label=f"inner {f + 1}/{k}",
                reporter=NullReporter(),
                feature_cache=self.cache,
            )
            for i in fold:
                p = prompts[i]
                feats = pooled_features(
                    network, self.encode([candidate_sample(p, c) for c in p.gold_indices]), cache=self.cache
                )
                out[i] = head_on([network.head], feats)
        return out


# ---- summaries ----------------------------------------------------------------------------------
def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def table_of(values: dict[str, list[dict[int, float]]], ns: Sequence[int]) -> dict[str, dict[str, dict[str, float]]]:
    out: dict[str, dict[str, dict[str, float]]] = {}
    for name, rows in values.items():
        out[name] = {}
        for n in ns:
            mean, se = mean_se([r[n] for r in rows])
            out[name][str(n)] = {"mean": mean, "se": se}
    return out


def paired(a: list[dict[int, float]], b: list[dict[int, float]], ns: Sequence[int], n_boot: int, seed: int) -> dict:
    out = {}
    for n in ns:
        d = [x[n] - y[n] for x, y in zip(a, b, strict=True)]
        mean, se = mean_se(d)
        lo, hi = bootstrap_ci(d, n_boot=n_boot, seed=seed)
        out[str(n)] = {
            "mean": mean,
            "se": se,
            "ci95": [lo, hi],
            "better": sum(v > 1e-12 for v in d),
            "worse": sum(v < -1e-12 for v in d),
        }
    return out


def check_anchors(table: dict[str, dict[str, dict[str, float]]], ns: Sequence[int]) -> float | None:
    """Largest |difference| between the baselines over all prompts and the published anchors (0-1 scale)."""
    path = SHARED / "alpaca_bon16_anchors.json"
    if not path.is_file():
        return None
    anchors = json.loads(path.read_text(encoding="utf-8"))["shared"]["annotated_pool"]["expected_best_of_n"]
    return max(abs(table[r][str(n)]["mean"] - anchors[r][str(n)]) for r in BASELINES for n in ns)


def print_table(summary: dict[str, Any]) -> None:
    ns = summary["ns"]
    t = summary["table"]
    head = f"{'selection rule':<34}" + "".join(f"{'N=' + str(n):>15}" for n in ns)
    print(head)
    print("-" * len(head))
    for name, row in t.items():
        cells = "".join(f"{100 * row[str(n)]['mean']:>8.2f} ± {100 * row[str(n)]['se']:<4.2f}" for n in ns)
        print(f"{name:<34}{cells}")
    pub = summary.get("public_deberta_best_of_16")
    if pub and pub.get("mean") is not None:
        cell = f"{100 * pub['mean']:>8.2f} ± {100 * pub['se']:<4.2f}"
        print(f"{'DeBERTa-v3-large RM (best-of-16)':<34}{cell}  (its stored pick over all 16 candidates)")
    for name, comp in summary["paired_vs_longest"].items():
        print(f"\n{name} minus longest answer (paired over prompts; x100, 95% bootstrap CI; prompts better/worse):")
        for n in ns:
            c = comp[str(n)]
            print(
                f"  N={n:<3} {100 * c['mean']:+7.2f} ± {100 * c['se']:.2f}   "
                f"[{100 * c['ci95'][0]:+.2f}, {100 * c['ci95'][1]:+.2f}]   {c['better']}/{c['worse']}"
            )


# ---- main ---------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=SHARED / "alpaca_bon16.jsonl.gz")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--inner-folds", type=int, default=4, help="Inner split of the training prompts (length weight).")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threshold", type=float, default=0.25, help="Pair two candidates when their gold differs more.")
    ap.add_argument("--margin-from-gold", action="store_true", help="Use the gold difference as the pair's margin.")
    ap.add_argument("--max-length", type=int, default=512, help="Tokens per input (MiniLM's limit is 512).")
    ap.add_argument("--freeze-layers", type=int, default=6, help="6: a linear probe (features computed once).")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--lr", type=float, default=3e-5, help="Backbone learning rate (when not a probe).")
    ap.add_argument("--head-lr", type=float, default=3e-3)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: this process's share).")
    ap.add_argument(
        "--verify-prompts",
        type=int,
        default=8,
        help="Held-out prompts per fold also scored through the rm:DIR spec (RewardModel) to check the scores "
        "computed from cached features (-1: all of them; each costs 11 more encodings).",
    )
    ap.add_argument("--n-boot", type=int, default=10000)
    ap.add_argument("--limit", type=int, default=None, help="Use the first N prompts only.")
    ap.add_argument("--models", type=Path, help="Keep the fold models here (default: a temporary folder).")
    ap.add_argument("--out", type=Path, help="Write the JSON summary here.")
    ap.add_argument("--quick", action="store_true", help="60 prompts, 128 tokens, 3 epochs: a smoke run.")
    args = ap.parse_args(argv)
    if args.quick:
        args.limit = args.limit or 60
        args.max_length = min(args.max_length, 128)
        args.epochs = min(args.epochs, 3)
        args.n_boot = min(args.n_boot, 1000)
    if not args.data.is_file():
        print(f"error: {args.data} not found (set REWARDLAB_SHARED_DATA)", file=sys.stderr)
        return 2
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    started = time.perf_counter()
    command = shlex.join([Path(sys.executable).name, *sys.argv])
    prompts = load_bon(args.data, limit=args.limit)
    k = min(len(p.gold_indices) for p in prompts)
    ns = sorted({n for n in NS if n <= k} | {k})
    folds = folds_of(len(prompts), args.folds, args.seed)

    # the baselines on every prompt (they do not depend on the folds)
    base_rows = [rule_values(p, ns) for p in prompts]
    base_table = table_of({r: [row[r] for row in base_rows] for r in BASELINES}, ns)
    anchor_error = check_anchors(base_table, ns) if args.limit is None else None

    tmp = None
    if args.models is None:
        tmp = tempfile.TemporaryDirectory(prefix="alpaca-bon-")
        models = Path(tmp.name)
    else:
        models = args.models
        models.mkdir(parents=True, exist_ok=True)

    learner = Learner(args)
    log(
        f"{len(prompts)} prompts, {args.folds} prompt-disjoint folds, pairs: gold difference > {args.threshold}"
        f"{' (margin = gold difference)' if args.margin_from_gold else ''}; MiniLM, max {args.max_length} tokens, "
        f"{'linear probe' if learner.probe else f'top {6 - args.freeze_layers} layers fine-tuned'}"
    )
    prefill = learner.prefill(prompts) if learner.probe else None
    if prefill:
        log(f"features: {prefill}")

    bt_rows: list[dict[int, float] | None] = [None] * len(prompts)
    mix_rows: list[dict[int, float] | None] = [None] * len(prompts)
    per_prompt: list[dict[str, Any] | None] = [None] * len(prompts)
    fold_info: list[dict[str, Any]] = []
    for f, fold in enumerate(folds):
        fold_started = time.perf_counter()
        held = set(fold)
        train_prompts = [p for i, p in enumerate(prompts) if i not in held]
        test_prompts = [prompts[i] for i in fold]
        train_pairs = gold_pairs(train_prompts, args.threshold)
        held_pairs = gold_pairs(test_prompts, args.threshold)
        out_dir = models / f"fold-{f}"
        report = learner.train_folder(
            train_pairs,
            held_pairs,
            out_dir,
            {
                "train_file": str(args.data),
                "eval_source": f"pairs of the held-out prompts of fold {f} (reported, not used to select)",
                "folds": args.folds,
                "fold": f,
                "threshold": args.threshold,
            },
        )
        # the length weight, fitted on the training prompts only
        oof = learner.oof_scores(train_prompts, args.threshold, args.inner_folds, args.seed + f)
        lengths_train = [[float(len(p.candidates[i])) for i in p.gold_indices] for p in train_prompts]
        fit = {}
        for a in ALPHAS:
            fit[a] = float(
                np.mean(
                    [
                        expected_best_of_n(composite(s, ln, a), gold_of(p), k, tie_break="random")
                        for p, s, ln in zip(train_prompts, oof, lengths_train, strict=True)
                    ]
                )
            )
        alpha = max(ALPHAS, key=lambda a: (fit[a], -a))
        # held-out BT scores: the saved folder's head on the cached features of the (frozen) body
        loaded = load_reward_model(out_dir, threads=args.threads)
        rm_scores = learner.head_scores(loaded, test_prompts)
        bt_by_candidate: dict[tuple[str, int], float] = {}
        for i, p, bt in zip(fold, test_prompts, rm_scores, strict=True):
            gold = gold_of(p)
            lengths = [float(len(p.candidates[c])) for c in p.gold_indices]
            mix = composite(bt, lengths, alpha).tolist()
            bt_rows[i] = reward_values(bt, gold, ns)
            mix_rows[i] = reward_values(mix, gold, ns)
            per_prompt[i] = {"id": p.id, "fold": f, "bt": bt, "bt_plus_length": mix, "gold": gold}
            bt_by_candidate.update({(p.id, c): v for c, v in zip(p.gold_indices, bt, strict=True)})
        # the same through the reward API: the composed spec with rm:DIR (RewardModel) and `length`
        n_check = len(test_prompts) if args.verify_prompts < 0 else min(args.verify_prompts, len(test_prompts))
        spec = composed_spec(out_dir, alpha, batch_size=32)
        check = test_prompts[:n_check]
        samples = [candidate_sample(p, c) for p in check for c in p.gold_indices]
        groups = [g for g, p in enumerate(check) for _ in p.gold_indices]
        scored = score_all(spec, samples, batch_size=44, groups=groups, description=f"fold {f}: rm:DIR check")
        if scored.failures or any(not r.is_ok for r in scored.results):
            raise SystemExit(f"fold {f}: {scored.failure_summary()}")
        at, rm_diff, mix_diff = 0, 0.0, 0.0
        for i, p in zip(fold[:n_check], check, strict=True):
            res = scored.results[at : at + len(p.gold_indices)]
            at += len(p.gold_indices)
            row = per_prompt[i]
            assert row is not None
            rm_diff = max(rm_diff, *(abs(float(r.components["bt"]) - v) for r, v in zip(res, row["bt"], strict=True)))
            mix_diff = max(
                mix_diff, *(abs(float(r.score) - v) for r, v in zip(res, row["bt_plus_length"], strict=True))
            )
        # and the saved folder reproduces the trained model's held-out pair scores
        member = report.members[0]
        drift = max(
            max(abs(bt_by_candidate[(pr.meta["prompt_id"], pr.meta["chosen_index"])] - c[0]),
                abs(bt_by_candidate[(pr.meta["prompt_id"], pr.meta["rejected_index"])] - r[0]))
            for pr, c, r in zip(held_pairs, member.eval_chosen, member.eval_rejected, strict=True)
        ) if held_pairs else None  # fmt: skip
        del loaded
        bt11 = float(np.mean([bt_rows[i][k] for i in fold]))  # type: ignore[index]
        mix11 = float(np.mean([mix_rows[i][k] for i in fold]))  # type: ignore[index]
        long11 = float(np.mean([base_rows[i]["longest answer"][k] for i in fold]))
        info = {
            "fold": f,
            "train_prompts": len(train_prompts),
            "held_out_prompts": len(test_prompts),
            "train_pairs": len(train_pairs),
            "held_out_pairs": len(held_pairs),
            "held_out_pair_accuracy": report.eval_accuracy,
            "held_out_pair_longer_wins": report.longer_wins_accuracy,
            "train_accuracy_last_epoch": member.epochs[-1]["train_accuracy"],
            "alpha_length": alpha,
            "inner_fit_gold_at_k": {str(a): v for a, v in fit.items()},
            "bt_gold_at_k": bt11,
            "bt_plus_length_gold_at_k": mix11,
            "longest_gold_at_k": long11,
            "saved_head_vs_training_scores_max_abs_diff": drift,
            "rm_spec_check": {
                "prompts": n_check,
                "candidates": len(samples),
                "bt_max_abs_diff": rm_diff,
                "composed_max_abs_diff": mix_diff,
            },
            "model": str(out_dir) if args.models else None,
            "seconds": round(time.perf_counter() - fold_started, 1),
        }
        fold_info.append(info)
        log(
            f"fold {f}: {len(train_pairs)} train / {len(held_pairs)} held-out pairs, held-out pair acc "
            f"{report.eval_accuracy:.3f} (longer wins {report.longer_wins_accuracy:.3f}); alpha(length) = {alpha} "
            f"(inner fit: BT alone {100 * fit[0.0]:.2f}, length alone {100 * fit[1.0]:.2f}, chosen "
            f"{100 * fit[alpha]:.2f}); held-out @{k}: BT {100 * bt11:.2f}, BT+length {100 * mix11:.2f}, "
            f"longest {100 * long11:.2f}; rm:DIR spec on {len(samples)} candidates vs these scores: "
            f"BT {rm_diff:.1e}, composed {mix_diff:.1e}; {info['seconds']} s"
        )

    bt_done = [r for r in bt_rows if r is not None]
    mix_done = [r for r in mix_rows if r is not None]
    longest = [row["longest answer"] for row in base_rows]
    table = dict(base_table)
    table["BT probe (5-fold CV)" if args.folds == 5 else "BT probe (CV)"] = table_of({"x": bt_done}, ns)["x"]
    table["BT + length (alpha fit in-fold)"] = table_of({"x": mix_done}, ns)["x"]
    bt_name, mix_name = list(table)[-2:]
    order = ["random pick (expected)", "shortest answer", "longest answer", bt_name, mix_name, "oracle (max gold)"]
    table = {name: table[name] for name in order}
    pairs_acc = [(fi["held_out_pair_accuracy"], fi["held_out_pairs"]) for fi in fold_info]
    pairs_long = [(fi["held_out_pair_longer_wins"], fi["held_out_pairs"]) for fi in fold_info]
    total_pairs = sum(n for _, n in pairs_acc)
    summary: dict[str, Any] = {
        "command": command,
        "data": str(args.data),
        "prompts": len(prompts),
        "k": k,
        "ns": ns,
        "settings": {
            "folds": args.folds,
            "inner_folds": args.inner_folds,
            "seed": args.seed,
            "threshold": args.threshold,
            "margin_from_gold": args.margin_from_gold,
            "train_config": learner.config.model_dump(mode="json"),
            "alphas": ALPHAS,
            "tie_break": "random for the learned rewards; index for the baseline rules (as the anchors)",
        },
        "features": prefill,
        "feature_cache": learner.cache.stats(),
        "table": table,
        "anchors_max_abs_diff": anchor_error,
        "public_deberta_best_of_16": public_rm_picks(prompts).get(DEBERTA),
        "paired_vs_longest": {
            bt_name: paired(bt_done, longest, ns, args.n_boot, args.seed),
            mix_name: paired(mix_done, longest, ns, args.n_boot, args.seed),
        },
        "paired_bt_plus_length_vs_bt": paired(mix_done, bt_done, ns, args.n_boot, args.seed),
        "held_out_pair_accuracy": sum(a * n for a, n in pairs_acc) / total_pairs if total_pairs else None,
        "held_out_pair_longer_wins": sum(a * n for a, n in pairs_long) / total_pairs if total_pairs else None,
        "held_out_pairs": total_pairs,
        "folds": fold_info,
        "wall_seconds": round(time.perf_counter() - started, 1),
        "per_prompt": per_prompt,
    }
    print(
        f"\nalpaca_bon16 best-of-N, {len(prompts)} prompts, each scored by a model that never saw it "
        f"({args.folds} prompt-disjoint folds); mean gold x100 ± s.e. over prompts\n"
    )
    print_table(summary)
    acc = summary["held_out_pair_accuracy"]
    print(
        f"\nheld-out pairs (gold difference > {args.threshold}): BT accuracy {acc:.3f}, "
        f"longer answer wins {summary['held_out_pair_longer_wins']:.3f} ({total_pairs} pairs)"
    )
    print(f"length weight alpha per fold (fitted on training prompts): {[fi['alpha_length'] for fi in fold_info]}")
    if anchor_error is not None:
        print(f"baselines vs published anchors: max |diff| = {anchor_error:.2e} (gold scale 0-1)")
    print(f"wall time {summary['wall_seconds']:.0f} s; feature cache {learner.cache.stats()}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
        print(f"summary: {args.out}")
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
