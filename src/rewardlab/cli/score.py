"""``rewardlab score``: score a JSONL file (or stdin) with a reward name or a spec."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer

from .common import EXIT_FAILURES, EXIT_OK, err_console, fail, import_modules, parse_params, status_line, summary_table
from .options import Imports, Params, SpecOrName
from .root import app


@app.command(
    "score",
    epilog=(
        "Examples:\n\n"
        "  rewardlab score -r examples/math_grpo.yaml -i examples/samples.jsonl\n\n"
        "  rewardlab score -r exact_match -p ignore_case=false -i data.jsonl -o scored.jsonl\n\n"
        "  cat data.jsonl | rewardlab score -r examples/math_grpo.yaml --group-key prompt_id > out.jsonl\n\n"
        "  rewardlab score -r math -i gsm8k.jsonl --map completion=solution --map answer=reference_answer\n\n"
        "  rewardlab score -r examples/math_grpo.yaml -i data.jsonl --check   # fields read vs fields present\n\n"
        "Exit status: 0 all samples scored (some may be not applicable); 1 some samples failed, malformed "
        "lines were skipped, no sample at all was applicable, or --check found missing fields; 2 bad spec, "
        "bad arguments, or a malformed line under --strict."
    ),
)
def score_command(
    reward: SpecOrName,
    input: str = typer.Option("-", "--input", "-i", help="JSONL samples (.gz ok); '-' reads stdin."),
    output: str = typer.Option("-", "--output", "-o", help="Where scored rows go (JSONL); '-' is stdout."),
    param: Params = None,
    group_key: str | None = typer.Option(
        None, "--group-key", "-g", help="Field grouping completions of one prompt (for group normalization)."
    ),
    step: int | None = typer.Option(None, "--step", help="Training step (for annealed weights)."),
    batch_size: int = typer.Option(64, "--batch-size", "-b", min=1, help="Samples per batch (groups are never split)."),
    strict: bool = typer.Option(False, "--strict", help="Stop at the first malformed line instead of skipping it."),
    summary: bool = typer.Option(True, "--summary/--no-summary", help="Print the per-component table on stderr."),
    progress: bool | None = typer.Option(
        None,
        "--progress/--no-progress",
        help="Progress on stderr: a bar on a terminal (the default there); --progress elsewhere (a log file, "
        "a pipe) prints plain lines every few seconds.",
    ),
    ray: bool = typer.Option(False, "--ray", help="Score the batches as tasks on a Ray cluster (same output)."),
    ray_address: str | None = typer.Option(
        None, "--ray-address", help="Ray cluster for --ray ('auto' = the one `ray start` made; default: a local one)."
    ),
    mapping: list[str] = typer.Option(
        None, "--map", "-m", help="TARGET=SOURCE: use the input's SOURCE field as the sample's TARGET (repeatable)."
    ),
    check: bool = typer.Option(
        False, "--check", help="Score nothing: list the fields the spec reads and how many rows lack each."
    ),
    imports: Imports = None,
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
    from ..evaluate.runs.sample_data import apply_mapping, parse_mapping

    import_modules(imports)
    try:
        spec = resolve(reward, params=parse_params(param))
        fields_map = parse_mapping(mapping)
    except RewardlabError as exc:
        fail(exc)
    except ValueError as exc:
        fail(str(exc))
    if input != "-" and not Path(input).exists():
        fail(f"{input}: no such file")
    if check:
        raise typer.Exit(_check(spec, input, fields_map, group_key))

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
                    data = apply_mapping(row.data, fields_map) if fields_map else row.data
                    sample = Sample.model_validate(data)
                except ValidationError as exc:
                    error = explain_sample_error(exc)
                except ValueError as exc:  # a --map source the row lacks
                    error = str(exc)
            if error is not None:
                if strict:
                    fail(f"{input}:{row.line}: {error}")
                err_console.print(f"[yellow]warning:[/] {input}:{row.line}: {error} (line skipped)")
                skipped += 1
                continue
            yield (row.line, row.data, sample)

    from ..core.progress import progress_mode

    mode = progress_mode(progress, err_console.file)
    total = count_lines(input) if (mode and input != "-") else None
    show_progress = mode if (progress is True or (total or 0) > 200) else None
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
        for reason, n in sorted(summ.reasons.items(), key=lambda kv: -kv[1])[:3]:
            if reason.startswith("not_applicable"):
                err_console.print(f"[yellow]  {n} x[/] {reason}", highlight=False)
    if summ.total == 0 and skipped == 0:
        err_console.print("[yellow]warning:[/] no samples in the input")
    nothing_applied = summ.total > 0 and summ.status_counts["not_applicable"] == summ.total
    if nothing_applied:
        top = max(summ.reasons.items(), key=lambda kv: kv[1])[0] if summ.reasons else "not applicable"
        err_console.print(
            f"[red]error:[/] no sample was applicable ({summ.total} of {summ.total} not applicable; most: {top}): "
            "does the input have the fields the spec reads? (rewardlab score --check)",
            highlight=False,
        )
    code = EXIT_FAILURES if (summ.failures or skipped or nothing_applied) else EXIT_OK
    if code != EXIT_OK:
        raise typer.Exit(code)


def _check(spec: Any, input: str, fields_map: dict[str, str], group_key: str | None) -> int:
    """``--check``: the fields the spec reads, and how many input rows lack each (after --map)."""
    from ..compose.introspect import fields_read, normalizing_nodes
    from ..data.jsonl import iter_jsonl, open_text
    from ..evaluate.runs.sample_data import apply_mapping
    from .common import console

    wanted = fields_read(spec.reward, group_key=group_key or spec.group_key)
    # The prompt is optional to the verifiers (a restated-question check); it matters as a group key.
    optional = (
        set()
        if ("prompt" in wanted and normalizing_nodes(spec.reward) and not (group_key or spec.group_key))
        else {"prompt"}
    )
    rows = 0
    bad = 0
    lacking = dict.fromkeys(wanted, 0)
    with open_text(input) as fin:
        for row in iter_jsonl(fin, source=input):
            if not row.ok:
                bad += 1
                continue
            rows += 1
            try:
                data = apply_mapping(row.data, fields_map) if fields_map else row.data
            except ValueError:
                data = row.data
            for name in wanted:
                if data.get(name) is None:
                    lacking[name] += 1
    console.print(f"{spec.name} ({spec.short_hash}) reads: {', '.join(wanted) or '-'}")
    for name in wanted:
        n = lacking[name]
        colour = "yellow" if name in optional else "red"
        note = "[green]present in every row[/]" if n == 0 else f"[{colour}]missing in {n} of {rows} rows[/]"
        if n and name in optional:
            note += " (optional)"
        console.print(f"  {name}: {note}")
    if bad:
        console.print(f"  [red]{bad} malformed line(s)[/]")
    missing = [k for k, n in lacking.items() if n and k not in optional]
    if rows and missing:
        console.print(
            f"rows lacking {', '.join(missing)} will be not applicable or errors; "
            "--map TARGET=SOURCE takes a field under another name"
        )
    return EXIT_FAILURES if (missing or bad or not rows) else EXIT_OK


class _Lines:
    """The rich bar's three calls, as plain progress lines (stderr is not a terminal)."""

    def __init__(self, total: int | None) -> None:
        from ..core.progress import PlainProgress

        self.plain = PlainProgress("scoring", total, stream=err_console.file)

    def update(self, task: Any, advance: int = 1) -> None:
        self.plain.advance(advance)

    def stop(self) -> None:
        self.plain.close()


def _progress(mode: str | None, total: int | None) -> tuple[Any, Any]:
    if not mode:
        return None, None
    if mode == "lines":
        return _Lines(total), None
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
