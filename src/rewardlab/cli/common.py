"""Console helpers shared by the commands: output streams, tables, error exits."""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from ..core.errors import RewardlabError
from ..core.summary import ResultSummary


def _width(stream: Any) -> int | None:
    # Pipes and CI logs get a wide, fixed width instead of rich's 80 columns.
    return None if getattr(stream, "isatty", lambda: False)() else 140


console = Console(highlight=False, soft_wrap=False, width=_width(sys.stdout))
err_console = Console(stderr=True, highlight=False, width=_width(sys.stderr))

EXIT_OK = 0
EXIT_FAILURES = 1  # the command ran, but some samples failed or lines were skipped
EXIT_USAGE = 2  # bad spec, bad arguments, malformed input under --strict


def fail(message: str | RewardlabError, code: int = EXIT_USAGE) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
    raise typer.Exit(code)


def fail_options(exc: Any) -> NoReturn:
    """Exit with the first problem of a pydantic ``ValidationError`` on a command's options, named as the option."""
    first = exc.errors(include_url=False)[0]
    option = "--" + str(first["loc"][0]).replace("_", "-") if first["loc"] else "?"
    fail(f"{option}: {first['msg']} (got {first.get('input')!r})")


def import_modules(modules: list[str] | None) -> None:
    """``--import MODULE``: modules that register rewards, imported before the spec is resolved."""
    from ..serve.runner import import_plugins

    try:
        import_plugins(modules or [])
    except ImportError as exc:
        fail(str(exc))


def parse_params(values: list[str] | None) -> dict[str, Any]:
    """``-p key=value`` pairs; values are parsed as YAML (numbers, booleans, lists)."""
    import yaml

    out: dict[str, Any] = {}
    for item in values or []:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            fail(f"-p '{item}': expected KEY=VALUE, e.g. -p ignore_case=false")
        try:
            out[key.strip()] = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            out[key.strip()] = raw
    return out


def fmt(value: float | None, digits: int = 4) -> str:
    if value is None:
        return "-"
    if abs(value) < 5e-13:
        value = 0.0
    return f"{value:.{digits}g}" if abs(value) >= 1e4 or (value != 0 and abs(value) < 1e-3) else f"{value:.{digits}f}"


def summary_table(summary: ResultSummary, *, title: str | None = None) -> Table:
    """Mean (and spread) of the score and of every component, then counts per status."""
    table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    table.add_column("component")
    table.add_column("mean", justify="right")
    table.add_column("std", justify="right")
    table.add_column("min", justify="right")
    table.add_column("max", justify="right")
    table.add_column("scored", justify="right")
    table.add_column("no score", justify="right")
    rows = [("[bold]score[/]", summary.score), *summary.components.items()]
    for name, stat in rows:
        has = stat.n > 0
        table.add_row(
            name,
            fmt(stat.mean) if has else "-",
            fmt(stat.std) if has else "-",
            fmt(stat.min) if has else "-",
            fmt(stat.max) if has else "-",
            str(stat.n),
            str(stat.missing),
        )
    return table


def status_line(summary: ResultSummary, skipped_lines: int = 0) -> str:
    parts = []
    colours = {"ok": "green", "not_applicable": "yellow", "error": "red", "timeout": "red"}
    for status, n in summary.status_counts.items():
        colour = colours[status] if n else "dim"
        parts.append(f"[{colour}]{status} {n}[/]")
    if summary.defaulted:
        parts.append(f"[yellow]defaulted {summary.defaulted}[/]")
    if skipped_lines:
        parts.append(f"[red]malformed lines skipped {skipped_lines}[/]")
    return "  ".join(parts)


def stdout_is_data(output: str | None) -> bool:
    """True when results go to stdout (then tables must go to stderr)."""
    return output is None or output == "-"


def isatty(stream: Any = None) -> bool:
    stream = stream or sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())
