"""``rewardlab score``: score a JSONL file (or stdin) with a reward name or a spec."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer

from . import app
from .common import EXIT_FAILURES, EXIT_OK, err_console, fail, isatty, parse_params, status_line, summary_table


@app.command(
    "score",
    epilog=(
        "Examples:\n\n"
        "  rewardlab score -r examples/math_grpo.yaml -i examples/samples.jsonl\n\n"
        "  rewardlab score -r exact_match -p ignore_case=false -i data.jsonl -o scored.jsonl\n\n"
        "  cat data.jsonl | rewardlab score -r examples/math_grpo.yaml --group-key prompt_id > out.jsonl\n\n"
        "Exit status: 0 all samples scored (or not applicable); 1 some samples failed or malformed "
        "lines were skipped; 2 bad spec, bad arguments, or a malformed line under --strict."
    ),
)
def score_command(
    reward: str = typer.Option(
        ..., "--reward", "-r", help="A spec file (YAML), a reward name, or SCHEME:ARG (e.g. rm:DIR)."
    ),
    input: str = typer.Option("-", "--input", "-i", help="JSONL samples (.gz ok); '-' reads stdin."),
    output: str = typer.Option("-", "--output", "-o", help="Where scored rows go (JSONL); '-' is stdout."),
    param: list[str] = typer.Option(None, "--param", "-p", help="KEY=VALUE parameter of a named reward (repeatable)."),
    group_key: str | None = typer.Option(
        None, "--group-key", "-g", help="Field grouping completions of one prompt (for group normalization)."
    ),
    step: int | None = typer.Option(None, "--step", help="Training step (for annealed weights)."),
    batch_size: int = typer.Option(64, "--batch-size", "-b", min=1, help="Samples per batch (groups are never split)."),
    strict: bool = typer.Option(False, "--strict", help="Stop at the first malformed line instead of skipping it."),
    summary: bool = typer.Option(True, "--summary/--no-summary", help="Print the per-component table on stderr."),
    progress: bool | None = typer.Option(
        None, "--progress/--no-progress", help="Progress bar on stderr (default: when stderr is a terminal)."
    ),
    ray: bool = typer.Option(False, "--ray", help="Score the batches as tasks on a Ray cluster (same output)."),
    ray_address: str | None = typer.Option(
        None, "--ray-address", help="Ray cluster for --ray ('auto' = the one `ray start` made; default: a local one)."
    ),
) -> None:
    """Score samples: each output row is the input row plus a `reward` object.

    The `reward` object holds `score`, `components` (every leaf reward), `status`
    (ok / not_applicable / error / timeout), `error`, `latency_ms`, `info` and the spec's hash.
    A malformed input line is reported with its line number and skipped; every other line is
    still scored. A table of the mean of every component and the count of each status is
    printed on stderr at the end.
    """
    from pydantic import ValidationError

    from ..core.batching import batches, group_fields, is_batch_dependent
    from ..core.errors import RewardlabError
    from ..core.sample import Sample, explain_sample_error
    from ..core.spec import resolve
    from ..core.summary import ResultSummary
    from ..data.jsonl import count_lines, dumps, iter_jsonl, open_text

    try:
        spec = resolve(reward, params=parse_params(param))
    except RewardlabError as exc:
        fail(exc)
    if input != "-" and not Path(input).exists():
        fail(f"{input}: no such file")

    dependent = is_batch_dependent(spec.reward)
    key_fields = ([group_key] if group_key else []) + group_fields(spec.reward)
    if spec.group_key and spec.group_key not in key_fields:
        key_fields.append(spec.group_key)

    def row_group(item: tuple[int, dict[str, Any], Sample]) -> Any:
        sample = item[2]
        if key_fields:
            return tuple(str(sample.get(k)) for k in key_fields)
        return sample.prompt if isinstance(sample.prompt, str) else dumps(sample.to_json_dict().get("prompt"))

    skipped = 0
    summ = ResultSummary()

    def valid_rows(stream: Any) -> Any:
        nonlocal skipped
        for row in iter_jsonl(stream, source=input):
            error = row.error
            sample = None
            if row.ok:
                try:
                    sample = Sample.model_validate(row.data)
                except ValidationError as exc:
                    error = explain_sample_error(exc)
            if error is not None:
                if strict:
                    fail(f"{input}:{row.line}: {error}")
                err_console.print(f"[yellow]warning:[/] {input}:{row.line}: {error} (line skipped)")
                skipped += 1
                continue
            yield (row.line, row.data, sample)

    want_bar = progress if progress is not None else isatty()
    total = count_lines(input) if (want_bar and input != "-") else None
    show_progress = want_bar and (progress is True or (total or 0) > 200)
    started = time.perf_counter()
    try:
        with open_text(input) as fin, open_text(output, "w") as fout:
            bar, task = _progress(show_progress, total)
            cut = batches(valid_rows(fin), batch_size, key=row_group if dependent else None)
            if ray:
                from ..serve.ray_batch import ray_score_batches

                scored = ray_score_batches(
                    spec, cut, sample_of=lambda item: item[2], step=step, group_key=group_key, address=ray_address
                )
            else:
                scored = ((b, spec.score_batch([s for _, _, s in b], step=step, group_key=group_key)) for b in cut)
            for batch, results in scored:
                summ.add(results)
                for (_, data, _), result in zip(batch, results, strict=True):
                    fout.write(dumps({**data, "reward": result.to_json_dict()}) + "\n")
                if bar is not None:
                    bar.update(task, advance=len(batch))
            if bar is not None:
                bar.stop()
    except RewardlabError as exc:
        fail(exc)
    except BrokenPipeError:  # `rewardlab score ... | head`
        raise typer.Exit(EXIT_OK) from None

    elapsed = time.perf_counter() - started
    if summary:
        title = f"{spec.name}  (spec {spec.short_hash}, {summ.total} samples, {elapsed:.2f}s)"
        err_console.print(summary_table(summ, title=title))
        err_console.print(status_line(summ, skipped))
        for message, n in list(summ.errors.items())[:3]:
            err_console.print(f"[red]  {n} x[/] {message}", highlight=False)
    if summ.total == 0 and skipped == 0:
        err_console.print("[yellow]warning:[/] no samples in the input")
    code = EXIT_FAILURES if (summ.failures or skipped) else EXIT_OK
    if code != EXIT_OK:
        raise typer.Exit(code)


def _progress(enabled: bool, total: int | None) -> tuple[Any, Any]:
    if not enabled:
        return None, None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )
    bar.start()
    return bar, bar.add_task("scoring", total=total)
