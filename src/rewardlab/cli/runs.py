"""``rewardlab runs``, ``rewardlab compare RUN_A RUN_B``, ``rewardlab report RUN``: the run store."""

from __future__ import annotations

import json
from typing import Any

import typer

from .common import EXIT_OK, console, err_console, fail
from .root import app

_HEADLINE_KEYS = {
    "prefs": ("accuracy", "longer_wins", "ece", "rewardbench_v1", "rewardbench_v2"),
    "bon": ("gold@1", "gold@4", "gold@11", "random", "oracle@11"),
    "robustness": ("accuracy", "mean_consistency", "worst_transform"),
    "agreement": ("agreement", "kappa", "spearman"),
    "distance": ("epic", "starc"),
}


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def _store() -> Any:
    from ..evaluate.runs.store import RunStore

    return RunStore()


def _get(ref: str) -> Any:
    from ..evaluate.runs.store import RunNotFound

    try:
        return _store().get(ref)
    except RunNotFound as exc:
        fail(exc)


@app.command(
    "runs",
    epilog=(
        "Examples:\n\n  rewardlab runs\n\n  rewardlab runs --kind bon --limit 5\n\n  rewardlab runs --name hh-bt\n\n"
        "  rewardlab runs --json | jq .\n\n"
        "Runs live in $REWARDLAB_HOME/runs.sqlite3 (default ~/.rewardlab); each run's files are in its directory."
    ),
)
def runs_command(
    kind: str | None = typer.Option(None, "--kind", "-k", help="Only runs of this kind (prefs, bon, robustness, ...)."),
    limit: int = typer.Option(30, "--limit", "-n", min=1, help="How many runs, newest first."),
    name: str | None = typer.Option(
        None, "--name", help="Only runs whose reward name contains this text (case-insensitive)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """List evaluation runs, newest first, with their headline numbers."""
    from rich.table import Table

    every = _store().list(kind=kind, limit=None)
    if name:
        every = [r for r in every if name.lower() in (r.reward or "").lower()]
    runs = every[:limit]
    if as_json:
        console.print_json(json.dumps([r.__dict__ for r in runs], default=str))
        return
    if not runs:
        err_console.print("no runs yet: `rewardlab eval prefs|bon|robustness|agreement|distance ...` records them")
        return
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("run", no_wrap=True)  # an id is copied whole into `compare` / `report`
    table.add_column("kind", no_wrap=True)
    table.add_column("created (UTC)", no_wrap=True)
    for col in ("reward", "data", "headline"):
        table.add_column(col, overflow="fold")
    for r in runs:
        keys = _HEADLINE_KEYS.get(r.kind, tuple(r.headline)[:4])
        shown = ", ".join(f"{k}={_fmt(r.headline.get(k))}" for k in keys if k in r.headline)
        data = (r.data or "-").rsplit("/", 1)[-1]
        table.add_row(r.run_id, r.kind, r.created_at.replace("T", " ").rstrip("Z"), r.reward or "-", data, shown)
    console.print(table)
    shown_of = f"{len(runs)} of {len(every)} run{'s' if len(every) != 1 else ''}"
    more = f"; --limit {len(every)} shows all" if len(every) > len(runs) else ""
    what = " and ".join(f for f in (f"--kind {kind}" if kind else "", f"--name {name}" if name else "") if f)
    err_console.print(f"{shown_of}{' matching ' + what if what else ''}, newest first{more}", highlight=False)


@app.command(
    "compare",
    epilog="Examples:\n\n  rewardlab compare prefs-20250101-120000-ab12 prefs-20250102-090000-cd34\n\n"
    "  rewardlab compare runs/bt runs/judge --json\n\nA run is its id, a unique id prefix, or its directory.",
)
def compare_command(
    run_a: str = typer.Argument(..., help="First run (id, id prefix or directory)."),
    run_b: str = typer.Argument(..., help="Second run."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    n_boot: int = typer.Option(2000, "--bootstrap", min=100, help="Paired bootstrap resamples for B - A."),
) -> None:
    """Two runs side by side: headline numbers and the kind's detail, with B - A, and a paired
    bootstrap interval for B - A on the items both runs scored (prefs: pairs; bon: prompts)."""
    from rich.table import Table

    from ..evaluate.metrics.compare import compare, paired_bootstrap
    from ..evaluate.runs.rundir import iter_samples, read_summary

    ra, rb = _get(run_a), _get(run_b)
    try:
        sa, sb = read_summary(ra.dir), read_summary(rb.dir)
        paired = (
            paired_bootstrap(ra.kind, iter_samples(ra.dir), iter_samples(rb.dir), n_boot=n_boot)
            if ra.kind == rb.kind
            else None
        )
    except Exception as exc:
        fail(str(exc))
    rows = compare(sa, sb)
    if as_json:
        payload = {
            "a": {"run_id": ra.run_id, "kind": ra.kind, "reward": ra.reward, "data": ra.data},
            "b": {"run_id": rb.run_id, "kind": rb.kind, "reward": rb.reward, "data": rb.data},
            "rows": [{"label": r.label, "a": r.a, "b": r.b, "delta": r.delta} for r in rows],
            "paired": paired.to_dict() if paired else None,
        }
        console.print_json(json.dumps(payload, default=str))
        return
    if ra.kind != rb.kind:
        err_console.print(f"[yellow]note:[/] comparing a '{ra.kind}' run with a '{rb.kind}' run")
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("")
    table.add_column(f"A {ra.run_id}", justify="right", overflow="fold")
    table.add_column(f"B {rb.run_id}", justify="right", overflow="fold")
    table.add_column("B - A", justify="right")
    for label, a, b in (
        ("kind", ra.kind, rb.kind),
        ("reward", ra.reward, rb.reward),
        ("spec hash", ra.spec_hash, rb.spec_hash),
        ("data", (ra.data or "-").rsplit("/", 1)[-1], (rb.data or "-").rsplit("/", 1)[-1]),
        ("created", ra.created_at, rb.created_at),
    ):
        table.add_row(f"[dim]{label}[/]", _fmt(a), _fmt(b), "")
    table.add_section()
    for r in rows:
        delta = r.delta
        colour = "" if delta is None or delta == 0 else "green" if delta > 0 else "red"
        shown = "-" if delta is None else f"{delta:+.4f}"
        table.add_row(r.label, _fmt(r.a), _fmt(r.b), f"[{colour}]{shown}[/]" if colour else shown)
    console.print(table)
    if paired is not None:
        console.print(
            f"paired bootstrap, B - A on the {paired.n} items both runs scored: {paired.label} "
            f"{paired.delta:+.4f} [{paired.ci_low:+.4f}, {paired.ci_high:+.4f}] ({paired.level:.0%} interval, "
            f"{n_boot} resamples)",
            highlight=False,
        )
    elif ra.kind == rb.kind:
        console.print(
            "[dim]no paired interval: the runs share fewer than 2 items, or the kind has no per-item number[/]"
        )


@app.command(
    "report",
    epilog="Examples:\n\n  rewardlab report prefs-20250101-120000-ab12\n\n  rewardlab report runs/bt\n\n"
    "A run is its id, a unique id prefix, or its directory.",
)
def report_command(
    run: str = typer.Argument(..., help="The run (id, id prefix or directory)."),
) -> None:
    """Rebuild a run's standalone HTML report from its summary.json and samples.jsonl; print its path."""
    from ..core.errors import RewardlabError
    from ..evaluate.runs.rundir import build_report

    record = _get(run)
    try:
        path = build_report(record.dir)
    except (RewardlabError, OSError, ValueError) as exc:
        fail(f"{record.dir}: cannot build the report: {exc}")
    console.print(str(path), highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_OK)
