"""``rewardlab eval overopt``: the over-optimization lab on candidates with a gold reward.

Steps (:func:`run_overopt`): the prompts are split in two (prompt-disjoint, seeded); features of
every gold candidate come from a frozen backbone (MiniLM's mean over the response's tokens, the
``train bt`` probe's features; computed once and kept in ``features.npz`` under the output folder)
or, with ``backbone="consensus"``, are the consensus reward model's six (:func:`consensus_features`:
length and agreement with the prompt's other candidates -- proxies that can learn the gold);
for each label count, simulated annotators label pairs of training prompts by the gold with
noise ``p`` (:func:`~rewardlab.evaluate.overopt.simulate_labels`); ``members`` linear BT proxies
are fitted on bootstraps of the labels; each mitigation combines them and is optimized by
best-of-N on the held-out prompts, N = 1 ... the largest N every prompt allows. The report
(:func:`write_report`): ``overopt.json``, ``REPORT.md`` with the tables and fits, and
``overopt.png`` (gold and proxy against sqrt(KL_bon) per label count and mitigation).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..metrics.bon import BonPrompt
from ..overopt import (
    ProxyRun,
    bon_curve,
    combine,
    fit_gao_bon,
    fit_linear_bt,
    repetition,
    simulate_labels,
)

__all__ = ["candidate_features", "consensus_features", "run_overopt", "write_report"]

DEFAULT_MITIGATIONS = ("single", "mean", "worst", "uwo", "clip", "par")


def candidate_features(
    prompts: Sequence[BonPrompt],
    *,
    backbone: str = "minilm",
    max_length: int = 256,
    cache: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    chunk: int = 32,
) -> np.ndarray:
    """``[prompts, K, hidden]`` frozen features of every candidate with gold (zeros elsewhere).

    With ``cache``, features already computed for the same prompts, backbone and length are read
    back from it, and new ones are written to it. ``backbone="consensus"``: :func:`consensus_features`
    (seconds; no cache, no length limit).
    """
    if backbone == "consensus":
        return consensus_features(prompts)
    import torch

    from ...models.backbones import load_backbone

    width = max(len(p.candidates) for p in prompts)
    key = {"ids": [p.id for p in prompts], "backbone": backbone, "max_length": max_length}
    if cache is not None and cache.is_file():
        stored = np.load(cache, allow_pickle=False)
        if json.loads(str(stored["key"])) == key:
            return np.asarray(stored["features"])
    bb = load_backbone(backbone, max_length=max_length)
    where = [(i, k) for i, p in enumerate(prompts) for k in p.gold_indices]
    samples = [
        {"prompt": [{"role": "user", "content": prompts[i].instruction}], "completion": prompts[i].candidates[k]}
        for i, k in where
    ]
    encoded = bb.encode([bb.render(s) for s in samples])
    order = sorted(range(len(encoded)), key=lambda j: -len(encoded[j]))
    out = np.zeros((len(prompts), width, bb.hidden_size), dtype=np.float32)
    model = bb.model.eval()
    with torch.inference_mode():
        for start in range(0, len(order), chunk):
            idx = order[start : start + chunk]
            feats = bb.embed([encoded[j] for j in idx], "completion_mean", model=model).float().cpu().numpy()
            for row, j in enumerate(idx):
                out[where[j]] = feats[row]
            if progress is not None:
                progress(min(start + chunk, len(order)), len(order))
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, features=out, key=json.dumps(key))
    return out


def consensus_features(prompts: Sequence[BonPrompt]) -> np.ndarray:
    """``[prompts, K, 6]`` the consensus reward model's features of every candidate with gold (zeros
    elsewhere), standardized over those candidates: its length and its agreement with the prompt's
    other candidates (all of them, with or without gold), raw and within the prompt
    (:func:`rewardlab.models.consensus.group_features`). The vocabulary counts every candidate of
    the file; no gold is read.

    >>> p = BonPrompt("q", "Name a fruit.", ["apple", "an apple, red", "a car"], [0.9, 0.5, None])
    >>> consensus_features([p, BonPrompt("r", "Hi", ["hello", "hi there"], [0.1, 0.2])]).shape
    (2, 3, 6)
    """
    from ...models.consensus import FEATURES, Vocabulary, group_features
    from ...models.consensus.head import LinearHead

    vocab = Vocabulary.fit(c for p in prompts for c in p.candidates)
    width = max(len(p.candidates) for p in prompts)
    out = np.zeros((len(prompts), width, len(FEATURES)))
    mask = np.zeros((len(prompts), width), dtype=bool)
    for i, p in enumerate(prompts):
        if len(p.candidates) >= 2:
            out[i, : len(p.candidates)] = group_features(p.candidates, vocab, counted=True)
            mask[i, p.gold_indices] = True
    out = LinearHead.standardizer(out[mask]).standardize(out)
    out[~mask] = 0.0
    return out


def _gold_matrix(prompts: Sequence[BonPrompt]) -> np.ndarray:
    width = max(len(p.candidates) for p in prompts)
    gold = np.full((len(prompts), width), np.nan)
    for i, p in enumerate(prompts):
        for k in p.gold_indices:
            gold[i, k] = float(p.gold[k])  # type: ignore[arg-type]
    return gold


def run_overopt(
    prompts: Sequence[BonPrompt],
    features: np.ndarray,
    *,
    label_counts: Sequence[int] = (100, 300, 1000, 3000, 10000),
    noise: float = 0.1,
    members: int = 5,
    mitigations: Sequence[str] = DEFAULT_MITIGATIONS,
    uwo_k: float = 1.0,
    clip_quantile: float = 0.9,
    l2: float = 1e-2,
    seed: int = 0,
) -> dict[str, Any]:
    """Every (label count, mitigation) proxy's best-of-N curve on the held-out half, as a dict."""
    gold = _gold_matrix(prompts)
    order = list(range(len(prompts)))
    random.Random(seed).shuffle(order)
    half = len(order) // 2
    train, held = sorted(order[:half]), sorted(order[half:])
    usable = min(int((~np.isnan(gold[p])).sum()) for p in held)
    ns = [n for n in (1, 2, 3, 4, 6, 8, 11, 16, 32, 64) if n <= usable]
    if usable not in ns:
        ns.append(usable)
    lengths = np.array([[len(c) for c in p.candidates] + [0] * (gold.shape[1] - len(p.candidates)) for p in prompts])
    repeats = np.array(
        [[repetition(c) for c in p.candidates] + [0.0] * (gold.shape[1] - len(p.candidates)) for p in prompts]
    )
    mu = features[train].reshape(-1, features.shape[-1]).mean(0)
    sd = features[train].reshape(-1, features.shape[-1]).std(0) + 1e-6
    x = (features - mu) / sd
    runs: list[ProxyRun] = []
    oracle = bon_curve(gold, gold, held, ns, lengths=lengths, repeats=repeats)
    for n_labels in label_counts:
        labels = simulate_labels(gold, prompts=train, n_labels=n_labels, noise=noise, seed=seed + n_labels)
        rng = np.random.default_rng(seed + 7 * n_labels)
        heads = []
        for m in range(members):
            weights = np.ones(n_labels) if m == 0 else rng.poisson(1.0, n_labels).astype(float)
            heads.append(fit_linear_bt(x, labels, l2=l2, weights=weights))
        scores = np.stack([x @ w for w in heads])  # [members, prompts, K]
        held_pairs = simulate_labels(gold, prompts=held, n_labels=2000, noise=0.0, seed=seed + 1)
        single = scores[0]
        acc = float(np.mean(single[held_pairs[:, 0], held_pairs[:, 1]] > single[held_pairs[:, 0], held_pairs[:, 2]]))
        train_means = scores.mean(0)[train]
        clip_at = float(np.nanquantile(train_means[~np.isnan(gold[train])], clip_quantile))
        for how in mitigations:
            proxy = combine(scores, how, k=uwo_k, clip_at=clip_at)  # type: ignore[arg-type]
            run = ProxyRun(
                n_labels=n_labels, mitigation=how, members=1 if how == "single" else members, label_accuracy=acc
            )
            run.curve = bon_curve(proxy, gold, held, ns, lengths=lengths, repeats=repeats)
            d = [p.sqrt_kl for p in run.curve]
            run.gold_fit = fit_gao_bon(d, [p.gold for p in run.curve])
            run.proxy_fit = fit_gao_bon(d, [p.proxy for p in run.curve])
            runs.append(run)
    length_rule = bon_curve(lengths.astype(float), gold, held, ns, lengths=lengths, repeats=repeats)
    return {
        "settings": {
            "prompts": len(prompts),
            "train_prompts": len(train),
            "held_out_prompts": len(held),
            "label_counts": list(label_counts),
            "noise": noise,
            "members": members,
            "mitigations": list(mitigations),
            "uwo_k": uwo_k,
            "clip_quantile": clip_quantile,
            "l2": l2,
            "seed": seed,
            "ns": ns,
        },
        "oracle": [vars(p) for p in oracle],
        "longest": [vars(p) for p in length_rule],
        "runs": [r.to_dict() for r in runs],
    }


def write_report(result: dict[str, Any], out: Path) -> list[Path]:
    """``overopt.json``, ``REPORT.md`` and ``overopt.png`` under ``out``; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "overopt.json", out / "REPORT.md"]
    paths[0].write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    s = result["settings"]
    last = s["ns"][-1]
    lines = [
        "# Over-optimization: best-of-N against proxy rewards (Gao et al.'s synthetic setup)",
        "",
        f"{s['prompts']} prompts: proxies trained on labels of {s['train_prompts']}, best-of-N on the other "
        f"{s['held_out_prompts']}. Annotator noise p = {s['noise']}; {s['members']} members per ensemble "
        f"(bootstraps of the labels); uwo k = {s['uwo_k']}; clip at the {s['clip_quantile']:.0%} quantile of "
        "the training prompts' mean scores. Gold and proxy are exact expectations over random N-subsets.",
        "",
        f"Gold: {s.get('gold', 'the data field gold')}. Proxy features: {s.get('features', 'minilm')}.",
        "",
        f"Reference at N = {last}: oracle gold {result['oracle'][-1]['gold']:.4f}, longest answer "
        f"{result['longest'][-1]['gold']:.4f}, N = 1 (random) {result['oracle'][0]['gold']:.4f}.",
        "",
        f"| labels | mitigation | held-out pair acc | gold at N={last} | proxy at N={last} | gold fit alpha | "
        "beta | d_peak | rmse | pick length (chars) | pick repetition |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result["runs"]:
        c, f = r["curve"][-1], r["gold_fit"]
        lines.append(
            f"| {r['n_labels']} | {r['mitigation']} | {r['label_accuracy']:.3f} | {c['gold']:.4f} | {c['proxy']:.3f} | "
            f"{f['alpha']:.4f} | {f['beta']:.4f} | {f['d_peak']:.2f} | {f['rmse']:.4f} | {c['length']:.0f} | "
            f"{c['repetition']:.4f} |"
        )
    lines += ["", "d = sqrt(KL_bon(N)), KL_bon(N) = log N - (N-1)/N; fit R(d) = R(0) + alpha d - beta d^2.", ""]
    try:
        paths.append(_plot(result, out / "overopt.png"))
        lines.append("![gold and proxy against sqrt(KL)](overopt.png)")
    except ImportError as exc:  # matplotlib is in the 'evaluate' extra
        lines.append(f"(no plot: {exc})")
    paths[1].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return paths


def _plot(result: dict[str, Any], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mitigations = result["settings"]["mitigations"]
    fig, axes = plt.subplots(2, len(mitigations), figsize=(3.2 * len(mitigations), 6), squeeze=False)
    counts = result["settings"]["label_counts"]
    cmap = plt.get_cmap("viridis")
    for col, how in enumerate(mitigations):
        for r in (r for r in result["runs"] if r["mitigation"] == how):
            color = cmap(counts.index(r["n_labels"]) / max(1, len(counts) - 1))
            d = [p["sqrt_kl"] for p in r["curve"]]
            axes[0][col].plot(d, [p["gold"] for p in r["curve"]], "o-", color=color, label=f"{r['n_labels']}")
            axes[1][col].plot(d, [p["proxy"] for p in r["curve"]], "o-", color=color)
        for key, style in (("longest", "k--"), ("oracle", "k:")):
            axes[0][col].plot([p["sqrt_kl"] for p in result[key]], [p["gold"] for p in result[key]], style, lw=1)
        axes[0][col].set_title(how)
        axes[1][col].set_xlabel("sqrt(KL_bon)")
    axes[0][0].set_ylabel("gold")
    axes[1][0].set_ylabel("proxy")
    axes[0][0].legend(title="labels", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
