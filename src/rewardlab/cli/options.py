"""Options that several commands share, declared once as ``Annotated`` types.

A command takes one as ``imports: Imports = None``: its flag, its help and its type are the same
in every command that has it.
"""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["Imports", "Params", "SpecOrName"]

Imports = Annotated[
    list[str] | None,
    typer.Option("--import", help="Import a module that registers rewards before loading the spec (repeatable)."),
]
"""``--import MODULE``: modules that register rewards (imported with :func:`.common.import_modules`)."""

Params = Annotated[
    list[str] | None,
    typer.Option("--param", "-p", help="KEY=VALUE parameter of a named reward (repeatable)."),
]
"""``-p KEY=VALUE``: parameters of a named reward (read with :func:`.common.parse_params`)."""

SpecOrName = Annotated[
    str, typer.Option("--reward", "-r", help="A spec file (YAML), a reward name, or SCHEME:ARG (e.g. rm:DIR).")
]
"""``-r``: the reward to run (read with :func:`rewardlab.core.spec.resolve`)."""
