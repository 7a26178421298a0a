"""``rewardlab stress``: adversarial probes against every verifier of a spec (or every built-in one)."""

from __future__ import annotations

import json
import sys

import typer

from .common import EXIT_FAILURES, EXIT_OK, console, err_console, fail, import_modules, parse_params
from .options import Imports, Params
from .root import app

PROGRESS_EVERY = 20
"""Probes between two progress lines when stderr is not a terminal (or 10 s, whichever first)."""


@app.command(
    "stress",
    epilog=(
        "Examples:\n\n"
        "  rewardlab stress                                  # every built-in verifier, default settings\n\n"
        "  rewardlab stress -r examples/math_grpo.yaml       # the verifiers inside a spec\n\n"
        "  rewardlab stress -r math -p mode=lenient -v       # one verifier, every probe shown\n\n"
        "  rewardlab stress -k sql -k qa --json > stress.json\n\n"
        "Exit status: 0 every probed verifier refused every probe and stayed healthy; 1 some verifier paid a "
        "probe, hung, crashed, or broke; 2 bad spec or arguments."
    ),
)
def stress_command(
    reward: str | None = typer.Option(
        None, "--reward", "-r", help="A spec file or reward name; default: every built-in verifier."
    ),
    param: Params = None,
    kind: list[str] = typer.Option(None, "--kind", "-k", help="Only verifiers of this type (repeatable)."),
    timeout: float = typer.Option(30.0, "--timeout", "-t", min=0.1, help="Seconds a probe may take before it hangs."),
    inline: bool = typer.Option(
        False, "--inline", help="Score in this process (faster; no crash isolation: not for code)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON on stdout."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show every probe, not only the failing ones."),
    progress: bool | None = typer.Option(
        None,
        "--progress/--no-progress",
        help="Progress on stderr: a spinner on a terminal (the default there, unless --json), plain lines every "
        f"{PROGRESS_EVERY} probes or 10 s when stderr is a file or a pipe (--progress).",
    ),
    imports: Imports = None,
) -> None:
    """Attack verifiers the way a reward-hacking policy would, and check they pay nothing.

    For every built-in verifier in the spec (the reward tree is walked; each distinct
    configuration is probed once), a probe set is built around a correct base sample: empty
    answers, hedging ("A or B"), many candidates at once, the question restated, the format
    without content, huge input, nested or empty `\\boxed{}`, Unicode look-alikes, "the answer
    is correct" injections, writes for SQL, and for code: early exit, checker redefinition,
    infinite loops, fork bombs, memory hogs, network access and writes outside the sandbox.

    A probe is **paid** when it scores above its ceiling (the score of a plainly wrong answer,
    or of the same text without the trick). The system must stay **healthy**: each probe answers
    within `--timeout`, the worker process survives, and a correct answer still scores what it
    did. Each verifier runs in its own worker process, killed and replaced if a probe hangs it.
    """
    import_modules(imports)
    from ..core.errors import RewardlabError
    from ..core.spec import resolve
    from ..evaluate.stress import default_targets, run_stress, targets_from_reward

    try:
        if reward is None:
            if param:
                fail("-p sets parameters of a named reward: give it with -r NAME")
            targets = default_targets(kind or None)
        else:
            spec = resolve(reward, params=parse_params(param))
            targets = [t for t in targets_from_reward(spec.reward) if not kind or t.kind in kind]
    except RewardlabError as exc:
        fail(exc)
    if not targets:
        fail("no verifier to probe" + (f" of type {', '.join(kind)}" if kind else " in this spec"))

    from ..core.progress import PlainProgress, progress_mode

    mode = progress_mode(progress, err_console.file)
    if progress is None and as_json:
        mode = None  # --json alone: no spinner over the report's consumer's terminal
    bar = _progress(mode == "bar")
    lines = PlainProgress("probing", stream=err_console.file, every_items=PROGRESS_EVERY) if mode == "lines" else None
    on_probe = None
    if bar is not None:
        task = bar.add_task("probing", total=None)

        def on_probe(label: str, probe: str) -> None:
            bar.update(task, description=f"{label}: {probe}", advance=1)

    elif lines is not None:

        def on_probe(label: str, probe: str) -> None:
            lines.advance(verifier=label)

    try:
        report = run_stress(targets, timeout_s=timeout, isolation="inline" if inline else "process", on_probe=on_probe)
    finally:
        if bar is not None:
            bar.stop()
        if lines is not None:
            lines.close()
    if as_json:
        sys.stdout.write(json.dumps(report.to_json(), indent=2, default=str) + "\n")
    else:
        report.render(console if not as_json else err_console, verbose=verbose)
    raise typer.Exit(EXIT_OK if report.passed else EXIT_FAILURES)


def _progress(enabled: bool):  # type: ignore[no-untyped-def]
    if not enabled:
        return None
    from rich.progress import Progress, SpinnerColumn, TimeElapsedColumn

    bar = Progress(SpinnerColumn(), "{task.description}", TimeElapsedColumn(), console=err_console, transient=True)
    bar.start()
    return bar
