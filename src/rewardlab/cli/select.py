"""``rewardlab select``: best-of-N, rejection sampling, top-k, preference pairs and group filters on
scored samples, and group statistics (pass@k, maj@k, zero-variance groups) of any scored file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from .common import console, err_console, fail, fmt
from .root import command_group

select_app = command_group(
    "select",
    (
        "Choose from scored samples (`rewardlab score` output): `best` (best-of-N), `threshold` (rejection "
        "sampling), `top-k` (RAFT), `pairs` (DPO / `train bt`), `filter` (DAPO: drop zero-variance groups), "
        "and `stats` (pass@k, maj@k, per-prompt mean and variance). Every command prints the group statistics "
        "of its input and writes them to a summary JSON."
    ),
)

_FLOW = (
    "The input is what `rewardlab score -i samples.jsonl --group-key group_id` writes; groups are the rows "
    "with the same --group-key (default: group_id when present, else the prompt). Ties are broken uniformly "
    "at random (seeded by --seed and the group), as `rewardlab eval bon` does; --tie-break index picks the "
    "lowest sample_index. A row whose score is null is never picked and does not pass.\n\n"
    "Exit status: 0 done; 2 bad arguments or a malformed scored file (a line that is not JSON, a row "
    "without the score field; --skip-bad skips them instead)."
)


def _options(
    input: str,
    score_key: str,
    group_key: str | None,
    answer_key: str,
    skip_bad: bool,
) -> Any:
    from ..loop.scored import ScoredFileError, read_scored

    if input != "-" and not Path(input).exists():
        fail(f"{input}: no such file")
    try:
        data = read_scored(input, score_key=score_key, group_key=group_key, answer_key=answer_key, skip_bad=skip_bad)
    except ScoredFileError as exc:
        fail(f"{exc} (--skip-bad skips such lines)")
    if not data.rows:
        fail(f"{input}: no scored rows")
    err_console.print(
        f"read {len(data.rows)} scored rows in {len(data.groups())} groups from {input} (score {score_key})",
        highlight=False,
    )
    for line, message in data.skipped[:3]:
        err_console.print(f"[yellow]warning:[/] {input}:{line}: {message} (skipped)", highlight=False)
    if len(data.skipped) > 3:
        err_console.print(f"[yellow]warning:[/] {len(data.skipped) - 3} more lines skipped", highlight=False)
    return data


def _summary_path(input: str, summary: str | None) -> Path | None:
    if summary is not None:
        return None if summary == "-" else Path(summary)
    if input == "-":
        return None
    path = Path(input)
    name = path.name
    for suffix in (".gz", ".jsonl", ".json"):
        name = name.removesuffix(suffix)
    return path.with_name(f"{name}.summary.json")


def _report(data: Any, input: str, summary: str | None, pass_threshold: float, extra: dict[str, Any]) -> None:
    from ..loop.stats import summarize

    stats = summarize(data, pass_threshold=pass_threshold)
    stats = {"input": input, **stats, **extra}
    path = _summary_path(input, summary)
    if path is not None:
        path.write_text(json.dumps(stats, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    err_console.print(_stats_table(stats))
    if path is not None:
        err_console.print(f"summary: {path}", highlight=False)


def _stats_table(stats: dict[str, Any]) -> Any:
    from rich.table import Table

    table = Table(
        title=f"{stats['groups']} groups, {stats['samples']} samples (score {stats['score_key']}, "
        f"grouped by {stats['group_key']}, pass >= {stats['pass_threshold']:g})",
        title_justify="left",
        show_edge=False,
        pad_edge=False,
    )
    table.add_column("statistic")
    table.add_column("value", justify="right")
    table.add_row("mean score", fmt(stats.get("mean_score")))
    table.add_row("unscored samples", str(stats["unscored"]))
    table.add_row("mean variance per prompt", fmt(stats.get("mean_group_variance")))
    table.add_row(
        "zero-variance prompts", f"{stats['zero_variance_groups']} ({100 * stats['zero_variance_share']:.1f}%)"
    )
    table.add_row(
        "prompts all / none passing", f"{100 * stats['all_pass_share']:.1f}% / {100 * stats['none_pass_share']:.1f}%"
    )
    for k, v in stats["pass_at_k"].items():
        table.add_row(f"pass@{k}", fmt(v))
    for k, v in (stats.get("maj_at_k") or {}).items():
        table.add_row(f"maj@{k}", fmt(v))
    return table


def _write(output: str, rows: list[dict[str, Any]]) -> None:
    from ..data.jsonl import write_jsonl

    n = write_jsonl(output, rows)
    err_console.print(f"wrote {n} rows to {output}", highlight=False)


def _shape(rows: list[Any], format: str) -> list[dict[str, Any]]:
    from ..loop.selection import sft_row

    if format == "rows":
        return [r.data for r in rows]
    if format == "sft":
        try:
            return [sft_row(r) for r in rows]
        except ValueError as exc:
            fail(str(exc))
    fail(f"--format must be 'rows' or 'sft', got {format!r}")


# ---- shared option declarations ----------------------------------------------------------------
def _input() -> Any:
    return typer.Option(..., "--input", "-i", help="Scored samples (JSONL, .gz ok; '-' reads stdin).")


def _score_key() -> Any:
    return typer.Option("reward.score", "--score-key", help="Dotted path of the score (e.g. reward.components.math).")


def _group_key() -> Any:
    return typer.Option(None, "--group-key", "-g", help="Field grouping one prompt's samples (default group_id).")


def _answer_key() -> Any:
    return typer.Option(
        "reward.info.extracted", "--answer-key", help="Dotted path of the final answer, for maj@k (votes)."
    )


def _pass_threshold() -> Any:
    return typer.Option(1.0, "--pass-threshold", help="A sample passes (pass@k, maj@k) when its score is >= this.")


def _summary() -> Any:
    return typer.Option(None, "--summary", help="Statistics JSON (default: INPUT.summary.json; '-': none).")


def _skip_bad() -> Any:
    return typer.Option(False, "--skip-bad", help="Skip malformed lines and rows without a score field.")


def _tie_break() -> Any:
    return typer.Option("random", "--tie-break", help="'random' (seeded, as eval bon) or 'index' (lowest index).")


def _seed() -> Any:
    return typer.Option(0, "--seed", help="Seed of the random tie-break.")


def _check_tie(tie_break: str) -> None:
    if tie_break not in ("random", "index"):
        fail(f"--tie-break must be 'random' or 'index', got {tie_break!r}")


# ---- commands -------------------------------------------------------------------------------------
@select_app.command(
    "best",
    epilog="Examples:\n\n"
    "  rewardlab select best -i scored.jsonl -o best.jsonl\n\n"
    "  rewardlab select best -i scored.jsonl -o sft.jsonl --format sft   # TRL SFTTrainer rows\n\n"
    "  rewardlab select best -i scored.jsonl -o best4.jsonl --n 4        # best of the first 4 per prompt\n\n"
    "  rewardlab select best -i scored.jsonl -o best.jsonl --score-key reward.components.proxy "
    "--gold-key reward.components.gold --plot bon.png   # proxy vs gold over best-of-N\n\n"
    "With --gold-key (a second score in the same rows, e.g. the math verifier beside a reward model: score "
    "with a spec whose weighted sum holds both, the gold at weight 0), it also prints, for N = 1 .. the group "
    "size (or --n), the expected proxy score and the expected gold of the best-of-N pick -- exact over "
    "random N-subsets and ties, as `rewardlab eval bon` computes it, 95% interval over groups -- beside the "
    "gold's own pick (pass@N for a 0/1 gold) and the best-of-N KL log N - (N-1)/N; the curve goes to the "
    "summary JSON ('best_of_n_curve'), and to a PNG with --plot. A scored row without a numeric gold "
    "exits 2 naming the line and the field (--skip-bad leaves it out).\n\n" + _FLOW,
)
def best_command(
    input: str = _input(),
    output: str = typer.Option(..., "--output", "-o", help="The best sample of each group (JSONL)."),
    format: str = typer.Option("rows", "--format", "-f", help="'rows' (scored rows as they are) or 'sft'."),
    n: int | None = typer.Option(None, "--n", min=1, help="Only the first N samples of each group (best-of-N)."),
    score_key: str = _score_key(),
    group_key: str | None = _group_key(),
    answer_key: str = _answer_key(),
    pass_threshold: float = _pass_threshold(),
    tie_break: str = _tie_break(),
    seed: int = _seed(),
    summary: str | None = _summary(),
    skip_bad: bool = _skip_bad(),
    gold_key: str | None = typer.Option(
        None,
        "--gold-key",
        help="Dotted path of a gold score in the same rows (e.g. reward.components.math): print and save the "
        "proxy-vs-gold curve over best-of-N for N = 1 .. the group size (or --n).",
    ),
    plot: str | None = typer.Option(None, "--plot", help="With --gold-key: draw the curve into this PNG."),
) -> None:
    """Best-of-N: the highest-scoring sample of each group."""
    from ..loop.selection import best_of_n

    _check_tie(tie_break)
    if plot is not None and gold_key is None:
        fail("--plot draws the proxy-vs-gold curve: it needs --gold-key")
    data = _options(input, score_key, group_key, answer_key, skip_bad)
    curve = _curve(data, input, gold_key, n, tie_break, skip_bad) if gold_key is not None else None
    picked = best_of_n(data, n=n, tie_break=tie_break, seed=seed)  # type: ignore[arg-type]
    _write(output, _shape(picked, format))
    mean = sum(float(r.score or 0.0) for r in picked) / len(picked) if picked else None
    selection: dict[str, Any] = {"rule": "best", "n": n, "picked_mean_score": mean}
    extra: dict[str, Any] = {"selection": selection}
    if curve is not None:
        from ..loop.scored import get_path

        golds = [get_path(r.data, curve.gold_key) for r in picked]
        numbers = [float(g) for g in golds if isinstance(g, (int, float)) and not isinstance(g, bool)]
        selection["picked_mean_gold"] = sum(numbers) / len(numbers) if numbers else None
        extra["best_of_n_curve"] = curve.to_dict()
        err_console.print(_curve_table(curve))
        if plot is not None:
            from ..loop.bon_curve import plot_curve

            plot_curve(curve, plot)
            err_console.print(f"plot: {plot}", highlight=False)
    _report(data, input, summary, pass_threshold, extra)


def _curve(data: Any, input: str, gold_key: str, n: int | None, tie_break: str, skip_bad: bool) -> Any:
    from ..loop.bon_curve import best_of_n_curve
    from ..loop.scored import ScoredFileError

    try:
        curve = best_of_n_curve(
            data,
            gold_key,
            max_n=n,
            tie_break=tie_break,  # type: ignore[arg-type]
            source=input,
            skip_bad=skip_bad,
        )
    except ScoredFileError as exc:
        fail(f"{exc} (--skip-bad leaves such rows out)")
    for line, message in curve.skipped[:3]:
        err_console.print(
            f"[yellow]warning:[/] {input}:{line}: {message} (left out of the curve)", highlight=False, soft_wrap=True
        )
    if len(curve.skipped) > 3:
        err_console.print(f"[yellow]warning:[/] {len(curve.skipped) - 3} more rows left out", highlight=False)
    return curve


def _curve_table(curve: Any) -> Any:
    from rich.table import Table

    table = Table(
        title=f"best-of-N over {curve.groups} groups, {curve.samples} samples: proxy {curve.score_key}, "
        f"gold {curve.gold_key} (exact over N-subsets, ties {curve.tie_break}; 95% CI over groups)",
        title_justify="left",
        show_edge=False,
        pad_edge=False,
    )
    for name in ("N", "KL", "proxy of the pick", "gold of the pick [95% CI]", "oracle gold", "groups with N"):
        table.add_column(name, justify="right")
    for p in curve.points:
        table.add_row(
            str(p.n),
            f"{p.kl:.3f}",
            fmt(p.proxy),
            f"{fmt(p.gold)} [{fmt(p.gold_ci[0])}, {fmt(p.gold_ci[1])}]",
            fmt(p.oracle_gold),
            str(p.full_groups),
        )
    return table


@select_app.command(
    "threshold",
    epilog="Examples:\n\n"
    "  rewardlab select threshold -i scored.jsonl --min-score 1.0 -o accepted.jsonl --format sft  # rejection\n\n"
    "  rewardlab select threshold -i scored.jsonl --min-score 0.5 --max-per-group 2 -o kept.jsonl\n\n" + _FLOW,
)
def threshold_command(
    input: str = _input(),
    output: str = typer.Option(..., "--output", "-o", help="Every sample scoring at least --min-score."),
    min_score: float = typer.Option(..., "--min-score", help="Keep samples with score >= this."),
    max_per_group: int | None = typer.Option(None, "--max-per-group", min=1, help="At most this many per group."),
    format: str = typer.Option("rows", "--format", "-f", help="'rows' or 'sft'."),
    score_key: str = _score_key(),
    group_key: str | None = _group_key(),
    answer_key: str = _answer_key(),
    pass_threshold: float = _pass_threshold(),
    summary: str | None = _summary(),
    skip_bad: bool = _skip_bad(),
) -> None:
    """Rejection sampling: keep every sample whose score reaches a threshold."""
    from ..loop.selection import threshold

    data = _options(input, score_key, group_key, answer_key, skip_bad)
    kept = threshold(data, min_score=min_score, max_per_group=max_per_group)
    _write(output, _shape(kept, format))
    _report(data, input, summary, pass_threshold, {"selection": {"rule": "threshold", "kept": len(kept)}})


@select_app.command(
    "top-k",
    epilog="Examples:\n\n  rewardlab select top-k -i scored.jsonl -k 2 -o top2.jsonl --format sft   # RAFT\n\n" + _FLOW,
)
def top_k_command(
    input: str = _input(),
    output: str = typer.Option(..., "--output", "-o", help="The k best samples of each group."),
    k: int = typer.Option(..., "-k", "--k", min=1, help="Samples kept per group."),
    format: str = typer.Option("rows", "--format", "-f", help="'rows' or 'sft'."),
    score_key: str = _score_key(),
    group_key: str | None = _group_key(),
    answer_key: str = _answer_key(),
    pass_threshold: float = _pass_threshold(),
    tie_break: str = _tie_break(),
    seed: int = _seed(),
    summary: str | None = _summary(),
    skip_bad: bool = _skip_bad(),
) -> None:
    """RAFT: the k highest-scoring samples of each group."""
    from ..loop.selection import top_k

    _check_tie(tie_break)
    data = _options(input, score_key, group_key, answer_key, skip_bad)
    kept = top_k(data, k=k, tie_break=tie_break, seed=seed)  # type: ignore[arg-type]
    _write(output, _shape(kept, format))
    _report(data, input, summary, pass_threshold, {"selection": {"rule": "top-k", "k": k, "kept": len(kept)}})


@select_app.command(
    "pairs",
    epilog="Examples:\n\n"
    "  rewardlab select pairs -i scored.jsonl -o pairs.jsonl --min-margin 0.5\n\n"
    "  rewardlab train bt --data pairs.jsonl -o models/rm   # or TRL's DPOTrainer on pairs.jsonl\n\n"
    "  rewardlab select pairs -i scored.jsonl -o all_pairs.jsonl --mode all --max-per-group 4\n\n"
    "Rows: prompt (chat messages), chosen and rejected (one assistant message each), score_chosen, "
    "score_rejected, group_id: the conversational form TRL's DPOTrainer reads and `rewardlab train bt` reads "
    "(UltraFeedback-binarized style).\n\n" + _FLOW,
)
def pairs_command(
    input: str = _input(),
    output: str = typer.Option(..., "--output", "-o", help="Preference pairs (JSONL)."),
    min_margin: float = typer.Option(0.0, "--min-margin", min=0.0, help="A pair needs chosen - rejected > this."),
    mode: str = typer.Option("best-worst", "--mode", help="'best-worst' (one pair per group) or 'all'."),
    max_per_group: int | None = typer.Option(None, "--max-per-group", min=1, help="At most this many pairs per group."),
    score_key: str = _score_key(),
    group_key: str | None = _group_key(),
    answer_key: str = _answer_key(),
    pass_threshold: float = _pass_threshold(),
    tie_break: str = _tie_break(),
    seed: int = _seed(),
    summary: str | None = _summary(),
    skip_bad: bool = _skip_bad(),
) -> None:
    """Preference pairs: per group, a better and a worse sample with a minimum margin between them."""
    from ..loop.selection import dpo_row, pairs

    _check_tie(tie_break)
    if mode not in ("best-worst", "all"):
        fail(f"--mode must be 'best-worst' or 'all', got {mode!r}")
    data = _options(input, score_key, group_key, answer_key, skip_bad)
    found = pairs(
        data,
        min_margin=min_margin,
        mode=mode,  # type: ignore[arg-type]
        max_per_group=max_per_group,
        tie_break=tie_break,  # type: ignore[arg-type]
        seed=seed,
    )
    try:
        rows = [dpo_row(c, r) for c, r in found]
    except ValueError as exc:
        fail(str(exc))
    _write(output, rows)
    if not rows:
        err_console.print("[yellow]warning:[/] no group had two samples more than --min-margin apart")
    _report(data, input, summary, pass_threshold, {"selection": {"rule": "pairs", "mode": mode, "pairs": len(rows)}})


@select_app.command(
    "filter",
    epilog="Examples:\n\n"
    "  rewardlab select filter -i scored.jsonl -o informative.jsonl            # DAPO: drop zero-variance groups\n\n"
    "  rewardlab select filter -i scored.jsonl --min-mean 0.1 --max-mean 0.9 --format prompt -o curriculum.jsonl\n\n"
    + _FLOW,
)
def filter_command(
    input: str = _input(),
    output: str = typer.Option(..., "--output", "-o", help="The kept groups' rows, or one prompt row per group."),
    zero_variance: bool = typer.Option(
        True, "--drop-zero-variance/--keep-zero-variance", help="Drop groups whose samples all scored the same."
    ),
    min_mean: float | None = typer.Option(None, "--min-mean", help="Drop groups whose mean score is below this."),
    max_mean: float | None = typer.Option(None, "--max-mean", help="Drop groups whose mean score is above this."),
    format: str = typer.Option("rows", "--format", "-f", help="'rows' (every sample) or 'prompt' (one per group)."),
    score_key: str = _score_key(),
    group_key: str | None = _group_key(),
    answer_key: str = _answer_key(),
    pass_threshold: float = _pass_threshold(),
    summary: str | None = _summary(),
    skip_bad: bool = _skip_bad(),
) -> None:
    """Keep the groups with a learning signal: some variance, a mean inside a band (DAPO, curriculum)."""
    from ..loop.selection import filter_groups, prompt_row

    if format not in ("rows", "prompt"):
        fail(f"--format must be 'rows' or 'prompt', got {format!r}")
    data = _options(input, score_key, group_key, answer_key, skip_bad)
    kept = filter_groups(data, drop_zero_variance=zero_variance, min_mean=min_mean, max_mean=max_mean)
    rows = [prompt_row(g) for g in kept] if format == "prompt" else [r.data for g in kept for r in g]
    _write(output, rows)
    total = len(data.groups())
    err_console.print(f"kept {len(kept)} of {total} groups", highlight=False)
    _report(data, input, summary, pass_threshold, {"selection": {"rule": "filter", "kept_groups": len(kept)}})


@select_app.command(
    "stats",
    epilog="Examples:\n\n"
    "  rewardlab select stats -i scored.jsonl                     # table + scored.summary.json\n\n"
    "  rewardlab select stats -i scored.jsonl --score-key reward.components.math --json\n\n" + _FLOW,
)
def stats_command(
    input: str = _input(),
    score_key: str = _score_key(),
    group_key: str | None = _group_key(),
    answer_key: str = _answer_key(),
    pass_threshold: float = _pass_threshold(),
    summary: str | None = _summary(),
    as_json: bool = typer.Option(False, "--json", help="Print the summary JSON (without per-group rows) on stdout."),
    skip_bad: bool = _skip_bad(),
) -> None:
    """Group statistics: pass@k (unbiased), maj@k, mean and variance per prompt, zero-variance share."""
    data = _options(input, score_key, group_key, answer_key, skip_bad)
    _report(data, input, summary, pass_threshold, {})
    if as_json:
        from ..loop.stats import summarize

        stats = summarize(data, pass_threshold=pass_threshold, with_groups=False)
        console.print_json(json.dumps(stats))
