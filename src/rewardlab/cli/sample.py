"""``rewardlab sample``: N completions per prompt from a local causal LM or an OpenAI-compatible endpoint."""

from __future__ import annotations

from typing import Any, TextIO

import typer

from .common import EXIT_FAILURES, err_console, fail
from .root import app


class _Tee:
    """Progress lines to stderr and, with ``--log``, appended to a file."""

    def __init__(self, *streams: TextIO) -> None:
        self.streams = streams

    def write(self, text: str) -> None:
        for s in self.streams:
            s.write(text)

    def flush(self) -> None:
        for s in self.streams:
            s.flush()


@app.command(
    "sample",
    epilog=(
        "Examples:\n\n"
        "  rewardlab sample -m smollm2 -i prompts.jsonl -n 8 -o samples.jsonl\n\n"
        "  rewardlab sample -i ../shared/data/gsm8k_test.jsonl.gz --template '{question}' --limit 100 -n 8 "
        "--temperature 0.7 --max-tokens 256 -o gsm8k_samples.jsonl --log sample.log\n\n"
        "  rewardlab sample -m openai:Qwen2.5-7B-Instruct --base-url http://127.0.0.1:8000/v1 "
        "-i prompts.jsonl -n 16 --concurrency 32 -o samples.jsonl\n\n"
        "  rewardlab sample -m models/my-policy -i prompts.jsonl --prompt-field messages --stop '</answer>' "
        "-o s.jsonl\n\n"
        "Then: rewardlab score -r math -i samples.jsonl --group-key group_id -o scored.jsonl\n\n"
        "Each output row is the input row plus prompt, completion, group_id, sample_index, prompt_tokens, "
        "completion_tokens, finish_reason (stop / length) and model. Rerunning the same command resumes: "
        "completions already in --output are kept and only the missing ones are drawn.\n\n"
        "Exit status: 0 every completion written; 1 some completions failed (rerun to retry them); 2 bad "
        "arguments, an input row that cannot be sampled (nothing is generated then), or an endpoint that "
        "answers nothing."
    ),
)
def sample_command(
    input: str = typer.Option(..., "--input", "-i", help="Prompts (JSONL, .gz ok): a 'prompt' field, or --template."),
    output: str = typer.Option(..., "--output", "-o", help="Samples file (plain JSONL; resumed when it exists)."),
    model: str = typer.Option(
        "smollm2", "--model", "-m", help="'smollm2', a local causal LM folder or .gguf file, or openai:NAME."
    ),
    n: int = typer.Option(8, "--n", "-n", min=1, help="Completions per prompt."),
    temperature: float = typer.Option(0.7, "--temperature", "-t", min=0.0, help="Sampling temperature (0: greedy)."),
    top_p: float = typer.Option(1.0, "--top-p", min=0.0, max=1.0, help="Nucleus sampling mass."),
    max_tokens: int = typer.Option(256, "--max-tokens", min=1, help="Most new tokens per completion."),
    seed: int = typer.Option(0, "--seed", help="Seed of the run (each prompt's seed derives from it and its id)."),
    stop: list[str] = typer.Option(None, "--stop", help="Stop string, not kept in the completion (repeatable)."),
    template: str | None = typer.Option(
        None, "--template", help="User turn as a format string over the row's fields, e.g. '{question}'."
    ),
    prompt_field: str = typer.Option("prompt", "--prompt-field", help="Field with the prompt (text or messages)."),
    system: str | None = typer.Option(None, "--system", help="A system message put first."),
    id_field: str | None = typer.Option(
        None, "--id-field", help="Field used as group_id (default: 'id' when present, else a hash of the prompt)."
    ),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Only the first N prompts."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Start again instead of resuming --output."),
    base_url: str | None = typer.Option(
        None, "--base-url", help="OpenAI-compatible endpoint, e.g. http://host:8000/v1."
    ),
    api_key_env: str = typer.Option(
        "OPENAI_API_KEY", "--api-key-env", help="Environment variable holding the endpoint's API key."
    ),
    timeout: float = typer.Option(120.0, "--timeout", min=0.1, help="Seconds per HTTP request."),
    max_retries: int = typer.Option(4, "--max-retries", min=0, help="Retries of a failed HTTP request."),
    concurrency: int = typer.Option(8, "--concurrency", min=1, help="HTTP requests in flight."),
    rate_limit: float | None = typer.Option(None, "--rate-limit", min=0.001, help="Most HTTP requests per second."),
    device: str = typer.Option("auto", "--device", help="Local model: 'auto', 'cpu', 'cuda', 'cuda:N'."),
    threads: int | None = typer.Option(None, "--threads", min=1, help="Local model: torch threads on CPU."),
    max_length: int = typer.Option(2048, "--max-length", min=16, help="Local model: token limit of prompt + output."),
    batch_prompts: int = typer.Option(
        4, "--batch-prompts", min=1, help="Local model: prompts generated together (n completions each)."
    ),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Progress lines on stderr."),
    log: str | None = typer.Option(None, "--log", help="Also append progress and errors to this file."),
) -> None:
    """Sample N completions per prompt into a JSONL file, ready for `rewardlab score --group-key group_id`.

    The prompt of each row is its `prompt` field (text or chat messages), another field
    (`--prompt-field`), or a template over its fields (`--template '{question}'`); a local model
    applies its chat template, an endpoint its own. Every row is checked before anything is
    generated. The run is resumable and one failed completion never loses the others.
    """
    from pathlib import Path

    from ..core.progress import PlainProgress
    from ..data.jsonl import count_lines
    from ..loop.prompts import PromptBuilder, PromptError
    from ..loop.sample_file import InputProblems, run_sampling
    from ..loop.sampling import SamplingError, SamplingParams, make_sampler
    from .common import isatty

    if input != "-" and not Path(input).exists():
        fail(f"{input}: no such file")
    if input == "-":
        fail("--input must be a file (the prompts are checked before sampling starts)")
    try:
        params = SamplingParams(
            n=n, temperature=temperature, top_p=top_p, max_tokens=max_tokens, seed=seed, stop=tuple(stop or ())
        )
        builder = PromptBuilder(field=prompt_field, template=template, system=system)
        http: dict[str, Any] = {}
        if model.startswith("openai:") or base_url:
            http = {
                "api_key_env": api_key_env or None,
                "timeout_s": timeout,
                "max_retries": max_retries,
                "concurrency": concurrency,
                "rate_limit_per_s": rate_limit,
            }
        local = {} if http else {"device": device, "max_length": max_length, "batch_prompts": batch_prompts}
        sampler = make_sampler(model, base_url=base_url, **local, **http)
    except (ValueError, SamplingError) as exc:
        fail(str(exc))
    if threads is not None and not http:
        from ..models.runtime import configure_threads

        configure_threads(threads)

    log_fh = open(log, "a", encoding="utf-8") if log else None  # noqa: SIM115  (closed below)
    stream: Any = _Tee(err_console.file, log_fh) if log_fh else err_console.file
    lines = count_lines(input) or 0
    total = min(lines, limit) * n if limit else lines * n
    bar = PlainProgress("sampling", total or None, stream=stream, every_s=10.0) if progress or log_fh else None
    if log_fh and not progress:
        bar.stream = log_fh  # type: ignore[union-attr]
    shown_errors = 0

    def on_progress(done: int, failed: int) -> None:
        if bar is not None:
            bar.advance(done - bar.done, failed=failed)

    def on_resume(already: int) -> None:
        if bar is not None:
            bar.resume(already)

    def on_error(group: str, exc: BaseException) -> None:
        nonlocal shown_errors
        message = f"warning: {group}: {type(exc).__name__}: {exc}"
        if log_fh:
            log_fh.write(message + "\n")
            log_fh.flush()
        if shown_errors < 3:
            err_console.print(f"[yellow]{message}[/]", highlight=False, markup=True)
        shown_errors += 1

    header = f"sampling {n} per prompt from {sampler.name} -> {output}"
    if log_fh:
        log_fh.write(header + "\n")
    if isatty(err_console.file) or log_fh:
        err_console.print(header, highlight=False)
    try:
        report = run_sampling(
            input,
            output,
            sampler,
            params,
            builder,
            id_field=id_field,
            limit=limit,
            overwrite=overwrite,
            on_progress=on_progress,
            on_error=on_error,
            on_resume=on_resume,
        )
    except InputProblems as exc:
        for line, message in exc.problems[:10]:
            err_console.print(f"[bold red]error:[/] {input}:{line}: {message}", highlight=False, markup=True)
        more = len(exc.problems) - 10
        fail(f"{len(exc.problems)} input row(s) cannot be sampled" + (f" ({more} more not shown)" if more > 0 else ""))
    except (SamplingError, PromptError) as exc:
        if log_fh:
            log_fh.write(f"error: {exc}\n")
            log_fh.close()
        fail(_explain(str(exc), sampler))
    if bar is not None:
        bar.close()
    summary = (
        f"{report.prompts} prompts: {report.written} completions written, {report.already_done} already there, "
        f"{report.failed} failed ({report.elapsed_s:.1f}s)"
    )
    if report.rewritten:
        summary += "; file rewritten in input order"
    err_console.print(summary, highlight=False)
    if log_fh:
        log_fh.write(summary + "\n")
        log_fh.close()
    if report.failed:
        for message, count in report.errors.most_common(3):
            err_console.print(f"[red]  {count} x[/] {message}", highlight=False)
        err_console.print("rerun the same command to draw the missing completions", highlight=False)
        raise typer.Exit(EXIT_FAILURES)


def _explain(message: str, sampler: Any) -> str:
    endpoint = getattr(sampler, "endpoint", None)
    if endpoint and ("ConnectError" in message or "timed out" in message or "failed after" in message):
        return f"{message}\nthe endpoint {endpoint} does not answer: is the server running, and is --base-url right?"
    return message
