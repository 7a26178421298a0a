"""``rewardlab eval``: evaluate any reward on real data and write a run directory with a report.

``eval prefs`` (preference accuracy), ``eval bon`` (best-of-N against a gold judge), ``eval
robustness`` (meaning-preserving rewrites), ``eval agreement`` (two rewards on the same samples),
``eval distance`` (EPIC / STARC). Each writes ``summary.json``, ``samples.jsonl`` and a
standalone ``report.html`` to ``--out`` (default: a new folder under ``$REWARDLAB_HOME/runs``),
records the run for ``rewardlab runs`` / ``compare`` / ``report``, prints a summary on stderr
and the run directory on stdout.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Annotated, Any, NoReturn

import typer

from .common import EXIT_FAILURES, EXIT_OK, console, err_console, fail, import_modules, parse_params
from .options import Imports, Params
from .root import command_group

__all__ = ["eval_app"]

eval_app = command_group(
    "eval",
    (
        "Evaluate a reward the way the field does: preference accuracy (RewardBench), best-of-N against a gold "
        "judge, robustness, agreement, reward distance. Every run writes summary.json, samples.jsonl and a "
        "standalone report.html, and is recorded for `rewardlab runs`."
    ),
)

_EXIT_HELP = (
    "Exit status: 0 evaluated; 1 evaluated, but the reward failed on some samples (counted in the summary, "
    "never read as 0) or malformed data lines were skipped (counted; --strict makes them fatal); 2 bad reward, "
    "arguments or data, or a malformed line under --strict (no run directory is made)."
)
_STRICT_HELP = "Stop at the first malformed data line (exit 2, no run directory) instead of skipping it."


def _resolve(reward: str, params: list[str] | None) -> Any:
    from ..core.errors import RewardlabError
    from ..core.spec import resolve

    try:
        return resolve(reward, params=parse_params(params))
    except RewardlabError as exc:
        fail(exc)


def _run(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run an evaluation; bad data or arguments become exit status 2 with the reason."""
    from ..core.errors import RewardlabError

    try:
        return fn(*args, **kwargs)
    except (RewardlabError, ValueError) as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        err_console.print("[yellow]interrupted[/]")
        raise typer.Exit(130) from None


def _warn_skipped(outcome: Any, data: str) -> int:
    """Print how many data lines were skipped (and the first few reasons); return the count."""
    info = outcome.summary["data"]
    skipped = int(info.get("skipped_lines") or 0)
    if skipped:
        read = info.get("lines_read")
        of = f" of {skipped + read}" if isinstance(read, int) else ""
        err_console.print(
            f"[yellow]warning:[/] {skipped}{of} line(s) of {data} could not be read and were skipped "
            "(--strict stops at the first one):",
            highlight=False,
        )
        for line in info.get("skipped_examples", []):
            err_console.print(f"  {line}", highlight=False)
    return skipped


def _failed(summary: dict[str, Any]) -> int:
    """Samples the reward (either reward of a pair) failed on."""
    failures = summary.get("failures") or {}
    if "failed" in failures:
        return int(failures["failed"])
    return sum(int((failures.get(k) or {}).get("failed", 0)) for k in ("a", "b"))


def _finish(outcome: Any, as_json: bool, data: str) -> NoReturn:
    """Print the run's headline (and what was skipped or failed), the run directory or JSON; exit."""
    from rich.markup import escape
    from rich.table import Table

    skipped = _warn_skipped(outcome, data)
    summary = outcome.summary
    failed = _failed(summary)
    name = escape(str(summary["reward"].get("name")))
    err_console.print(f"[bold]{summary['kind']}: {name}[/]  (run {summary['run_id']})")
    table = Table(show_edge=False)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in (summary.get("headline") or {}).items():
        table.add_row(key, _fmt(value))
    err_console.print(table)
    err_console.print(f"report: {outcome.report}")
    if failed:
        err_console.print(
            f"[yellow]warning:[/] the reward failed on {failed} sample(s); they are left out and counted "
            "(see the report's Failures section)"
        )
    if as_json:
        console.print_json(
            json.dumps(
                {"run_id": summary["run_id"], "dir": str(outcome.run_dir), "headline": summary.get("headline")},
                default=str,
            )
        )
    else:
        sys.stdout.write(f"{outcome.run_dir}\n")
    raise typer.Exit(EXIT_FAILURES if failed or skipped else EXIT_OK)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return "-" if value is None else str(value)


def _evaluate(run: Any, specs: tuple[Any, ...], data: str, options: Any, flags: _Flags, **kwargs: Any) -> NoReturn:
    """Run an evaluation of ``specs`` on ``data`` into a run directory, print its summary, exit."""
    outcome = _run(run, *specs, data, options=options, out=flags.out, limit=flags.limit, record=flags.record, **kwargs)
    _finish(outcome, flags.as_json, data)


_REWARD_HELP = "A reward name, a spec file (YAML), or SCHEME:ARG (e.g. rm:models/hh-bt)."

# The options of every `eval` command (the two-reward commands leave -b to --reward-b).
_Reward = Annotated[str, typer.Option("--reward", "-r", help=_REWARD_HELP)]
_RewardA = Annotated[str, typer.Option("--reward-a", "-a", help="First reward. " + _REWARD_HELP)]
_RewardB = Annotated[str, typer.Option("--reward-b", "-b", help="Second reward.")]
_ParamA = Annotated[list[str] | None, typer.Option("--param-a", help="KEY=VALUE parameter of reward a (repeatable).")]
_ParamB = Annotated[list[str] | None, typer.Option("--param-b", help="KEY=VALUE parameter of reward b (repeatable).")]
_Out = Annotated[str | None, typer.Option("--out", "-o", help="Run directory (default: under $REWARDLAB_HOME/runs).")]
_Rows = Annotated[int | None, typer.Option("--limit", min=1, help="Evaluate only the first N rows.")]
_BatchSize = Annotated[int, typer.Option("--batch-size", "-b", min=1, help="Samples per reward call.")]
_PairBatchSize = Annotated[int, typer.Option("--batch-size", min=1, help="Samples per reward call.")]
_Progress = Annotated[
    bool | None,
    typer.Option("--progress/--no-progress", help="Progress bar on stderr (default: when stderr is a terminal)."),
]
_Record = Annotated[bool, typer.Option("--record/--no-record", help="Record the run in the run store.")]
_AsJson = Annotated[bool, typer.Option("--json", help="Print the run id, directory and headline as JSON.")]
_Strict = Annotated[bool, typer.Option("--strict", help=_STRICT_HELP)]


@dataclass(frozen=True)
class _Flags:
    """Where a run goes and how it is shown: the flags every `eval` command has."""

    out: str | None
    limit: int | None
    record: bool
    as_json: bool


@eval_app.command(
    "prefs",
    epilog=(
        "Examples:\n\n"
        "  rewardlab eval prefs -r rm:models/hh-bt --data ../shared/data/hh_harmless_dev.jsonl.gz\n\n"
        "  rewardlab eval prefs -r length_band -p min_length=200 -p unit=chars --data pairs.jsonl --out runs/lb\n\n"
        "  rewardlab eval prefs -r judge --data rewardbench_filtered.jsonl --limit 200\n\n"
        "Data: JSONL (.gz ok), one pair per row: prompt + chosen/rejected strings (HH-RLHF, RewardBench v1 with "
        "'subset'), chosen/rejected conversations, raw HH transcripts, labelled response pairs, or RewardBench 2 "
        "rows (chosen/rejected lists, num_correct).\n\n" + _EXIT_HELP
    ),
)
def prefs_command(
    reward: _Reward,
    data: str = typer.Option(..., "--data", "-d", help="Preference pairs (JSONL, .gz ok)."),
    param: Params = None,
    out: _Out = None,
    limit: _Rows = None,
    subset_field: str = typer.Option("subset", "--subset-field", help="Field naming each pair's subset."),
    batch_size: _BatchSize = 32,
    n_boot: int = typer.Option(1000, "--bootstrap", min=1, help="Bootstrap resamples for the intervals."),
    confidence: float = typer.Option(0.95, "--confidence", min=0.5, max=0.999, help="Interval confidence."),
    seed: int = typer.Option(0, "--seed", help="Seed of the bootstrap."),
    bins: int = typer.Option(10, "--calibration-bins", min=1, help="Bins of the reliability diagram."),
    scale: float = typer.Option(1.0, "--calibration-scale", min=1e-9, help="p = sigmoid(scale * (r_c - r_r))."),
    pairwise_field: str | None = typer.Option(
        None,
        "--pairwise-field",
        help="Judge each pair once, the rejected answer in this sample field (default: the reward's baseline_field, "
        "for pairwise judges).",
    ),
    progress: _Progress = None,
    record: _Record = True,
    as_json: _AsJson = False,
    strict: _Strict = False,
    imports: Imports = None,
) -> None:
    """Preference accuracy with bootstrap intervals, per subset, beside "longer wins" / "shorter wins".

    Ties count as misses, as in RewardBench's code (the number of ties and the ties-as-half accuracy
    are shown too). With RewardBench subset names the v1 section scores (Chat, Chat Hard, Safety,
    Reasoning; the published per-subset weights) and overall score are added; RewardBench 2 rows
    get best-of-4 accuracy and the Ties score. Calibration: ECE, Brier score, log loss and a
    reliability diagram of sigmoid(r_chosen - r_rejected). A pairwise judge (a reward with a
    `baseline_field`) judges each pair once: its P(chosen wins) is the score, 1/2 a tie.
    """
    import_modules(imports)
    from ..evaluate.runs.prefs import PrefsOptions, run_prefs

    specs = (_resolve(reward, param),)
    options = PrefsOptions(
        batch_size=batch_size,
        n_boot=n_boot,
        confidence=confidence,
        seed=seed,
        calibration_bins=bins,
        calibration_scale=scale,
        progress=progress,
        pairwise_field=pairwise_field,
    )
    flags = _Flags(out, limit, record, as_json)
    _evaluate(run_prefs, specs, data, options, flags, reward_ref=reward, subset_field=subset_field, strict=strict)


@eval_app.command(
    "bon",
    epilog=(
        "Examples:\n\n"
        "  rewardlab eval bon -r rm:models/hh-bt --data ../shared/data/alpaca_bon16.jsonl.gz\n\n"
        "  rewardlab eval bon -r judge --data ../shared/data/alpaca_bon16.jsonl.gz --limit 50 --n 1 --n 4\n\n"
        "  rewardlab eval bon -r rm:models/hh-bt --data ../shared/data/alpaca_bon16.jsonl.gz --all-candidates\n\n"
        "Data: JSONL rows with instruction, candidates (list of answers), gold (a number or null per candidate) and "
        "optionally reference_picks / reference_pick_gold (public reward models' picks).\n\n" + _EXIT_HELP
    ),
)
def bon_command(
    reward: _Reward,
    data: str = typer.Option(..., "--data", "-d", help="Best-of-N candidates with gold (JSONL, .gz ok)."),
    param: Params = None,
    ns: list[int] = typer.Option(None, "--n", "-n", min=1, help="N values to tabulate (default 1 2 4 8; K is added)."),
    tie_break: str = typer.Option("random", "--tie-break", help="How the reward's ties are broken: random | index."),
    all_candidates: bool = typer.Option(
        False, "--all-candidates", help="Also score candidates without gold: the reward's best-of-all pick, bounded."
    ),
    out: _Out = None,
    limit: int | None = typer.Option(None, "--limit", min=1, help="Evaluate only the first N prompts."),
    batch_size: _BatchSize = 32,
    progress: _Progress = None,
    record: _Record = True,
    as_json: _AsJson = False,
    imports: Imports = None,
) -> None:
    """Best-of-N: the expected gold of the reward's pick, exact over all N-subsets of the gold candidates.

    The candidate ranked j-th of K is picked from a random N-subset with probability
    C(j-1, N-1)/C(K, N); the reward's ties are broken uniformly at random (exact average) or by
    lowest index. Beside it: random pick, oracle, worst, longest and shortest answer, and the public
    reward models' stored picks (with bounds where a pick has no gold). The report plots gold
    against N and against KL_bon = log N - (N-1)/N (the over-optimization curve).
    """
    import_modules(imports)
    from ..evaluate.runs.bon import BonOptions, run_bon

    if tie_break not in ("random", "index"):
        fail(f"--tie-break '{tie_break}': expected 'random' or 'index'")
    specs = (_resolve(reward, param),)
    options = BonOptions(
        ns=tuple(ns or (1, 2, 4, 8)),
        tie_break=tie_break,
        all_candidates=all_candidates,  # type: ignore[arg-type]
        batch_size=batch_size,
        progress=progress,
    )
    _evaluate(run_bon, specs, data, options, _Flags(out, limit, record, as_json), reward_ref=reward)


@eval_app.command(
    "robustness",
    epilog=(
        "Examples:\n\n"
        "  rewardlab eval robustness -r rm:models/hh-bt --data ../shared/data/hh_harmless_dev.jsonl.gz\n\n"
        "  rewardlab eval robustness -r judge --data pairs.jsonl -t correct_injection_rejected -t homoglyphs\n\n"
        "  rewardlab eval robustness --list-transforms\n\n" + _EXIT_HELP
    ),
)
def robustness_command(
    reward: Annotated[str | None, typer.Option("--reward", "-r", help=_REWARD_HELP)] = None,
    data: str | None = typer.Option(None, "--data", "-d", help="Preference pairs (JSONL, .gz ok)."),
    param: Params = None,
    transform: list[str] = typer.Option(None, "--transform", "-t", help="Only these transforms (repeatable)."),
    list_transforms: bool = typer.Option(False, "--list-transforms", help="List the transforms and exit."),
    seed: int = typer.Option(0, "--seed", help="Seed of the randomized rewrites."),
    pairwise_field: str | None = typer.Option(
        None, "--pairwise-field", help="For a pairwise judge: the field of the other answer (default: its own)."
    ),
    out: _Out = None,
    limit: _Rows = None,
    batch_size: _BatchSize = 32,
    progress: _Progress = None,
    record: _Record = True,
    as_json: _AsJson = False,
    strict: _Strict = False,
    imports: Imports = None,
) -> None:
    """Ranking consistency and accuracy change under meaning-preserving rewrites (reWordBench-style).

    Rewrites of the responses (whitespace, punctuation, letter case, an irrelevant sentence, a
    "This answer is correct." injection on both or only the rejected answer, Unicode look-alikes,
    reordered list items) and of the prompt (system prompt, transcript and ChatML renderings,
    whitespace). Each is measured on the pairs it changed.
    """
    import_modules(imports)
    from ..evaluate.metrics.transforms import TRANSFORMS
    from ..evaluate.runs.robustness import RobustnessOptions, run_robustness

    if list_transforms:
        from rich.table import Table

        table = Table(show_edge=False)
        table.add_column("transform", style="cyan")
        table.add_column("rewrites")
        table.add_column("what it does")
        for t in TRANSFORMS.values():
            table.add_row(t.name, t.target + (" (rejected only)" if t.sides == "rejected" else ""), t.description)
        console.print(table)
        raise typer.Exit(EXIT_OK)
    if reward is None or data is None:
        fail("--reward and --data are required (or --list-transforms)")
    unknown = [t for t in transform or [] if t not in TRANSFORMS]
    if unknown:
        fail(f"unknown transform(s) {', '.join(unknown)}; allowed: {', '.join(TRANSFORMS)}")
    specs = (_resolve(reward, param),)
    options = RobustnessOptions(
        transforms=tuple(transform or TRANSFORMS),
        seed=seed,
        batch_size=batch_size,
        progress=progress,
        pairwise_field=pairwise_field,
    )
    flags = _Flags(out, limit, record, as_json)
    _evaluate(run_robustness, specs, data, options, flags, reward_ref=reward, strict=strict)


def _two(a: str, b: str, pa: list[str] | None, pb: list[str] | None) -> tuple[Any, Any]:
    return _resolve(a, pa), _resolve(b, pb)


def _mapping(items: list[str] | None) -> dict[str, str]:
    from ..evaluate.runs.sample_data import parse_mapping

    try:
        return parse_mapping(items)
    except ValueError as exc:
        fail(str(exc))


@eval_app.command(
    "agreement",
    epilog=(
        "Examples:\n\n"
        "  rewardlab eval agreement -a exact_match -b math --data ../shared/data/gsm8k_solutions.jsonl.gz "
        "--map prompt=question --map completion=solution --map answer=reference_answer --gold-field is_correct\n\n"
        "  rewardlab eval agreement -a rm:models/hh-bt -b judge --data samples.jsonl --threshold-a 0\n\n" + _EXIT_HELP
    ),
)
def agreement_command(
    reward_a: _RewardA,
    reward_b: _RewardB,
    data: str = typer.Option(..., "--data", "-d", help="Samples (JSONL, .gz ok)."),
    param_a: _ParamA = None,
    param_b: _ParamB = None,
    mapping: list[str] = typer.Option(
        None, "--map", "-m", help="TARGET=SOURCE field mapping, e.g. completion=solution."
    ),
    threshold_a: float = typer.Option(0.5, "--threshold-a", help="Reward a passes a sample when score >= this."),
    threshold_b: float = typer.Option(0.5, "--threshold-b", help="Reward b passes a sample when score >= this."),
    gold_field: str | None = typer.Option(None, "--gold-field", help="A label field to compare each reward with."),
    gold_threshold: float = typer.Option(0.5, "--gold-threshold", help="The label passes when >= this."),
    out: _Out = None,
    limit: _Rows = None,
    batch_size: _PairBatchSize = 32,
    progress: _Progress = None,
    record: _Record = True,
    as_json: _AsJson = False,
    imports: Imports = None,
) -> None:
    """Two rewards on the same samples: agreement rate, Cohen's kappa, confusion table, Spearman, Kendall.

    Verdicts are pass/fail at each reward's threshold; rank correlations use the raw scores. With
    --gold-field each reward is also compared with that label.
    """
    import_modules(imports)
    from ..evaluate.runs.agreement import AgreementOptions, run_agreement

    specs = _two(reward_a, reward_b, param_a, param_b)
    options = AgreementOptions(
        threshold_a=threshold_a,
        threshold_b=threshold_b,
        gold_field=gold_field,
        gold_threshold=gold_threshold,
        batch_size=batch_size,
        progress=progress,
    )
    flags = _Flags(out, limit, record, as_json)
    _evaluate(run_agreement, specs, data, options, flags, refs=(reward_a, reward_b), mapping=_mapping(mapping))


@eval_app.command(
    "distance",
    epilog=(
        "Examples:\n\n"
        "  rewardlab eval distance -a rm:models/hh-bt -b judge --data ../shared/data/alpaca_bon16.jsonl.gz "
        "--limit 50\n\n"
        "  rewardlab eval distance -a repetition -b length_band --param-b min_length=500 --param-b unit=chars "
        "--data samples.jsonl --group-key prompt\n\n" + _EXIT_HELP
    ),
)
def distance_command(
    reward_a: _RewardA,
    reward_b: _RewardB,
    data: str = typer.Option(..., "--data", "-d", help="Samples grouped by prompt, or best-of-N rows (JSONL)."),
    param_a: _ParamA = None,
    param_b: _ParamB = None,
    mapping: list[str] = typer.Option(None, "--map", "-m", help="TARGET=SOURCE field mapping."),
    group_key: str = typer.Option("prompt_id", "--group-key", "-g", help="Field grouping completions of a prompt."),
    out: _Out = None,
    limit: _Rows = None,
    batch_size: _PairBatchSize = 32,
    progress: _Progress = None,
    record: _Record = True,
    as_json: _AsJson = False,
    imports: Imports = None,
) -> None:
    """EPIC and STARC pseudometrics between two rewards (0: equivalent up to shaping and scale; 1: opposite).

    Completions of one prompt form a state's actions (gamma = 0): each prompt's scores are
    centred (canonicalized), then EPIC = sqrt((1 - Pearson)/2) and STARC = half the L2 distance of
    the unit-normalized canonical rewards. Best-of-N rows (instruction + candidates) are expanded.
    """
    import_modules(imports)
    from ..evaluate.runs.distance import DistanceOptions, run_distance

    specs = _two(reward_a, reward_b, param_a, param_b)
    options = DistanceOptions(group_key=group_key, batch_size=batch_size, progress=progress)
    flags = _Flags(out, limit, record, as_json)
    _evaluate(run_distance, specs, data, options, flags, refs=(reward_a, reward_b), mapping=_mapping(mapping))
