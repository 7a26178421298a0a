"""Run directories: what every evaluation leaves behind, and where.

A run directory holds ``summary.json`` (the headline numbers and every metric, machine-readable),
``samples.jsonl`` (one row per scored item: pair, prompt, transformed pair, sample) and
``report.html`` (standalone: tables and plots embedded, readable offline). Without ``--out`` the
directory is ``$REWARDLAB_HOME/runs/<run id>``. Each run is recorded in the run store.

>>> run_id = new_run_id("prefs")
>>> run_id.startswith("prefs-")
True
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ...core.errors import RewardlabError
from ...data.jsonl import dumps, open_text
from ..report.render import render_report
from .sample_data import load_samples

__all__ = [
    "REPORT_FILE",
    "SAMPLES_FILE",
    "SUMMARY_FILE",
    "RunOutcome",
    "build_report",
    "check_run_dir",
    "iter_samples",
    "new_run_id",
    "pair_reward_info",
    "prepare_run_dir",
    "read_summary",
    "reward_info",
    "summary_header",
    "utc_now",
    "write_evaluation",
    "write_pair_evaluation",
    "write_run",
]

SUMMARY_FILE = "summary.json"
SAMPLES_FILE = "samples.jsonl"
REPORT_FILE = "report.html"


@dataclass
class RunOutcome:
    """A finished evaluation: its directory, its summary, and the report's path."""

    run_dir: Path
    summary: dict[str, Any]
    report: Path | None

    @property
    def run_id(self) -> str:
        return str(self.summary["run_id"])


def utc_now() -> str:
    """The current time as ISO 8601 UTC, seconds precision (``2025-01-01T12:00:00Z``)."""
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def new_run_id(kind: str) -> str:
    """``<kind>-<UTC yyyymmdd-hhmmss>-<4 hex>``: sortable by time, unique in practice."""
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%d-%H%M%S")
    return f"{kind}-{stamp}-{secrets.token_hex(2)}"


def check_run_dir(out: str | os.PathLike[str] | None, run_id: str) -> Path:
    """The run directory ``out`` (or the default under the store) would be, checked, nothing created.

    An existing ``out`` is accepted only when it is empty or already a run directory (it holds a
    ``summary.json``), so a typo cannot scatter files into an unrelated folder.
    """
    if out is None:
        from ...core.paths import rewardlab_home

        path = rewardlab_home() / "runs" / run_id
    else:
        path = Path(out).expanduser()
    if path.exists():
        if not path.is_dir():
            raise RewardlabError(f"--out {path}: exists and is not a directory")
        if any(path.iterdir()) and not (path / SUMMARY_FILE).exists():
            raise RewardlabError(
                f"--out {path}: the directory is not empty and is not a run directory; "
                "expected a new or empty directory (or an earlier run's directory, which is replaced)"
            )
    return path


def prepare_run_dir(out: str | os.PathLike[str] | None, run_id: str) -> Path:
    """Create the run directory (``out``, or the default under the store) and return it (see
    :func:`check_run_dir`; an earlier run in ``out`` is replaced)."""
    path = check_run_dir(out, run_id)
    if (path / SUMMARY_FILE).exists():  # the earlier run is replaced: drop it from the index
        _forget(path)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _forget(path: Path) -> None:
    from .store import RunStore

    try:
        old = json.loads((path / SUMMARY_FILE).read_text(encoding="utf-8")).get("run_id")
    except (OSError, json.JSONDecodeError):
        return
    if old:
        RunStore().delete(str(old))


def write_run(
    run_dir: Path,
    summary: dict[str, Any],
    samples: Iterable[dict[str, Any]],
    *,
    record: bool = True,
    report: bool = True,
) -> Path:
    """Write ``summary.json`` and ``samples.jsonl``, build ``report.html``, record the run.

    Returns the path of the report (or of the summary when ``report`` is false).
    """
    summary = {**summary, "dir": str(run_dir)}
    with open_text(run_dir / SAMPLES_FILE, "w") as fh:
        for row in samples:
            fh.write(dumps(row) + "\n")
    (run_dir / SUMMARY_FILE).write_text(json.dumps(json.loads(dumps(summary)), indent=2) + "\n", encoding="utf-8")
    target = run_dir / SUMMARY_FILE
    if report:
        target = build_report(run_dir)
    if record:
        from .store import RunStore, record_from_dir

        RunStore().record(record_from_dir(run_dir))
    return target


def reward_info(spec: Any, ref: str | None = None) -> dict[str, Any]:
    """How a run names the reward it evaluated: the reference given, name, spec hash, full spec."""
    return {"ref": ref or spec.name, "name": spec.name, "spec_hash": spec.hash, "spec": spec.to_dict()}


def pair_reward_info(spec_a: Any, spec_b: Any, refs: tuple[str | None, str | None]) -> dict[str, Any]:
    """How a run of two rewards (agreement, distance) names them."""
    a, b = reward_info(spec_a, refs[0]), reward_info(spec_b, refs[1])
    return {"name": f"{spec_a.name} vs {spec_b.name}", "spec_hash": None, "a": a, "b": b}


Data = TypeVar("Data")
Scored = tuple[dict[str, Any], list[dict[str, Any]]]


def write_evaluation(
    kind: str,
    out: str | os.PathLike[str] | None,
    *,
    load: Callable[[], Data],
    evaluate: Callable[[Data], Scored],
    header: Callable[[Data, dict[str, Any]], dict[str, Any]],
    record: bool = True,
) -> RunOutcome:
    """One evaluation run from start to end: a new run id and directory, the data loaded, then
    scored and measured (``evaluate``: the summary's results and the sample rows; timed), the
    summary (``header``: its ``reward``, ``data`` and ``params``) and samples written, the report
    built and the run recorded.

    The data is loaded (and ``out`` checked) before the directory is made: a bad data path or a
    bad ``--out`` leaves nothing behind.
    """
    run_id = new_run_id(kind)
    check_run_dir(out, run_id)
    data = load()
    run_dir = prepare_run_dir(out, run_id)
    started = time.perf_counter()
    result, rows = evaluate(data)
    summary = summary_header(kind, run_id, **header(data, result))
    summary.update(result)
    summary["elapsed_s"] = round(time.perf_counter() - started, 3)
    report = write_run(run_dir, summary, rows, record=record)
    return RunOutcome(run_dir, summary, report)


def write_pair_evaluation(
    kind: str,
    specs: tuple[Any, Any],
    data_path: str,
    evaluate: Callable[[list[dict[str, Any]]], Scored],
    *,
    params: dict[str, Any],
    refs: tuple[str | None, str | None] = (None, None),
    mapping: dict[str, str] | None = None,
    out: str | None = None,
    limit: int | None = None,
    record: bool = True,
) -> RunOutcome:
    """A run that scores one sample file with two rewards (agreement, distance): the samples loaded
    with ``mapping`` and ``limit``, the summary naming both rewards, the file and ``params``."""

    def header(samples: list[dict[str, Any]], result: dict[str, Any]) -> dict[str, Any]:
        data = {"path": os.path.abspath(data_path), "samples": len(samples), "mapping": mapping or {}, "limit": limit}
        return {"reward": pair_reward_info(specs[0], specs[1], refs), "data": data, "params": params}

    return write_evaluation(
        kind,
        out,
        load=lambda: load_samples(data_path, mapping=mapping, limit=limit),
        evaluate=evaluate,
        header=header,
        record=record,
    )


def summary_header(
    kind: str, run_id: str, *, reward: dict[str, Any], data: dict[str, Any], params: dict[str, Any]
) -> dict[str, Any]:
    """The fields every ``summary.json`` starts with."""
    from ... import __version__

    return {
        "run_id": run_id,
        "kind": kind,
        "created_at": utc_now(),
        "rewardlab_version": __version__,
        "reward": reward,
        "data": data,
        "params": params,
    }


def read_summary(run_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """The parsed ``summary.json`` of a run directory."""
    path = Path(run_dir) / SUMMARY_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RewardlabError(f"{path}: no such file; expected a run directory written by `rewardlab eval`") from None
    except json.JSONDecodeError as exc:
        raise RewardlabError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None


def iter_samples(run_dir: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """The rows of a run's ``samples.jsonl`` (an absent file yields nothing)."""
    path = Path(run_dir) / SAMPLES_FILE
    if not path.exists():
        return
    with open_text(path) as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def build_report(run_dir: str | os.PathLike[str]) -> Path:
    """(Re)build ``report.html`` in a run directory from its summary and samples; returns its path."""
    summary = read_summary(run_dir)
    rows = list(iter_samples(run_dir))
    path = Path(run_dir) / REPORT_FILE
    path.write_text(render_report(summary, rows), encoding="utf-8")
    return path
