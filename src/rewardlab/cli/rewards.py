"""``rewardlab list`` and ``rewardlab validate``: what rewards exist, and whether a spec holds."""

from __future__ import annotations

import json

import typer
from rich.markup import escape

from .common import console, err_console, fail
from .root import app


@app.command("list")
def list_command(
    name: str | None = typer.Argument(None, help="Show one reward in full (parameters, fields, example)."),
    family: str | None = typer.Option(None, "--family", "-f", help="Only this family (verifier, combinator, ...)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Every registered reward with its parameters and a one-line description.

    `rewardlab list NAME` shows one reward in full: every parameter with its type, default and
    meaning, the sample fields it reads, and its documentation with an example.
    """
    from rich.table import Table

    from ..core.catalog import describe, list_rewards
    from ..core.errors import RewardlabError
    from ..core.registry import get_reward_class, resolver_schemes

    if name is not None:
        try:
            cls = get_reward_class(name)
        except RewardlabError as exc:
            fail(exc)
        _show_one(cls, describe(cls), as_json)
        return
    infos = [i for i in list_rewards() if family is None or i.family == family]
    if as_json:
        console.print_json(json.dumps([_info_dict(i) for i in infos], default=str))
        return
    table = Table(
        show_edge=False,
        pad_edge=False,
        title="rewards (use them as `-r NAME` or `type: NAME` in a spec)",
        title_justify="left",
    )
    table.add_column("name", style="bold cyan", no_wrap=True)
    table.add_column("family", style="dim")
    table.add_column("parameters")
    table.add_column("description")
    for info in infos:
        params = ", ".join((f"[bold]{p.name}[/]" if p.required else p.name) for p in info.params)
        table.add_row(info.name, info.family, params or "-", _plain(info.summary))
    console.print(table)
    schemes = resolver_schemes()
    if schemes:
        console.print("schemes: " + "; ".join(f"[cyan]{k}:[/]ARG {v}" for k, v in schemes.items()))
    console.print("[dim]bold parameters are required; `rewardlab list NAME` shows one reward in full[/]")


def _plain(text: str) -> str:
    """A docstring paragraph for a table cell: reST literals shown as plain text."""
    return escape(text.replace("``", ""))


def _info_dict(info) -> dict:  # type: ignore[no-untyped-def]
    return {
        "name": info.name,
        "family": info.family,
        "description": info.summary,
        "reads": list(info.reads),
        "aliases": info.aliases,
        "parameters": [p.__dict__ for p in info.params],
    }


def _show_one(cls, info, as_json: bool) -> None:  # type: ignore[no-untyped-def]
    import inspect

    from rich.table import Table

    if as_json:
        console.print_json(json.dumps(_info_dict(info), default=str))
        return
    console.print(f"[bold cyan]{info.name}[/]  [dim]({info.family}; {cls.__module__}.{cls.__qualname__})[/]")
    if info.aliases:
        console.print(f"aliases: {', '.join(info.aliases)}")
    if info.reads:
        console.print(f"reads sample fields: {', '.join(info.reads)}")
    console.print()
    console.print(escape(inspect.getdoc(cls) or ""))
    console.print()
    table = Table(show_edge=False, pad_edge=False, title="parameters", title_justify="left")
    for col in ("name", "type", "default", "description"):
        table.add_column(col)
    for p in info.params:
        default = "[bold]required[/]" if p.required else escape(repr(p.default))
        table.add_row(p.name, escape(p.type), default, escape(p.description or ""))
    table.add_row("name", "str", "None", "Label in `components` (default: the type name).")
    table.add_row("weight", "float", "1.0", "Weight inside a weighted sum.")
    table.add_row("on_error", "str", "'skip'", "raise | skip | default=<value>")
    console.print(table)


@app.command("validate")
def validate_command(
    spec: str = typer.Argument(..., help="The spec file (YAML or JSON)."),
    as_json: bool = typer.Option(False, "--json", help="Print the resolved spec as JSON."),
) -> None:
    """Check a spec: every reward name, parameter and type, with the path to each problem.

    Reports every problem at once (not only the first). Prints the resolved reward tree (defaults
    filled in), its content hash, and the component names every result will carry. Exit status 2
    if the spec is invalid.
    """
    from ..core.errors import RewardlabError
    from ..core.spec import spec_from_dict, spec_problems
    from ..core.spec_file import read_spec_file

    try:
        data = read_spec_file(spec)
    except RewardlabError as exc:
        fail(exc)
    problems = spec_problems(data, file=spec)
    if problems:
        for problem in problems:
            err_console.print(f"[bold red]error:[/] {problem}", highlight=False)
        fail(f"{spec}: {len(problems)} problem{'s' if len(problems) > 1 else ''}")
    try:
        loaded = spec_from_dict(data, file=spec)
    except RewardlabError as exc:
        fail(exc)
    if as_json:
        console.print_json(json.dumps({**loaded.to_dict(), "hash": loaded.hash}, default=str))
        return
    console.print(f"[green]valid[/]: {spec}")
    console.print(f"name: {loaded.name}")
    console.print(f"hash: {loaded.hash}")
    if loaded.group_key:
        console.print(f"group_key: {loaded.group_key}")
    console.print(f"components: {', '.join(loaded.component_names)}")
    console.print(_tree(loaded.reward))


def _tree(reward):  # type: ignore[no-untyped-def]
    from rich.tree import Tree

    def label(r) -> str:  # type: ignore[no-untyped-def]
        params = {k: v for k, v in r.to_spec(minimal=True).items() if k not in ("type", "name")}
        params = {
            k: v
            for k, v in params.items()
            if not isinstance(v, (dict, list)) or k not in ("child", "children", "gate", "potential")
        }
        text = f"[bold cyan]{r.type_name}[/]"
        if r.name:
            text += f" [bold]{r.name}[/]"
        if params:
            text += " [dim]" + ", ".join(f"{k}={v}" for k, v in params.items()) + "[/]"
        return text

    def add(node, r) -> None:  # type: ignore[no-untyped-def]
        branch = node.add(label(r))
        for c in r.sub_rewards():
            add(branch, c)

    root = Tree(label(reward))
    for c in reward.sub_rewards():
        add(root, c)
    return root
