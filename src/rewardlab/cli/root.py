"""The root ``rewardlab`` command: the Typer application every command module adds its commands
to, the ``--version`` option, and file errors reported as usage errors.
"""

from __future__ import annotations

from typing import Any

import typer
import typer.core

from .. import __version__

__all__ = ["app", "command_group"]


class _Commands(typer.core.TyperGroup):
    """Every command: a file that cannot be opened is a usage error (exit 2) that names the path,
    not a traceback (exit 1, which means "ran, but some samples failed")."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except OSError as exc:
            if exc.filename is None or isinstance(exc, BrokenPipeError):
                raise
            from .common import EXIT_USAGE, err_console

            reason = exc.strerror or type(exc).__name__
            err_console.print(f"[bold red]error:[/] {exc.filename}: {reason}", highlight=False, markup=True)
            raise typer.Exit(EXIT_USAGE) from None


app = typer.Typer(
    name="rewardlab",
    cls=_Commands,
    help=(
        "The reward layer for RL of language models and agents: define, verify, learn, compose, "
        "evaluate and serve rewards.\n\n"
        "Start with `rewardlab demo`, `rewardlab list` to see every reward, and "
        "`rewardlab score -r SPEC_OR_NAME -i samples.jsonl` to score a file."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)


def command_group(name: str, help: str) -> typer.Typer:
    """A group of subcommands (``rewardlab NAME COMMAND``), added to the root application."""
    group = typer.Typer(
        name=name,
        help=help,
        no_args_is_help=True,
        rich_markup_mode="markdown",
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.add_typer(group, name=name)
    return group


def _version(value: bool) -> None:
    if value:
        typer.echo(f"rewardlab {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """rewardlab command line."""
