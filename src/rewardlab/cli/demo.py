"""``rewardlab demo``: score the bundled example samples with the bundled example spec."""

from __future__ import annotations

import typer

from .common import console, fmt, status_line, summary_table
from .root import app


@app.command("demo")
def demo_command(
    spec: str | None = typer.Option(None, "--spec", "-r", help="Another spec to use instead of the bundled one."),
    samples: str | None = typer.Option(
        None, "--input", "-i", help="Other samples (JSONL) instead of the bundled ones."
    ),
) -> None:
    """Score the bundled examples and show every sample's components and the summary.

    The bundled spec (`examples/math_grpo.yaml`) gates answer correctness on a think/answer
    format, subtracts repetition and overlong penalties, and z-scores each prompt's group
    (GRPO). The twelve samples include reward-hacking attempts that must earn nothing.
    """
    from rich.table import Table

    from ..core.sample import as_samples
    from ..core.spec import load_spec
    from ..core.summary import ResultSummary
    from ..data.jsonl import read_jsonl
    from ..resources import example_path

    spec_path = spec or str(example_path("math_grpo.yaml"))
    rows = read_jsonl(samples or example_path("samples.jsonl"))
    loaded = load_spec(spec_path)
    results = loaded.score_batch(as_samples(rows))

    console.print(f"[bold]{loaded.name}[/]  spec {loaded.short_hash}  ({spec_path})")
    if loaded.description:
        console.print(f"[dim]{loaded.description}[/]")
    names = loaded.component_names
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("id", no_wrap=True)
    table.add_column("completion", max_width=42, no_wrap=True, overflow="ellipsis")
    for name in names:
        table.add_column(name, justify="right")
    table.add_column("status")
    for row, r in zip(rows, results, strict=True):
        text = str(row.get("completion", "")).replace("\n", " ")
        table.add_row(
            str(row.get("id", "")),
            text,
            *[fmt(r.components.get(n), 3) for n in names],
            r.status.value if r.error is None else f"{r.status.value}: {r.error}",
        )
    console.print(table)
    summary = ResultSummary()
    summary.add(results)
    console.print()
    console.print(summary_table(summary, title="summary"))
    console.print(status_line(summary))
