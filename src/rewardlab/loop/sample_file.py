"""``rewardlab sample`` as a function: a prompts file in, one JSONL row per completion out.

Every output row is the input row plus ``prompt`` (what the model was asked), ``completion``,
``group_id`` (the input's id field, else a hash of the prompt), ``sample_index`` (0..n-1),
``prompt_tokens``, ``completion_tokens``, ``finish_reason`` and ``model`` -- ready for
``rewardlab score --group-key group_id``.

- **Checked first.** Every input row is turned into a prompt before anything is generated; a
  malformed line, a row without the field the template needs, or a repeated group id stops the
  run at once with the line numbers (:class:`InputProblems`), not hours later.
- **Resumable.** An existing output is read first: completions already there (by group id and
  sample index) are not drawn again, a half-written last line (a crash) is dropped, and when a
  resumed run fills gaps the file is rewritten in input order so each group stays contiguous.
- **One failure never loses the others.** A failed completion writes nothing and is counted
  (``report.failed``); rerunning the same command draws exactly the missing ones. When none of
  the first requests succeeds (an endpoint that is down), the run stops with that error.

>>> import json, tempfile, pathlib
>>> from rewardlab.loop.sampling import Completion, Sampler
>>> class Echo(Sampler):
...     name = "echo"
...     def sample(self, requests, params):
...         return [[Completion(r.messages[-1]["content"][::-1], "stop", 3, 5)] * r.count for r in requests]
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "p.jsonl").write_text('{"id": "a", "q": "abc"}\\n{"id": "b", "q": "xyz"}\\n')
>>> rep = run_sampling(d / "p.jsonl", d / "s.jsonl", Echo(), SamplingParams(n=2), PromptBuilder(template="{q}"))
>>> rep.written, rep.failed
(4, 0)
>>> [(r["group_id"], r["sample_index"], r["completion"]) for r in map(json.loads, open(d / "s.jsonl"))][:3]
[('a', 0, 'cba'), ('a', 1, 'cba'), ('b', 0, 'zyx')]
>>> run_sampling(d / "p.jsonl", d / "s.jsonl", Echo(), SamplingParams(n=2), PromptBuilder(template="{q}")).written
0
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..data.jsonl import dumps, iter_jsonl, open_text
from .prompts import PromptBuilder, PromptError
from .sampling import Completion, Sampler, SampleRequest, SamplingError, SamplingParams, request_seed

__all__ = ["InputProblems", "PromptRow", "SampleReport", "read_prompts", "run_sampling"]

_FAIL_FAST = 1
"""Stop when every completion of the first this-many chunks failed (nothing reached the model)."""


class InputProblems(ValueError):
    """Rows of the prompts file that cannot be sampled; ``problems`` lists ``(line, message)``."""

    def __init__(self, source: str, problems: list[tuple[int, str]]) -> None:
        self.problems = problems
        shown = "; ".join(f"{source}:{line}: {msg}" for line, msg in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"{len(problems)} input row(s) cannot be sampled: {shown}{more}")


@dataclass(frozen=True)
class PromptRow:
    """One input row, ready to sample."""

    line: int
    group_id: str
    row: dict[str, Any]
    messages: list[dict[str, Any]]
    prompt: str | list[dict[str, Any]]


@dataclass
class SampleReport:
    """What a run did."""

    prompts: int = 0
    written: int = 0
    already_done: int = 0
    failed: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    elapsed_s: float = 0.0
    rewritten: bool = False


def _group_id(row: dict[str, Any], id_field: str | None, messages: list[dict[str, Any]]) -> str:
    if id_field is not None:
        value = row.get(id_field)
        if value is None or isinstance(value, (dict, list, bool)):
            raise PromptError(f"the row has no usable '{id_field}' field for the group id (a string or a number)")
        return str(value)
    if isinstance(row.get("id"), (str, int)) and not isinstance(row.get("id"), bool):
        return str(row["id"])
    digest = hashlib.sha256(json.dumps(messages, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return f"p-{digest[:12]}"


def read_prompts(
    path: str | os.PathLike[str], builder: PromptBuilder, *, id_field: str | None = None, limit: int | None = None
) -> list[PromptRow]:
    """Every row of the prompts file as a :class:`PromptRow`; any bad row raises :class:`InputProblems`.

    The group id is ``id_field`` when given (it must be there), else the row's ``id``, else a
    hash of the prompt messages.
    """
    source = str(path)
    out: list[PromptRow] = []
    problems: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    with open_text(path) as fh:
        for row in iter_jsonl(fh, source=source):
            if limit is not None and len(out) >= limit:
                break
            if not row.ok or row.data is None:
                problems.append((row.line, row.error or "malformed line"))
                continue
            try:
                messages = builder.messages(row.data)
                group = _group_id(row.data, id_field, messages)
            except PromptError as exc:
                problems.append((row.line, str(exc)))
                continue
            if group in seen:
                problems.append(
                    (row.line, f"group id '{group}' repeats line {seen[group]}: ids must be unique (--id-field NAME)")
                )
                continue
            seen[group] = row.line
            out.append(PromptRow(row.line, group, row.data, messages, builder.prompt_value(row.data)))
    if problems:
        raise InputProblems(source, problems)
    return out


def _existing(output: Path) -> tuple[set[tuple[str, int]], list[str]]:
    """(group id, sample index) pairs already written, and the model names found; drops a torn last line."""
    done: set[tuple[str, int]] = set()
    models: list[str] = []
    if not output.exists() or output.stat().st_size == 0:
        return done, models
    with open(output, "rb+") as fh:  # a crash can leave a last line without its newline: drop it
        data = fh.read()
        if not data.endswith(b"\n"):
            keep = data.rfind(b"\n") + 1
            fh.seek(keep)
            fh.truncate()
    with open_text(output) as fh:
        for row in iter_jsonl(fh, source=str(output)):
            if not row.ok or row.data is None:
                raise SamplingError(
                    f"{output}:{row.line}: {row.error}: the output to resume is not a samples file "
                    "(use another --output or --overwrite)"
                )
            group, index = row.data.get("group_id"), row.data.get("sample_index")
            if not isinstance(group, str) or not isinstance(index, int):
                raise SamplingError(
                    f"{output}:{row.line}: no group_id/sample_index: the output to resume is not a samples file "
                    "(use another --output or --overwrite)"
                )
            done.add((group, index))
            model = row.data.get("model")
            if isinstance(model, str) and model not in models:
                models.append(model)
    return done, models


def _row(p: PromptRow, index: int, c: Completion, model: str) -> dict[str, Any]:
    return {
        **p.row,
        "prompt": p.prompt,
        "completion": c.text,
        "group_id": p.group_id,
        "sample_index": index,
        "prompt_tokens": c.prompt_tokens,
        "completion_tokens": c.completion_tokens,
        "finish_reason": c.finish_reason,
        "model": model,
    }


def _rewrite_in_order(output: Path, order: dict[str, int]) -> None:
    """Rewrite the output sorted by input order then sample index (groups contiguous), atomically."""
    with open_text(output) as fh:
        rows = [r.data for r in iter_jsonl(fh) if r.ok and r.data is not None]
    rows.sort(key=lambda r: (order.get(r["group_id"], len(order)), r["sample_index"]))
    tmp = output.with_name(f".{output.name}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(dumps(r) + "\n")
    os.replace(tmp, output)


def run_sampling(
    input: str | os.PathLike[str],
    output: str | os.PathLike[str],
    sampler: Sampler,
    params: SamplingParams,
    builder: PromptBuilder,
    *,
    id_field: str | None = None,
    limit: int | None = None,
    overwrite: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
    on_error: Callable[[str, BaseException], None] | None = None,
    on_resume: Callable[[int], None] | None = None,
) -> SampleReport:
    """Sample ``params.n`` completions for every prompt of ``input`` into ``output`` (see the module doc).

    ``on_progress(completions_done, failures)`` is called after each chunk of prompts;
    ``on_error(group_id, exception)`` for each failed completion; ``on_resume(completions)`` once,
    before drawing, with the number of completions an earlier run already wrote.
    """
    out_path = Path(output)
    if out_path.suffix == ".gz":
        raise SamplingError(f"{out_path}: write samples as plain JSONL (a .gz file cannot be resumed or appended)")
    prompts = read_prompts(input, builder, id_field=id_field, limit=limit)
    report = SampleReport(prompts=len(prompts))
    if overwrite and out_path.exists():
        out_path.unlink()
    done, models = _existing(out_path)
    if models and sampler.name not in models:
        raise SamplingError(
            f"{out_path} holds samples of {', '.join(models)}, not {sampler.name}: use another --output, "
            "or --overwrite to start again"
        )
    order = {p.group_id: k for k, p in enumerate(prompts)}
    todo: list[tuple[PromptRow, list[int]]] = []
    partial = False
    for p in prompts:
        missing = [i for i in range(params.n) if (p.group_id, i) not in done]
        report.already_done += params.n - len(missing)
        if missing:
            todo.append((p, missing))
            partial = partial or len(missing) < params.n
    if on_resume is not None and report.already_done:
        on_resume(report.already_done)
    started = time.perf_counter()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    chunk = max(1, sampler.chunk_prompts)
    with open(out_path, "a", encoding="utf-8") as fh:
        for start in range(0, len(todo), chunk):
            part = todo[start : start + chunk]
            requests = [
                SampleRequest(p.messages, len(missing), request_seed(params.seed, p.group_id)) for p, missing in part
            ]
            answers = sampler.sample(requests, params)
            for (p, missing), slots in zip(part, answers, strict=True):
                for index, slot in zip(missing, slots, strict=True):
                    if isinstance(slot, BaseException):
                        report.failed += 1
                        report.errors[f"{type(slot).__name__}: {slot}"] += 1
                        if on_error is not None:
                            on_error(p.group_id, slot)
                        continue
                    fh.write(dumps(_row(p, index, slot, sampler.name)) + "\n")
                    report.written += 1
            fh.flush()
            if on_progress is not None:
                on_progress(report.written + report.already_done, report.failed)
            if report.written == 0 and report.failed and start // chunk + 1 >= _FAIL_FAST:
                first = next(iter(report.errors))
                raise SamplingError(
                    f"none of the first {report.failed} completions could be made; first error: {first}"
                )
    if partial and report.written:
        _rewrite_in_order(out_path, order)
        report.rewritten = True
    report.elapsed_s = time.perf_counter() - started
    return report
