r"""Differential test of the ``math`` reward: rewardlab (strict, lenient) vs math-verify vs ground truth.

The corpus (``tests/verifiers/math/differential``) pairs a reference written one way with a
completion written another, right or close-but-wrong, in short and long worked solutions, with
and without answer markers; every case carries the label it has by construction. This script
scores every case with:

- rewardlab's ``math`` reward, ``mode="strict"`` and ``mode="lenient"`` (``score_batch``);
- math-verify as its README shows for a gold answer and a model output:
  ``verify(parse(gold), parse(completion))``, default settings, the gold wrapped in ``$...$``
  when it has no delimiters of its own. math-verify's timeouts are ``signal.alarm`` based, so it
  runs in the main thread of child processes of its own (``--mv-jobs``); its verdicts are cached
  by (version, reference, completion) in ``--work-dir``, so a re-run after a change to rewardlab
  only scores rewardlab.

It prints agreement with the ground truth and with math-verify per kind, per class, per marker
and per context, the wrong answers each tool pays, and writes every case where a tool disagrees
with the truth, or rewardlab strict with math-verify, to ``disagreements.jsonl``.

Usage::

    .venv/bin/python benchmarks/math_differential.py                  # the whole corpus (~13k cases)
    .venv/bin/python benchmarks/math_differential.py --sample 2000    # a seeded, kind-stratified sample
    .venv/bin/python benchmarks/math_differential.py --no-mv          # rewardlab against the truth only
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import os
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

from tests.verifiers.math.differential.corpus import Case, build, composition, load, sample  # noqa: E402

DEFAULT_WORK = Path(os.environ.get("REWARDLAB_MATH_DIFF_DIR", "/tmp/rewardlab_math_diff"))


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---- math-verify, in processes of its own ----------------------------------------------------------------------
def mv_gold(answer: str) -> str:
    """The gold as math-verify's README passes it: LaTeX in ``$...$`` unless it is delimited already."""
    return answer if ("\\boxed" in answer or "####" in answer or "$" in answer) else f"${answer}$"


def mv_key(version: str, answer: str, completion: str) -> str:
    return hashlib.sha1(f"{version}\0{answer}\0{completion}".encode()).hexdigest()


def mv_version() -> str:
    from importlib.metadata import version

    return version("math-verify")


def mv_worker(in_path: Path, out_path: Path) -> int:
    """Child process: math-verify on each ``{key, answer, completion}`` line, one result line each (main thread)."""
    logging.disable(logging.CRITICAL)
    from math_verify import parse, verify

    rows = [json.loads(line) for line in in_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    start = time.perf_counter()
    with out_path.open("a", encoding="utf-8") as out:
        for n, row in enumerate(rows, 1):
            t = time.perf_counter()
            gold = pred = None
            try:
                gold = parse(mv_gold(row["answer"]))
                pred = parse(row["completion"])
                verdict: bool | None = bool(verify(gold, pred))
            except Exception:
                verdict = None
            seconds = time.perf_counter() - t
            result = {
                "key": row["key"],
                "verdict": verdict,
                "gold": _mv_text(gold),
                "pred": _mv_text(pred),
                "seconds": round(seconds, 4),
            }
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
            out.flush()
            if n % 200 == 0:
                rate = n / (time.perf_counter() - start)
                log(f"  [math-verify {in_path.stem}] {n}/{len(rows)} ({rate:.1f}/s)")
    return 0


def _mv_text(parsed: Any) -> str | None:
    """The string math-verify extracted (its parse returns [sympy value, source string])."""
    if not parsed:
        return None if parsed is None else ""
    return str(parsed[-1]) if len(parsed) > 1 else str(parsed[0])


def read_mv_cache(folder: Path) -> dict[str, dict[str, Any]]:
    cache: dict[str, dict[str, Any]] = {}
    for part in sorted(folder.glob("*.jsonl")):
        for line in part.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut short by an interrupted worker
            cache[row["key"]] = row
    return cache


def run_mathverify(cases: Sequence[Case], work: Path, jobs: int) -> dict[str, dict[str, Any]]:
    """math-verify's result for every case (cached ones reused); by case id."""
    version = mv_version()
    folder = work / f"mv-cache-{version}"
    folder.mkdir(parents=True, exist_ok=True)
    cache = read_mv_cache(folder)
    keys = {c.id: mv_key(version, c.answer, c.completion) for c in cases}
    todo = [c for c in cases if keys[c.id] not in cache]
    log(f"[math-verify {version}] {len(cases) - len(todo)} cached, {len(todo)} to run in {jobs} process(es)")
    if todo:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        procs = []
        for j in range(jobs):
            shard = todo[j::jobs]
            if not shard:
                continue
            in_path = work / f"mv-in-{stamp}-{j}.jsonl"
            in_path.write_text(
                "".join(
                    json.dumps({"key": keys[c.id], "answer": c.answer, "completion": c.completion}) + "\n"
                    for c in shard
                ),
                encoding="utf-8",
            )
            out_path = folder / f"part-{stamp}-{j}.jsonl"
            cmd = [sys.executable, str(Path(__file__).resolve()), "--mv-worker", str(in_path), str(out_path)]
            procs.append((subprocess.Popen(cmd), in_path))
        for proc, in_path in procs:
            if proc.wait() != 0:
                raise RuntimeError(f"a math-verify worker failed (exit {proc.returncode}) on {in_path}")
            in_path.unlink()
        cache = read_mv_cache(folder)
    return {c.id: cache[keys[c.id]] for c in cases}


class MathVerifyProcess:
    """math-verify in a child process of its own: checks run in that process's main thread (its
    timeouts are ``signal.alarm`` based) and are timed there, without the pipe.

    ``run(pairs)`` takes ``(reference, completion)`` pairs and returns the verdicts (None: raised)
    and the seconds the checks took.
    """

    def __init__(self) -> None:
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_mv_serve, args=(child,), daemon=True)
        self._proc.start()
        child.close()
        self.version = self._conn.recv()

    def run(self, pairs: Sequence[tuple[str, str]]) -> tuple[list[bool | None], float]:
        self._conn.send(list(pairs))
        verdicts, seconds = self._conn.recv()
        return verdicts, seconds

    def clear_caches(self) -> None:
        self._conn.send("clear")
        self._conn.recv()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._conn.send(None)
        self._proc.join(10)
        if self._proc.is_alive():
            self._proc.kill()


def _mv_serve(conn: Any) -> None:
    logging.disable(logging.CRITICAL)
    import math_verify.parser
    from math_verify import parse, verify
    from sympy.core.cache import clear_cache

    conn.send(mv_version())
    while True:
        job = conn.recv()
        if job is None:
            return
        if job == "clear":
            clear_cache()
            for value in vars(math_verify.parser).values():
                if hasattr(value, "cache_clear"):
                    value.cache_clear()
            conn.send(True)
            continue
        out: list[bool | None] = []
        start = time.perf_counter()
        for answer, completion in job:
            try:
                out.append(bool(verify(parse(mv_gold(answer)), parse(completion))))
            except Exception:
                out.append(None)
        conn.send((out, time.perf_counter() - start))


# ---- rewardlab ----------------------------------------------------------------------------------------------------
@dataclass
class Verdict:
    paid: bool | None
    """True: scored 1.0; False: scored 0.0; None: no score (an error or a timeout)."""
    info: dict[str, Any] = field(default_factory=dict)


def run_rewardlab(cases: Sequence[Case], mode: str, batch: int = 64) -> tuple[list[Verdict], float]:
    from rewardlab.verifiers.math import MathAnswer

    reward = MathAnswer(mode=mode)
    out: list[Verdict] = []
    start = time.perf_counter()
    for i in range(0, len(cases), batch):
        for r in reward.score_batch([c.sample() for c in cases[i : i + batch]]):
            info = {k: r.info.get(k) for k in ("extracted", "strategy", "path", "reason")}
            if r.score is None:
                info["status"] = r.status.value
                info["error"] = r.error
            out.append(Verdict(None if r.score is None else r.score == 1.0, info))
        done = min(i + batch, len(cases))
        if done % (batch * 16) == 0 or done == len(cases):
            log(f"  [rewardlab {mode}] {done}/{len(cases)} ({done / (time.perf_counter() - start):.1f}/s)")
    return out, time.perf_counter() - start


# ---- tables ----------------------------------------------------------------------------------------------------
@dataclass
class Row:
    n: int = 0
    strict_ok: int = 0
    lenient_ok: int = 0
    mv_ok: int = 0
    strict_mv_same: int = 0
    negatives: int = 0
    lenient_negatives: int = 0
    strict_paid_wrong: int = 0
    lenient_paid_wrong: int = 0
    mv_paid_wrong: int = 0

    def add(self, c: Case, s: bool | None, le: bool | None, m: bool | None) -> None:
        self.n += 1
        self.strict_ok += bool(s) == c.label
        self.lenient_ok += bool(le) == c.lenient_label
        self.mv_ok += m is not None and bool(m) == c.label
        self.strict_mv_same += bool(s) == bool(m)
        self.negatives += not c.label
        self.lenient_negatives += not c.lenient_label
        self.strict_paid_wrong += bool(s) and not c.label
        self.lenient_paid_wrong += bool(le) and not c.lenient_label
        self.mv_paid_wrong += bool(m) and not c.label


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f}%" if b else "-"


def table(title: str, rows: dict[str, Row], with_mv: bool, min_n: int = 1) -> list[str]:
    head = f"| {title} | cases | strict vs truth | lenient vs truth |"
    sep = "|---|---:|---:|---:|"
    if with_mv:
        head += " math-verify vs truth | strict vs math-verify |"
        sep += "---:|---:|"
    head += " wrong paid: strict | lenient |" + (" math-verify |" if with_mv else "")
    sep += "---:|---:|" + ("---:|" if with_mv else "")
    lines = [head, sep]
    for name, r in rows.items():
        if r.n < min_n:
            continue
        cells = [name, str(r.n), pct(r.strict_ok, r.n), pct(r.lenient_ok, r.n)]
        if with_mv:
            cells += [pct(r.mv_ok, r.n), pct(r.strict_mv_same, r.n)]
        cells += [f"{r.strict_paid_wrong}/{r.negatives}", f"{r.lenient_paid_wrong}/{r.lenient_negatives}"]
        if with_mv:
            cells.append(f"{r.mv_paid_wrong}/{r.negatives}")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def group(
    cases: Sequence[Case],
    strict: Sequence[Verdict],
    lenient: Sequence[Verdict],
    mv: Sequence[bool | None],
    key: Callable[[Case], str],
) -> dict[str, Row]:
    rows: dict[str, Row] = defaultdict(Row)
    total = Row()
    for c, s, le, m in zip(cases, strict, lenient, mv, strict=True):
        rows[key(c)].add(c, s.paid, le.paid, m)
        total.add(c, s.paid, le.paid, m)
    out = dict(sorted(rows.items()))
    out["**all**"] = total
    return out


def disagreements(
    cases: Sequence[Case],
    strict: Sequence[Verdict],
    lenient: Sequence[Verdict],
    mv_rows: Sequence[dict[str, Any] | None],
) -> Iterable[dict[str, Any]]:
    for c, s, le, m in zip(cases, strict, lenient, mv_rows, strict=True):
        mv = None if m is None else m["verdict"]
        wrong = []
        if bool(s.paid) != c.label:
            wrong.append("strict")
        if bool(le.paid) != c.lenient_label:
            wrong.append("lenient")
        if m is not None and bool(mv) != c.label:
            wrong.append("math-verify")
        differs = m is not None and bool(s.paid) != bool(mv)
        if wrong or differs:
            yield {
                **c.to_json(),
                "wrong": wrong,
                "strict": s.paid,
                "lenient": le.paid,
                "mv": mv,
                "strict_info": s.info,
                "lenient_info": le.info,
                "mv_gold": None if m is None else m["gold"],
                "mv_pred": None if m is None else m["pred"],
            }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog="See the module docstring.")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    parser.add_argument("--items", type=int, default=60, help="values drawn per kind (default 60: ~13k cases)")
    parser.add_argument("--corpus", type=Path, help="read the cases from this JSONL instead of generating them")
    parser.add_argument("--sample", type=int, help="score a seeded, kind-stratified sample of about N cases")
    parser.add_argument("--kinds", help="comma-separated kinds to keep (e.g. interval,union,issue:relation)")
    parser.add_argument("--no-mv", action="store_true", help="do not run math-verify")
    parser.add_argument("--mv-jobs", type=int, default=1, help="math-verify processes (default 1)")
    parser.add_argument(
        "--work-dir", type=Path, default=DEFAULT_WORK, help=f"cache and outputs (default {DEFAULT_WORK})"
    )
    parser.add_argument("--out", type=Path, help="disagreements JSONL (default WORK_DIR/disagreements.jsonl)")
    parser.add_argument("--summary", type=Path, help="also write the printed tables to this file")
    parser.add_argument(
        "--rewardlab-src",
        type=Path,
        help="score with the rewardlab package under this src folder (e.g. an older commit's, from git archive)",
    )
    parser.add_argument("--mv-worker", nargs=2, type=Path, metavar=("IN", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.mv_worker:
        return mv_worker(*args.mv_worker)

    if args.rewardlab_src:
        # before the first import of rewardlab; the math pool's workers are fresh interpreters: PYTHONPATH
        src = str(args.rewardlab_src.resolve())
        sys.path.insert(0, src)
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")]))
    args.work_dir.mkdir(parents=True, exist_ok=True)
    cases = load(args.corpus) if args.corpus else build(args.seed, args.items)
    if args.kinds:
        keep = set(args.kinds.split(","))
        cases = [c for c in cases if c.kind in keep]
    if args.sample:
        cases = sample(cases, args.sample, args.seed)
    log(f"{len(cases)} cases")

    mv_rows: list[dict[str, Any] | None] = [None] * len(cases)
    if not args.no_mv:
        t = time.perf_counter()
        by_id = run_mathverify(cases, args.work_dir, args.mv_jobs)
        mv_rows = [by_id[c.id] for c in cases]
        log(f"[math-verify] done in {time.perf_counter() - t:.0f} s")
    import rewardlab

    log(f"rewardlab from {Path(rewardlab.__file__).parent}")
    strict, s_sec = run_rewardlab(cases, "strict")
    lenient, l_sec = run_rewardlab(cases, "lenient")
    mv = [None if m is None else m["verdict"] for m in mv_rows]
    with_mv = not args.no_mv

    out_path = args.out or args.work_dir / "disagreements.jsonl"
    n_dis = 0
    with out_path.open("w", encoding="utf-8") as f:
        for row in disagreements(cases, strict, lenient, mv_rows):
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            n_dis += 1

    comp = composition(cases)
    lines = [
        f"# math differential: {len(cases)} cases (seed {args.seed})",
        "",
        "Labels: " + ", ".join(f"{k} {v}" for k, v in sorted(comp["label"].items())) + ".  ",
        "Markers: " + ", ".join(f"{k} {v}" for k, v in sorted(comp["marker"].items())) + ".  ",
        "Contexts: " + ", ".join(f"{k} {v}" for k, v in sorted(comp["context"].items())) + ".  ",
        f"rewardlab: strict {len(cases) / s_sec:.1f} checks/s, lenient {len(cases) / l_sec:.1f} checks/s; "
        f"no score (error/timeout): strict {sum(v.paid is None for v in strict)}, "
        f"lenient {sum(v.paid is None for v in lenient)}"
        + (f"; math-verify raised on {sum(v is None for v in mv)}" if with_mv else "")
        + ".  ",
        f"Disagreements written to {out_path} ({n_dis} cases).",
        "",
    ]
    keys: list[tuple[str, Callable[[Case], str], int]] = [
        ("kind", lambda c: c.kind, 1),
        ("marker", lambda c: c.marker, 1),
        ("context", lambda c: c.context, 1),
        ("marked?", lambda c: "marked" if c.marked else "unmarked", 1),
        ("class", lambda c: f"{c.kind} {c.cls}", 1),
    ]
    for title, key, min_n in keys:
        lines += [*table(title, group(cases, strict, lenient, mv, key), with_mv, min_n), ""]
    text = "\n".join(lines)
    print(text)
    if args.summary:
        args.summary.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
