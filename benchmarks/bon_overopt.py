"""Over-optimization you can see in the loop: best-of-N picked by a proxy reward, judged by a gold one.

The samples of each prompt are scored with a **proxy** (by default a MiniLM Bradley-Terry model
trained with ``rewardlab train bt`` on GSM8K solution pairs of *other* questions) and a **gold**
reward (the strict ``math`` verifier against the reference answer). For N = 1, 2, ... the proxy's
best of the first N samples is picked with ``rewardlab select best --n N`` (the loop's own rule,
:func:`rewardlab.loop.selection.best_of_n`, random-seeded ties), over many random orders of each
prompt's samples, and the exact expectation over all N-subsets (as ``rewardlab eval bon`` computes
it; ``rewardlab select best --gold-key reward.components.gold`` prints the same on the scored file)
is given beside it. Both are plotted against the best-of-N KL, ``log N - (N-1)/N``: where the
proxy keeps rising and the gold does not, the proxy is being over-optimized.

Data: ``gsm8k_solutions`` (four GPT-3 solutions per ``gsm8k_test`` question: its first
``--questions`` questions, which the proxy never trained on), or a file written by ``rewardlab
sample`` (``--samples``; one row per completion with ``group_id``, ``sample_index``, the
completion and the ``answer`` field).

Usage (from the repository root)::

    .venv/bin/python benchmarks/bon_overopt.py --out runs/bon_overopt --proxy rm:runs/bon_overopt/gsm8k-bt \\
        --plot benchmarks/bon_overopt.png --record
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "RESULTS.md"
DATA = ROOT.parent / "shared" / "data"


# ---- the samples ---------------------------------------------------------------------------------
def _open(path: Path) -> Any:
    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else open(path, encoding="utf-8")


def gsm8k_solution_rows(data: Path, questions: int) -> list[dict[str, Any]]:
    """The GPT-3 solutions of the first ``questions`` gsm8k_test questions, as sampled rows."""
    with _open(data / "gsm8k_test.jsonl.gz") as fh:
        keep = [json.loads(line)["id"] for line in fh][:questions]
    order = {q: i for i, q in enumerate(keep)}
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with _open(data / "gsm8k_solutions.jsonl.gz") as fh:
        for line in fh:
            r = json.loads(line)
            if r["question_id"] in order:
                rows[r["question_id"]].append(
                    {
                        "group_id": r["question_id"],
                        "prompt": r["question"],
                        "completion": r["solution"],
                        "answer": r["reference_answer"],
                        "model": r["model"],
                    }
                )
    out = []
    for q in sorted(rows, key=order.__getitem__):
        for i, r in enumerate(rows[q]):
            out.append({**r, "sample_index": i})
    return out


def sampled_rows(path: Path, answer_field: str) -> list[dict[str, Any]]:
    """Rows of a ``rewardlab sample`` file (its ``group_id``, ``sample_index``, completion, answer)."""
    out = []
    with _open(path) as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            r = json.loads(line)
            for key in ("group_id", "sample_index", "completion", answer_field):
                if key not in r:
                    raise ValueError(f"{path}:{n}: no '{key}' field (a file written by `rewardlab sample` has it)")
            out.append({**r, "answer": r[answer_field]})
    return out


# ---- scoring ---------------------------------------------------------------------------------------
def score_rows(rows: list[dict[str, Any]], proxy: str, gold: str) -> list[dict[str, Any]]:
    """Each row with ``reward`` = {score: proxy, components: {proxy, gold}} (a file ``select`` reads)."""
    from rewardlab.core.spec import resolve

    samples = [{k: v for k, v in r.items() if k != "reward"} for r in rows]
    proxies = resolve(proxy).score_batch(samples)
    golds = resolve(gold).score_batch(samples)
    out = []
    for r, p, g in zip(rows, proxies, golds, strict=True):
        if p.score is None or g.score is None:
            raise RuntimeError(f"{r['group_id']}#{r['sample_index']}: no score (proxy {p.status}, gold {g.status})")
        out.append({**r, "reward": {"score": p.score, "components": {"proxy": p.score, "gold": g.score}}})
    return out


def permuted(rows: list[dict[str, Any]], seed: int) -> list[dict[str, Any]]:
    """The same rows with each group's sample order shuffled (``sample_index`` renumbered)."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[r["group_id"]].append(r)
    rng = random.Random(seed)
    out = []
    for g in groups.values():
        order = list(range(len(g)))
        rng.shuffle(order)
        out.extend({**r, "sample_index": order[i]} for i, r in enumerate(g))
    return out


# ---- the curve -------------------------------------------------------------------------------------
def curve(scored: list[dict[str, Any]], ns: Sequence[int], orders: int) -> list[dict[str, Any]]:
    """For each N: proxy and gold of the pick of ``select best --n N`` (mean over ``orders`` random
    sample orders, CI over prompts), the exact expectation over N-subsets, random and oracle picks."""
    from rewardlab.evaluate.metrics.bon import kl_bon
    from rewardlab.evaluate.metrics.stats import bootstrap_ci
    from rewardlab.loop.bon_curve import best_of_n_curve
    from rewardlab.loop.scored import scored_rows
    from rewardlab.loop.selection import best_of_n

    # the exact expectation over N-subsets: what `select best --gold-key` prints
    data = scored_rows(scored, score_key="reward.score", group_key="group_id")
    exact = {p.n: p for p in best_of_n_curve(data, "reward.components.gold", max_n=max(ns)).points}
    table = []
    for n in ns:
        picked_gold: dict[str, list[float]] = defaultdict(list)
        picked_proxy: dict[str, list[float]] = defaultdict(list)
        for seed in range(orders):
            data = scored_rows(permuted(scored, seed), score_key="reward.score", group_key="group_id")
            for row in best_of_n(data, n=n, seed=seed):
                picked_gold[row.group].append(float(row.data["reward"]["components"]["gold"]))
                picked_proxy[row.group].append(float(row.data["reward"]["components"]["proxy"]))
        gold = [float(np.mean(v)) for v in picked_gold.values()]
        proxy = [float(np.mean(v)) for v in picked_proxy.values()]
        table.append(
            {
                "n": n,
                "kl": kl_bon(n),
                "prompts": len(gold),
                "gold": (float(np.mean(gold)), *bootstrap_ci(gold, n_boot=4000, seed=n)),
                "proxy": (float(np.mean(proxy)), *bootstrap_ci(proxy, n_boot=4000, seed=n)),
                "exact_gold": exact[n].gold,
                "exact_gold_ci": exact[n].gold_ci,
                "exact_proxy": exact[n].proxy,
                "oracle_gold": exact[n].oracle_gold,
            }
        )
    return table


def cli_matches(scored_file: Path, scored: list[dict[str, Any]], n: int, out: Path) -> bool:
    """``rewardlab select best --n N`` on the file picks what :func:`best_of_n` picks (seed 0)."""
    from rewardlab.loop.scored import scored_rows
    from rewardlab.loop.selection import best_of_n

    picks = out / f"best_of_{n}.jsonl"
    exe = Path(sys.executable).parent / "rewardlab"
    command = [str(exe), "select", "best", "-i", str(scored_file), "-o", str(picks), "--n", str(n)]
    command += ["--group-key", "group_id", "--seed", "0", "--summary", str(out / f"best_of_{n}.summary.json")]
    subprocess.run(command, check=True, capture_output=True, text=True)
    got = [(r["group_id"], r["sample_index"]) for r in map(json.loads, picks.read_text().splitlines())]
    data = scored_rows(scored, score_key="reward.score", group_key="group_id")
    want = [(r.data["group_id"], r.data["sample_index"]) for r in best_of_n(data, n=n, seed=0)]
    return got == want


# ---- the report ------------------------------------------------------------------------------------
def markdown(table: list[dict[str, Any]], args: argparse.Namespace, info: dict[str, Any]) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## bon_overopt: proxy vs gold over best-of-N with `select best` ({when})",
        "",
        f"{info['what']}; proxy `{args.proxy}`, gold `{args.gold}`. For each N, the proxy's best of the first "
        f"N samples per prompt (`rewardlab select best --n N`, the same picks as the CLI: {info['cli']}), over "
        f"{args.orders} random orders of each prompt's samples (95% bootstrap intervals over prompts); "
        "'exact' is the expectation over all N-subsets (`eval bon`'s estimator), 'oracle' picks by the gold "
        "(pass@N), N = 1 is a random pick. Scoring took "
        f"{info['score_seconds']:.0f} s.",
        "",
        "| N | KL(best-of-N) | proxy of the pick | gold of the pick | exact proxy | exact gold | oracle gold |",
        "|---:|---:|---|---|---:|---:|---:|",
    ]
    for e in table:
        p, g = e["proxy"], e["gold"]
        lines.append(
            f"| {e['n']} | {e['kl']:.3f} | {p[0]:.3f} [{p[1]:.3f}, {p[2]:.3f}] | {g[0]:.3f} [{g[1]:.3f}, {g[2]:.3f}] "
            f"| {e['exact_proxy']:.3f} | {e['exact_gold']:.3f} | {e['oracle_gold']:.3f} |"
        )
    lines += ["", f"![proxy vs gold]({Path(args.plot).name})", ""] if args.plot else [""]
    lines += [
        "```bash",
        info["command"],
        "# the exact columns alone, from the scored file:",
        info["one_liner"],
        "```",
        "",
    ]
    return "\n".join(lines)


def draw(table: list[dict[str, Any]], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    kl = [e["kl"] for e in table]
    gold = [e["gold"] for e in table]
    ax.errorbar(
        kl,
        [g[0] for g in gold],
        yerr=[[g[0] - g[1] for g in gold], [g[2] - g[0] for g in gold]],
        marker="o",
        capsize=3,
        label="gold of the proxy's pick",
    )
    ax.plot(kl, [e["oracle_gold"] for e in table], "k--", label="gold of the gold's pick (pass@N)")
    ax.set_xlabel("KL(best-of-N || base) = log N - (N-1)/N")
    ax.set_ylabel("gold (math verifier)")
    twin = ax.twinx()
    twin.plot(kl, [e["proxy"][0] for e in table], "r^-", label="proxy of the pick")
    twin.set_ylabel("proxy (BT reward)", color="r")
    for e in table:
        ax.annotate(f"N={e['n']}", (e["kl"], e["gold"][0]), textcoords="offset points", xytext=(4, -12), fontsize=8)
    handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    labels = ax.get_legend_handles_labels()[1] + twin.get_legend_handles_labels()[1]
    ax.legend(handles, labels, fontsize=8, loc="lower right")
    ax.set_title("best-of-N: proxy vs gold")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", default="runs/bon_overopt", help="folder for the scored file and the picks")
    parser.add_argument("--samples", default=None, help="a `rewardlab sample` file (default: gsm8k_solutions)")
    parser.add_argument("--answer-field", default="answer", help="the reference answer's field in --samples rows")
    parser.add_argument("--data", default=str(DATA), help="the shared data folder")
    parser.add_argument("--questions", type=int, default=300, help="the first N gsm8k_test questions")
    parser.add_argument("--proxy", default="rm:runs/bon_overopt/gsm8k-bt", help="the proxy reward (spec)")
    parser.add_argument("--gold", default="math", help="the gold reward (spec)")
    parser.add_argument("--ns", default="1,2,3,4", help="the N of best-of-N, comma-separated")
    parser.add_argument("--orders", type=int, default=50, help="random sample orders averaged per N")
    parser.add_argument("--plot", default=None, help="write the figure here (PNG)")
    parser.add_argument("--record", action="store_true", help="append the report to benchmarks/RESULTS.md")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.samples:
        rows = sampled_rows(Path(args.samples), args.answer_field)
        what = f"`{args.samples}` ({len(rows)} completions)"
    else:
        rows = gsm8k_solution_rows(Path(args.data), args.questions)
        what = (
            f"`gsm8k_solutions`: the 4 GPT-3 solutions of each of the first {args.questions} `gsm8k_test` "
            f"questions ({len(rows)} completions; the proxy trained on pairs of other questions only)"
        )
    started = time.perf_counter()
    scored = score_rows(rows, args.proxy, args.gold)
    seconds = time.perf_counter() - started
    scored_file = out / "scored.jsonl"
    scored_file.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in scored), encoding="utf-8")
    ns = [int(x) for x in args.ns.split(",")]
    table = curve(scored, ns, args.orders)
    same = all(cli_matches(scored_file, scored, n, out) for n in ns)
    command = (
        f".venv/bin/python benchmarks/bon_overopt.py --out {args.out} --proxy {args.proxy} --gold {args.gold} "
        f"--ns {args.ns} --orders {args.orders}" + (f" --samples {args.samples}" if args.samples else "")
    )
    one_liner = (
        f"rewardlab select best -i {scored_file} -o {out / 'best.jsonl'} --gold-key reward.components.gold "
        f"--n {max(ns)}"
    )
    info = {
        "what": what,
        "cli": "yes" if same else "NO",
        "score_seconds": seconds,
        "command": command,
        "one_liner": one_liner,
    }
    if args.plot:
        draw(table, args.plot)
    text = markdown(table, args, info)
    print(text)
    (out / "curve.json").write_text(json.dumps(table, indent=1), encoding="utf-8")
    if args.record:
        with open(RESULTS, "a", encoding="utf-8") as fh:
            fh.write("\n" + text)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
