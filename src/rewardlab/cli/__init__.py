"""The ``rewardlab`` command. Each command group lives in its own module; every module is light
to import (heavy libraries load inside the command that needs them), so ``rewardlab --help``
and ``rewardlab list`` answer at once.
"""

from __future__ import annotations

import sys

from ..core.errors import RewardlabError
from .root import app


def _register_commands() -> None:
    from . import demo, rewards, score  # noqa: F401  (each module adds its commands to `app`)

    # Command groups added by later capabilities; each is its own module.
    optional_commands = (
        "stress",
        "train",
        "train_prm",
        "judge",
        "evaluate",
        "overopt",
        "runs",
        "serve",
        "sample",
        "select",
        "agents",
    )
    for optional in optional_commands:
        try:
            __import__(f"{__name__}.{optional}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{optional}":
                raise


_register_commands()


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script."""
    try:
        app(args=argv, prog_name="rewardlab", standalone_mode=True)
    except RewardlabError as exc:  # pragma: no cover - exercised through the CLI tests
        from .common import err_console

        err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(2)
