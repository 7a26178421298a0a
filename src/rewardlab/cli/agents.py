"""``rewardlab reward-search``: search reward code for a gymnasium task, written by a language
model (or read from files), run only in the sandbox, scored by training a small policy with it."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from .common import EXIT_FAILURES, EXIT_OK, console, err_console, fail
from .root import app

__all__ = ["reward_search_command"]


@app.command(
    "reward-search",
    epilog=(
        "Examples:\n\n"
        "  rewardlab reward-search --task keydoor --candidates my_rewards/ --out runs/keydoor\n\n"
        "  rewardlab reward-search --task keydoor --endpoint http://127.0.0.1:8000/v1 --model qwen2.5-coder "
        "--rounds 3 --samples 4 --out runs/keydoor-llm\n\n"
        "Each candidate defines compute_reward(obs, action, next_obs, env_reward, terminated, truncated, info) "
        "returning a number or (number, {component: number}). It runs only in the code sandbox; candidates that "
        "crash, hang, return NaN or try to escape are recorded with that status. The run directory holds "
        "summary.json, samples.jsonl (one row per candidate: status, fitness, component statistics, training "
        "curve), candidates/*.py and report.html.\n\n"
        "Progress (a line per candidate) goes to stderr; the result to stdout (--json for JSON).\n\n"
        "Exit status: 0 a candidate trained a policy; 1 no candidate did, or the endpoint answered nothing; "
        "2 bad arguments."
    ),
)
def reward_search_command(
    task: str = typer.Option("keydoor", "--task", "-t", help="keydoor, frozenlake, cartpole or mountaincar."),
    candidates: Path | None = typer.Option(
        None, "--candidates", "-c", help="A .py candidate file or a directory of them (offline search)."
    ),
    endpoint: str | None = typer.Option(None, "--endpoint", help="OpenAI-compatible base URL (online search)."),
    model: str = typer.Option("", "--model", "-m", help="Model name sent to the endpoint."),
    api_key_env: str = typer.Option("OPENAI_API_KEY", "--api-key-env", help="Environment variable with the key."),
    rounds: int = typer.Option(1, "--rounds", "-r", min=1, help="Rounds of proposals with reflection."),
    samples: int = typer.Option(4, "--samples", "-k", min=1, help="Candidates per round from the endpoint."),
    temperature: float = typer.Option(1.0, "--temperature", min=0.0, help="Sampling temperature of the proposer."),
    seeds: int = typer.Option(2, "--seeds", "-s", min=1, help="Training runs (seeds) per candidate."),
    train_steps: int | None = typer.Option(None, "--train-steps", min=1, help="Env steps per training run."),
    request_timeout_s: float = typer.Option(
        120.0, "--request-timeout", min=1.0, help="Seconds one request to the endpoint may take."
    ),
    timeout_s: float = typer.Option(2.0, "--timeout", min=0.1, help="Seconds one batch of reward calls may take."),
    reward_batch: int = typer.Option(
        64, "--reward-batch", min=1, help="Most transitions per sandbox call while a Q-learner trains (same learning)."
    ),
    min_isolation: str = typer.Option(
        "netns", "--min-isolation", help="Weakest sandbox accepted: bwrap, netns or rlimits-only."
    ),
    out: Path | None = typer.Option(None, "--out", "-o", help="Run directory (default: under the run store)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="A line per candidate on stderr."),
) -> None:
    """Search reward code for a gymnasium task: candidates from files or a model, each run only in the
    sandbox and scored by the success rate of a small policy trained with it."""
    from ..integrations.gymnasium.search import (
        Candidate,
        Evaluation,
        FileProposer,
        LLMProposer,
        ProposerError,
        get_task,
        reward_search,
    )

    if (candidates is None) == (endpoint is None):
        fail("give --candidates (files) or --endpoint (a model), not both and not neither")
    if min_isolation not in ("bwrap", "netns", "rlimits-only"):
        fail(f"--min-isolation: expected bwrap, netns or rlimits-only, got {min_isolation!r}")
    try:
        chosen = get_task(task)
    except ValueError as exc:
        fail(f"--task: {exc}")
    if candidates is not None:
        if not candidates.exists():
            fail(f"--candidates {candidates}: no such file or directory")
        proposer = FileProposer(candidates)
    else:
        from ..models.judges.backends.http import OpenAIBackend

        backend = OpenAIBackend(
            base_url=str(endpoint), model=model, api_key_env=api_key_env, max_retries=2, timeout_s=request_timeout_s
        )
        proposer = LLMProposer(chosen, backend, samples=samples, temperature=temperature)  # type: ignore[assignment]

    progress_out = err_console if progress else None
    total = {"done": 0}

    def started(c: Candidate) -> None:
        if progress_out is not None:
            progress_out.print(f"round {c.round}: evaluating {c.name} ...", highlight=False, markup=False)

    def finished(e: Evaluation) -> None:
        total["done"] += 1
        if progress_out is not None:
            fit = "-" if e.fitness is None else f"{e.fitness:.2f}"
            why = f"  ({e.error[:120]})" if e.error else ""
            progress_out.print(
                f"round {e.candidate.round}: {e.candidate.name}: {e.status}, success rate {fit}, "
                f"{e.seconds:.1f} s [{total['done']} evaluated]{why}",
                highlight=False,
                markup=False,
            )

    try:
        result = reward_search(
            chosen,
            proposer,
            rounds=rounds,
            seeds=seeds,
            train_steps=train_steps,
            out=out,
            sandbox={"timeout_s": timeout_s, "min_isolation": min_isolation},
            batch=reward_batch,
            on_candidate=finished,
            on_start=started,
        )
    except ProposerError as exc:
        fail(str(exc), EXIT_FAILURES)
    best = result.best
    if as_json:
        rows = [{k: v for k, v in e.as_row().items() if k != "code"} for e in result.evaluations]
        payload = {
            "best": best.candidate.name if best else None,
            "best_fitness": best.fitness if best else None,
            "candidates": rows,
            "stopped": result.stopped,
            "run_dir": str(result.run_dir),
            "report": str(result.report),
        }
        console.print_json(json.dumps(payload))
    else:
        if result.stopped:
            err_console.print(f"[yellow]stopped early: {result.stopped}[/]", highlight=False)
        if best is not None:
            console.print(
                f"best: {best.candidate.name} (round {best.candidate.round}), success rate {best.fitness:.2f}, "
                f"env return {best.env_return:.3f}",
                highlight=False,
                markup=False,
            )
        else:
            console.print("no candidate trained a policy")
        console.print(f"run directory: {result.run_dir}", highlight=False, markup=False)
        console.print(f"report: {result.report}", highlight=False, markup=False)
    raise typer.Exit(EXIT_OK if best is not None else EXIT_FAILURES)
