"""Benchmark: rewardlab's ``math`` reward against math-verify called directly, side by side.

Sections (one run measures both tools on the same inputs):

1. **numeric**: GSM8K test answers (``../shared/data/gsm8k_test.jsonl.gz``) written in 10
   equivalent forms (``#### N`` after the real solution, ``\\boxed{N}``, "The answer is N.",
   ``A: N``, ``1,234``, ``$N``, ``N.00``, ``x = N``, ``<answer>``, ``\\frac{2N}{2}``) and 6-9
   non-equivalent ones (off by one, x10, /10, negated, reversed digits, a hedge, two boxes,
   padding): accuracy and checks per second.
2. **latex mix**: the golden LaTeX / interval / set / tuple / matrix / equation cases, each
   embedded at the end of a long worked solution (1-2 kB): accuracy and checks per second
   (rewardlab's symbolic checks run in its math worker pool, measured with 1 and with all
   workers; math-verify runs in the calling process).
3. **golden**: accuracy per category on every golden case (``tests/verifiers/math/golden``),
   and the share of adversarial answers each tool pays.
4. **threads**: both tools called from two threads with default settings, compared with their
   own main-thread answers (math-verify's ``signal.alarm`` timeout raises off the main thread).
5. **pathological**: power towers that make sympy hang: time to an answer and the outcome.
6. **latex set**: generated LaTeX answers (``tests/verifiers/math/differential``: fractions,
   radicals, pi, powers, expressions, intervals, unions, inequalities, sets, tuples, matrices,
   equations; right forms and close wrong ones) at the end of long worked solutions, half in
   ``\boxed{}``, half as the last math span with no marker: accuracy and checks per second of
   rewardlab (its process, math pool of 1 worker) against math-verify (a process of its own,
   main thread), timed on the same chunks, alternating which goes first.

math-verify is called as its README shows: ``verify(parse(gold), parse(completion))`` with
default settings, the gold wrapped in ``$...$`` (unless it is a marked solution).

Usage::

    .venv/bin/python benchmarks/bench_math.py            # full run (a few minutes on 2 cores)
    .venv/bin/python benchmarks/bench_math.py --quick    # about a minute
    .venv/bin/python benchmarks/bench_math.py --record   # also append the figures to RESULTS.md
    .venv/bin/python benchmarks/bench_math.py --only numeric,latex_set   # some sections only
    git worktree add --detach /tmp/old 10661a8          # an older tree beside this one (never git stash)
    .venv/bin/python benchmarks/bench_math.py --only numeric,latex_set --baseline-src /tmp/old/src

With ``--baseline-src``, the numeric and LaTeX-set sections also time the rewardlab under that
``src`` folder and this tree's, each in a process of its own (:mod:`bench_math_versions`), on the
same chunks as math-verify, the start rotating over all of them: old vs new vs math-verify in one
run, under the same load.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import importlib.util
import json
import logging
import os
import platform
import random
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

from tests.verifiers.math.differential.corpus import LATEX_KINDS, latex_set  # noqa: E402
from tests.verifiers.math.golden_cases import GoldenCase, load_cases  # noqa: E402

from bench_math_versions import RewardlabProcess  # noqa: E402
from math_differential import MathVerifyProcess  # noqa: E402
from rewardlab.verifiers.math import MathAnswer  # noqa: E402
from rewardlab.verifiers.math import backend as math_backend  # noqa: E402
from rewardlab.verifiers.math.warmup import WARMUP_PAIRS  # noqa: E402

DEFAULT_DATA = Path(os.environ.get("REWARDLAB_SHARED_DATA", REPO.parent / "shared" / "data"))
SECTIONS = ("numeric", "latex_set", "latex", "golden", "threads", "pathological")
SYMBOLIC_CATEGORIES = ("latex", "intervals", "sets", "tuples", "matrices", "equations")
HANG_S = 10.0
"""A single check taking longer than this counts as a hang."""


def _load_builder() -> Any:
    path = REPO / "tests" / "verifiers" / "math" / "golden" / "build_gsm8k.py"
    spec = importlib.util.spec_from_file_location("build_gsm8k", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---- the cases ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    completion: str
    answer: Any
    expect: bool
    prompt: str | None = None
    category: str = ""

    def sample(self) -> dict[str, Any]:
        s: dict[str, Any] = {"completion": self.completion, "answer": self.answer}
        if self.prompt is not None:
            s["prompt"] = self.prompt
        return s


def gsm8k_cases(rows: list[dict[str, Any]]) -> list[Case]:
    builder = _load_builder()
    cases = []
    for row in rows:
        for good, forms in ((True, builder.equivalent_forms(row)), (False, builder.wrong_forms(row))):
            for name, completion, _ in forms:
                cases.append(Case(completion, row["answer"], good, row["question"], name))
    return cases


def latex_mix(golden: list[GoldenCase], rows: list[dict[str, Any]], rng: random.Random) -> list[Case]:
    cases = []
    for case in golden:
        if case.category not in SYMBOLIC_CATEGORIES or case.params or case.known_failure:
            continue
        prefix = "\n".join(r["solution"] for r in rng.sample(rows, 3))
        prefix = "Let me work through this carefully.\n" + prefix[:1800] + "\nPutting it together, we get:\n"
        cases.append(Case(prefix + case.completion, case.answer, case.expect, None, case.category))
    return cases


def read_jsonl_gz(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


# ---- the two tools ----------------------------------------------------------------------------------
class MathVerifyDirect:
    """math-verify as people call it: ``verify(parse(gold), parse(completion))``, default settings."""

    def __init__(self) -> None:
        import math_verify

        logging.getLogger("math_verify").setLevel(logging.CRITICAL)
        self.parse, self.verify = math_verify.parse, math_verify.verify

    def clear_caches(self) -> None:
        """Forget sympy's and math-verify's caches (a fresh start, like a freshly forked worker)."""
        import math_verify.parser
        from sympy.core.cache import clear_cache

        clear_cache()
        for value in vars(math_verify.parser).values():
            if hasattr(value, "cache_clear"):
                value.cache_clear()

    def gold(self, answer: str) -> Any:
        text = answer if ("\\boxed" in answer or "####" in answer or "$" in answer) else f"${answer}$"
        return self.parse(text)

    def check(self, completion: str, answer: Any) -> bool:
        golds = answer if isinstance(answer, list) else [answer]
        pred = self.parse(completion)
        return any(self.verify(self.gold(str(g)), pred) for g in golds)


def run_mathverify(cases: Sequence[Case], mv: MathVerifyDirect) -> tuple[list[bool | None], float, int]:
    """Verdicts (None: raised), seconds, hangs."""
    out: list[bool | None] = []
    hangs = 0
    start = time.perf_counter()
    for case in cases:
        t = time.perf_counter()
        try:
            out.append(bool(mv.check(case.completion, case.answer)))
        except Exception:
            out.append(None)
        if time.perf_counter() - t > HANG_S:
            hangs += 1
    return out, time.perf_counter() - start, hangs


def run_ours(cases: Sequence[Case], reward: MathAnswer, batch: int = 256) -> tuple[list[bool | None], float, int]:
    """Verdicts (None: no score), seconds, timeouts."""
    out: list[bool | None] = []
    timeouts = 0
    start = time.perf_counter()
    for i in range(0, len(cases), batch):
        for r in reward.score_batch([c.sample() for c in cases[i : i + batch]]):
            out.append(None if r.score is None else r.score == 1.0)
            timeouts += r.status.value == "timeout"
    return out, time.perf_counter() - start, timeouts


@dataclass
class Race:
    """Both tools timed on the same chunks, alternating which goes first (fair under a varying load)."""

    ours: list[bool | None]
    mv: list[bool | None]
    ours_s: float
    mv_s: float
    ours_timeouts: int
    mv_hangs: int


def race(cases: Sequence[Case], reward: MathAnswer, mv: MathVerifyDirect, chunk: int) -> Race:
    out = Race([], [], 0.0, 0.0, 0, 0)
    for k, i in enumerate(range(0, len(cases), chunk)):
        part = cases[i : i + chunk]
        order = ("ours", "mv") if k % 2 == 0 else ("mv", "ours")
        for tool in order:
            if tool == "ours":
                verdicts, seconds, timeouts = run_ours(part, reward, batch=chunk)
                out.ours += verdicts
                out.ours_s += seconds
                out.ours_timeouts += timeouts
            else:
                verdicts, seconds, hangs = run_mathverify(part, mv)
                out.mv += verdicts
                out.mv_s += seconds
                out.mv_hangs += hangs
    return out


def accuracy(cases: Sequence[Case], verdicts: Sequence[bool | None]) -> float:
    return sum(v is not None and v == c.expect for c, v in zip(cases, verdicts, strict=True)) / max(1, len(cases))


def paid_share(cases: Sequence[Case], verdicts: Sequence[bool | None]) -> float:
    return sum(bool(v) for v in verdicts) / max(1, len(cases))


def restart_math_pool(size: int | None) -> None:
    """Close the math pool and make the next symbolic check start one with ``size`` workers."""
    with contextlib.suppress(Exception):
        math_backend.math_pool().close()
    if size is None:
        os.environ.pop("REWARDLAB_MATH_POOL_SIZE", None)
    else:
        os.environ["REWARDLAB_MATH_POOL_SIZE"] = str(size)
    math_backend.math_pool().start()


Runner = Callable[[Sequence[Case]], tuple[list[bool | None], float, float | None]]
"""Scores a chunk of cases: verdicts, wall seconds, CPU seconds (None: not measured)."""


def race_many(cases: Sequence[Case], runners: dict[str, Runner], chunk: int) -> dict[str, dict[str, Any]]:
    """Every runner on the same chunks, the first one rotating chunk by chunk (fair under a varying load)."""
    names = list(runners)
    out: dict[str, dict[str, Any]] = {n: {"verdicts": [], "wall": 0.0, "cpu": 0.0} for n in names}
    for k, i in enumerate(range(0, len(cases), chunk)):
        part = cases[i : i + chunk]
        start = k % len(names)
        for name in names[start:] + names[:start]:
            verdicts, wall, cpu = runners[name](part)
            out[name]["verdicts"] += verdicts
            out[name]["wall"] += wall
            out[name]["cpu"] = None if cpu is None or out[name]["cpu"] is None else out[name]["cpu"] + cpu
    return out


def _process_runner(proc: RewardlabProcess, batch: int) -> Runner:
    def run(part: Sequence[Case]) -> tuple[list[bool | None], float, float | None]:
        return proc.run([c.sample() for c in part], batch)

    return run


def versions_report(cases: Sequence[Case], raced: dict[str, dict[str, Any]], trees: dict[str, str]) -> Report:
    """Per tree (old, new: each in a process of its own): accuracy, rates, ratio to math-verify's rate."""
    mv_rate = len(cases) / raced["mv"]["wall"]
    rows = {}
    for name, label in trees.items():
        r = raced[name]
        rows[name] = {
            "tree": label,
            "acc": accuracy(cases, r["verdicts"]),
            "rate": len(cases) / r["wall"],
            "cpu_us": None if r["cpu"] is None else 1e6 * r["cpu"] / len(cases),
            "vs_mv": len(cases) / r["wall"] / mv_rate,
        }
    same = raced["old"]["verdicts"] == raced["new"]["verdicts"]
    return {"rows": rows, "mv_rate": mv_rate, "same_verdicts": same, "checks": len(cases)}


def _versions(baseline: Path | None, batch: int) -> tuple[dict[str, Runner], dict[str, str], list[RewardlabProcess]]:
    if baseline is None:
        return {}, {}, []
    procs = {"old": RewardlabProcess(baseline), "new": RewardlabProcess(REPO / "src")}
    runners = {name: _process_runner(p, batch) for name, p in procs.items()}
    return runners, {name: p.label for name, p in procs.items()}, list(procs.values())


# ---- sections -----------------------------------------------------------------------------------------
Report = dict[str, Any]


def section_numeric(
    rows: list[dict[str, Any]], warm: list[dict[str, Any]], mv: MathVerifyDirect, baseline: Path | None = None
) -> Report:
    cases = gsm8k_cases(rows)
    warm_cases = gsm8k_cases(warm)
    ours = MathAnswer()
    run_ours(warm_cases, ours)
    run_mathverify(warm_cases, mv)
    if baseline is not None:
        runners, trees, procs = _versions(baseline, 256)
        try:
            for run in runners.values():
                run(warm_cases)

            counts = {"timeouts": 0, "hangs": 0}

            def ours_run(part: Sequence[Case]) -> tuple[list[bool | None], float, float | None]:
                verdicts, seconds, timeouts = run_ours(part, ours, batch=256)
                counts["timeouts"] += timeouts
                return verdicts, seconds, None

            def mv_run(part: Sequence[Case]) -> tuple[list[bool | None], float, float | None]:
                verdicts, seconds, hangs = run_mathverify(part, mv)
                counts["hangs"] += hangs
                return verdicts, seconds, None

            raced = race_many(cases, {"ours": ours_run, "mv": mv_run, **runners}, chunk=256)
        finally:
            for p in procs:
                p.close()
        r = Race(
            raced["ours"]["verdicts"],
            raced["mv"]["verdicts"],
            raced["ours"]["wall"],
            raced["mv"]["wall"],
            counts["timeouts"],
            counts["hangs"],
        )
        versions: Report | None = versions_report(cases, raced, trees)
    else:
        r = race(cases, ours, mv, chunk=256)
        versions = None
    return {
        "versions": versions,
        "questions": len(rows),
        "checks": len(cases),
        "ours_acc": accuracy(cases, r.ours),
        "mv_acc": accuracy(cases, r.mv),
        "ours_rate": len(cases) / r.ours_s,
        "mv_rate": len(cases) / r.mv_s,
        "ours_timeouts": r.ours_timeouts,
        "mv_hangs": r.mv_hangs,
        "mv_raised": sum(v is None for v in r.mv),
        "per_form": _per_form(cases, r.ours, r.mv),
    }


def _per_form(cases: Sequence[Case], o: Sequence[bool | None], m: Sequence[bool | None]) -> dict[str, tuple]:
    table: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for c, a, b in zip(cases, o, m, strict=True):
        row = table[c.category]
        row[0] += 1
        row[1] += a == c.expect
        row[2] += b == c.expect
    return {k: tuple(v) for k, v in table.items()}


def section_latex(cases: list[Case], warm: list[Case], mv: MathVerifyDirect, workers: int) -> Report:
    report: Report = {"checks": len(cases), "workers": workers, "ours_timeouts": 0, "mv_hangs": 0}
    ours = MathAnswer()
    for size in sorted({1, workers}):
        # both start each race equally warm: a fresh math pool (workers forked from its warmed-up
        # template) against math-verify with sympy's and its own caches cleared, then the same warm-up
        restart_math_pool(size)
        mv.clear_caches()
        run_ours(warm, ours)
        run_mathverify(warm, mv)
        # math-verify is timed again in each race, on the same chunks, so each ratio is like for like
        r = race(cases, ours, mv, chunk=8 * size)
        report[f"ours_rate_{size}"] = len(cases) / r.ours_s
        report[f"mv_rate_{size}"] = len(cases) / r.mv_s
        report["ours_acc"] = accuracy(cases, r.ours)
        report["mv_acc"] = accuracy(cases, r.mv)
        report["ours_timeouts"] += r.ours_timeouts
        report["mv_hangs"] += r.mv_hangs
    restart_math_pool(None)
    return report


def section_latex_set(cases: list[Case], warm: list[Case], chunk: int = 32, baseline: Path | None = None) -> Report:
    """rewardlab (this process, a math pool of 1 worker) against math-verify (a process of its own)."""
    mvp = MathVerifyProcess()
    procs: list[RewardlabProcess] = []
    versions: Report | None = None
    try:
        restart_math_pool(1)  # (also the pool size of the old and new trees' processes: they inherit it)
        ours = MathAnswer()
        run_ours(warm, ours)
        mvp.run([(str(c.answer), c.completion) for c in warm])
        runners, trees, procs = _versions(baseline, chunk)
        for run in runners.values():
            run(warm)
        timeouts = 0

        def ours_run(part: Sequence[Case]) -> tuple[list[bool | None], float, float | None]:
            nonlocal timeouts
            verdicts, seconds, t = run_ours(part, ours, batch=chunk)
            timeouts += t
            return verdicts, seconds, None

        def mv_run(part: Sequence[Case]) -> tuple[list[bool | None], float, float | None]:
            mverdicts, seconds = mvp.run([(str(c.answer), c.completion) for c in part])
            return mverdicts, seconds, None

        raced = race_many(cases, {"ours": ours_run, "mv": mv_run, **runners}, chunk=chunk)
        o, m = raced["ours"]["verdicts"], raced["mv"]["verdicts"]
        ours_s, mv_s = raced["ours"]["wall"], raced["mv"]["wall"]
        if runners:
            versions = versions_report(cases, raced, trees)
    finally:
        mvp.close()
        for p in procs:
            p.close()
        restart_math_pool(None)
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    by_marker: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for c, a, b in zip(cases, o, m, strict=True):
        for table, key in (
            (by_kind, c.category.split("/")[0]),
            (by_marker, "boxed" if "/boxed" in c.category else "no marker"),
        ):
            row = table[key]
            row[0] += 1
            row[1] += a == c.expect
            row[2] += b == c.expect
    negatives = [i for i, c in enumerate(cases) if not c.expect]
    return {
        "versions": versions,
        "checks": len(cases),
        "ours_acc": accuracy(cases, o),
        "mv_acc": accuracy(cases, m),
        "ours_rate": len(cases) / ours_s,
        "mv_rate": len(cases) / mv_s,
        "ours_timeouts": timeouts,
        "mv_raised": sum(v is None for v in m),
        "negatives": len(negatives),
        "ours_paid_wrong": sum(bool(o[i]) for i in negatives),
        "mv_paid_wrong": sum(bool(m[i]) for i in negatives),
        "by_kind": {k: tuple(v) for k, v in sorted(by_kind.items())},
        "by_marker": {k: tuple(v) for k, v in sorted(by_marker.items())},
    }


def latex_set_cases(seed: int, items: int) -> list[Case]:
    """The generated LaTeX set as bench cases; the category is ``kind/marker``."""
    return [
        Case(c.completion, c.answer, c.label, None, f"{c.kind}/{'boxed' if c.marker == 'boxed' else 'unmarked'}")
        for c in latex_set(seed, items)
    ]


def section_golden(golden: list[GoldenCase], mv: MathVerifyDirect) -> Report:
    cases = [Case(c.completion, c.answer, c.expect, c.prompt, c.category) for c in golden if not c.params]
    lenient_cases = [Case(c.completion, c.answer, c.lenient, c.prompt, c.category) for c in golden if not c.params]
    strict, _, s_to = run_ours(cases, MathAnswer())
    lenient, _, l_to = run_ours(lenient_cases, MathAnswer(mode="lenient"))
    m, _, m_h = run_mathverify(cases, mv)
    by_cat: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for c, lc, a, b, d in zip(cases, lenient_cases, strict, lenient, m, strict=True):
        row = by_cat[c.category]
        row[0] += 1
        row[1] += a == c.expect
        row[2] += b == lc.expect
        row[3] += d == c.expect
    # adversarial answers that must earn nothing (the adversarial files also hold a few controls that must pay)
    adversarial = [i for i, c in enumerate(cases) if c.category.startswith("adversarial") and not c.expect]
    adv_cases = [cases[i] for i in adversarial]
    return {
        "cases": len(cases),
        "left_out": len(golden) - len(cases),
        "strict_acc": accuracy(cases, strict),
        "lenient_acc": accuracy(lenient_cases, lenient),
        "mv_acc": accuracy(cases, m),
        "timeouts": s_to + l_to,
        "mv_hangs": m_h,
        "by_category": {k: tuple(v) for k, v in sorted(by_cat.items())},
        "adversarial": len(adversarial),
        "adv_paid_strict": paid_share(adv_cases, [strict[i] for i in adversarial]),
        "adv_paid_lenient": paid_share(adv_cases, [lenient[i] for i in adversarial]),
        "adv_paid_mv": paid_share(adv_cases, [m[i] for i in adversarial]),
    }


def _two_threads(fn: Callable[[Case], bool | None], cases: Sequence[Case]) -> list[bool | str | None]:
    out: list[bool | str | None] = [None] * len(cases)

    def work(offset: int) -> None:
        for i in range(offset, len(cases), 2):
            try:
                out[i] = fn(cases[i])
            except Exception as exc:
                out[i] = f"raised {type(exc).__name__}"

    threads = [threading.Thread(target=work, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def section_threads(cases: list[Case], mv: MathVerifyDirect) -> Report:
    ours = MathAnswer()

    def ours_one(c: Case) -> bool | None:
        r = ours.score(c.sample())
        return None if r.score is None else r.score == 1.0

    main_ours = [ours_one(c) for c in cases]
    main_mv = [bool(mv.check(c.completion, c.answer)) for c in cases]
    thr_ours = _two_threads(ours_one, cases)
    thr_mv = _two_threads(lambda c: bool(mv.check(c.completion, c.answer)), cases)
    mv_raised = sum(isinstance(v, str) for v in thr_mv)
    return {
        "checks": len(cases),
        "ours_differ": sum(a != b for a, b in zip(main_ours, thr_ours, strict=True)),
        "mv_differ": sum(a != b for a, b in zip(main_mv, thr_mv, strict=True)),
        "mv_raised": mv_raised,
        "mv_wrong_value": sum(not isinstance(b, str) and a != b for a, b in zip(main_mv, thr_mv, strict=True)),
        "mv_error": next((v for v in thr_mv if isinstance(v, str)), None),
        "ours_acc_threads": accuracy(cases, [v if not isinstance(v, str) else None for v in thr_ours]),
        "mv_acc_threads": accuracy(cases, [v if not isinstance(v, str) else None for v in thr_mv]),
    }


PATHOLOGICAL = [
    (r"\boxed{9^{9^{9^{9}}}}", "9^{9^{9}}"),
    (r"\boxed{2^{2^{2^{2^{2^{2}}}}}}", "2^{65536}"),
    (r"\boxed{9^{9^{9^{9}}}}", "5"),
]


def section_pathological(mv: MathVerifyDirect, timeout_s: float) -> Report:
    rows = []
    ours = MathAnswer(mode="lenient", timeout_s=timeout_s)
    for completion, answer in PATHOLOGICAL:
        t = time.perf_counter()
        r = ours.score({"completion": completion, "answer": answer})
        ours_s = time.perf_counter() - t
        t = time.perf_counter()
        try:
            mv_out: Any = mv.check(completion, answer)
        except Exception as exc:
            mv_out = type(exc).__name__
        mv_s = time.perf_counter() - t
        rows.append((completion, answer, r.status.value, ours_s, str(mv_out), mv_s))
    return {"rows": rows, "timeout_s": timeout_s}


# ---- output -----------------------------------------------------------------------------------------
def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, load average {load:.1f} at start"


def contention_note() -> str:
    """Why a worker pool may not speed up here: a shared machine with autogroup scheduling."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    try:
        autogroup = Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() == "1"
    except OSError:
        autogroup = False
    if not autogroup or load <= (os.cpu_count() or 1):
        return ""
    return (
        f"The machine was shared (load average {load:.1f} on {os.cpu_count()} CPUs) and Linux autogroup "
        "scheduling is on: the pool's workers (their own session) share one CPU share against the other "
        "sessions, so its parallelism cannot show in these figures.  "
    )


def render(results: Report, command: str) -> str:
    lines = [
        f"## math: `math` reward vs math-verify ({results['date']})",
        "",
        f"Command: `{command}`  ",
        f"Machine: {results['machine']}  ",
        f"math-verify {results['mv_version']}; rewardlab strict mode unless said otherwise.",
        "",
        "| set | checks | rewardlab acc. | math-verify acc. | rewardlab checks/s | math-verify checks/s | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    if "numeric" in results:
        n = results["numeric"]
        lines.append(
            f"| GSM8K numeric forms ({n['questions']} questions) | {n['checks']} | {n['ours_acc']:.1%} | "
            f"{n['mv_acc']:.1%} | {n['ours_rate']:,.0f} | {n['mv_rate']:,.0f} | "
            f"**{n['ours_rate'] / n['mv_rate']:.1f}x** |"
        )
    if "latex_set" in results:
        ls = results["latex_set"]
        lines.append(
            f"| LaTeX set: generated closed forms, intervals, sets, tuples, matrices, equations at the end of long "
            f"solutions, boxed / no marker (one process each) | {ls['checks']} | {ls['ours_acc']:.1%} | "
            f"{ls['mv_acc']:.1%} | {ls['ours_rate']:,.1f} | {ls['mv_rate']:,.1f} | "
            f"**{ls['ours_rate'] / ls['mv_rate']:.1f}x** |"
        )
    if "latex" in results:
        lines += _render_latex_mix(results["latex"])
    if "golden" in results:
        g = results["golden"]
        lines.append(
            f"| golden cases (all categories; {g['left_out']} with per-case parameters left out) | {g['cases']} | "
            f"{g['strict_acc']:.1%} (lenient labels: {g['lenient_acc']:.1%}) | {g['mv_acc']:.1%} | | | |"
        )
    lines += [
        "",
        "Each tool is timed on the same chunks of cases, alternating which goes first, so a varying machine load "
        "falls on both. In the numeric, LaTeX mix and golden sets math-verify runs in the calling process (one "
        "core); in the LaTeX set it runs in a process of its own (main thread, timed there). rewardlab's symbolic "
        "checks run in its math worker pool (the number of workers is given; 1 for the LaTeX set), its native "
        "checks in the calling thread.  ",
        results.get("contention", ""),
    ]
    lines += _render_versions(results)
    if "latex_set" in results:
        lines += _render_latex_set(results["latex_set"])
    if {"numeric", "latex", "golden", "threads"} <= set(results):
        lines += _render_details(results)
    if "pathological" in results:
        lines += _render_pathological(results["pathological"])
    lines.append("")
    return "\n".join(lines)


def _render_versions(results: Report) -> list[str]:
    sets = [
        (title, results[key]["versions"])
        for key, title in (("numeric", "GSM8K numeric forms"), ("latex_set", "LaTeX set"))
        if key in results and results[key].get("versions")
    ]
    if not sets:
        return []
    lines = [
        "",
        "Old vs new tree in the same run (each in a process of its own, timed there; math-verify as above, on the "
        "same chunks, the first contender rotating chunk by chunk):",
        "",
        "| set | rewardlab tree | acc. | checks/s | CPU us/check | ratio to math-verify |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for title, v in sets:
        for name in ("old", "new"):
            row = v["rows"][name]
            cpu = "" if row["cpu_us"] is None else f"{row['cpu_us']:,.0f}"
            lines.append(
                f"| {title} | {name}: {row['tree']} | {row['acc']:.1%} | {row['rate']:,.1f} | {cpu} | "
                f"**{row['vs_mv']:.1f}x** |"
            )
        old, new = v["rows"]["old"], v["rows"]["new"]
        speed = new["rate"] / old["rate"]
        cpu_note = ""
        if old["cpu_us"] and new["cpu_us"]:
            cpu_note = f", CPU per check {new['cpu_us'] / old['cpu_us'] - 1:+.0%}"
        lines.append(
            f"| {title} | new / old | {'same verdicts' if v['same_verdicts'] else 'VERDICTS DIFFER'} | "
            f"{speed:.2f}x{cpu_note} | | (math-verify {v['mv_rate']:,.1f}/s) |"
        )
    return lines


def _render_latex_set(ls: Report) -> list[str]:
    lines = [
        "",
        f"LaTeX set: wrong answers paid: rewardlab **{ls['ours_paid_wrong']}** / {ls['negatives']}, math-verify "
        f"**{ls['mv_paid_wrong']}** / {ls['negatives']}; rewardlab timeouts {ls['ours_timeouts']}, math-verify "
        f"raised {ls['mv_raised']}. Right / cases by kind and marker:",
        "",
        "| LaTeX set | cases | rewardlab | math-verify |",
        "|---|---:|---:|---:|",
    ]
    for key, (total, a, b) in [*ls["by_kind"].items(), *ls["by_marker"].items()]:
        lines.append(f"| {key} | {total} | {a} | {b} |")
    return lines


def _render_latex_mix(lx: Report) -> list[str]:
    lines = [
        f"| LaTeX mix in long outputs, 1 worker | {lx['checks']} | {lx['ours_acc']:.1%} | {lx['mv_acc']:.1%} | "
        f"{lx['ours_rate_1']:,.1f} | {lx['mv_rate_1']:,.1f} | {lx['ours_rate_1'] / lx['mv_rate_1']:.2f}x |",
    ]
    if lx["workers"] > 1:
        w = lx["workers"]
        lines.append(
            f"| LaTeX mix in long outputs, {w} workers | {lx['checks']} | {lx['ours_acc']:.1%} | {lx['mv_acc']:.1%} | "
            f"{lx[f'ours_rate_{w}']:,.1f} | {lx[f'mv_rate_{w}']:,.1f} | "
            f"{lx[f'ours_rate_{w}'] / lx[f'mv_rate_{w}']:.2f}x |"
        )
    return lines


def _render_details(results: Report) -> list[str]:
    n, lx, g, th = (results[k] for k in ("numeric", "latex", "golden", "threads"))
    lines = [
        "",
        f"Hangs (a check over {HANG_S:g} s) on these sets: rewardlab 0 (every symbolic check is killed at its "
        f"`timeout_s`; checks that reached it: {n['ours_timeouts'] + lx['ours_timeouts'] + g['timeouts']}), "
        f"math-verify {n['mv_hangs'] + lx['mv_hangs'] + g['mv_hangs']}.  ",
        f"Adversarial golden answers that must earn nothing ({g['adversarial']} cases), share paid: rewardlab strict "
        f"**{g['adv_paid_strict']:.1%}**, lenient {g['adv_paid_lenient']:.1%} (by design: look-alike digits "
        "folded, the last answer after a self-correction), "
        f"math-verify **{g['adv_paid_mv']:.1%}**.  ",
        f"Two threads, default settings ({th['checks']} checks): rewardlab answers differing from its main-thread "
        f"answers: **{th['ours_differ']}**; math-verify: **{th['mv_differ']}** ({th['mv_raised']} raised, "
        f"{th['mv_wrong_value']} returned a different value; accuracy {th['mv_acc_threads']:.1%} vs rewardlab "
        f"{th['ours_acc_threads']:.1%}).",
        "",
        "Accuracy per golden category (right / cases):",
        "",
        "| category | cases | rewardlab strict | rewardlab lenient | math-verify |",
        "|---|---:|---:|---:|---:|",
    ]
    for cat, (total, s, le, m) in g["by_category"].items():
        lines.append(f"| {cat} | {total} | {s} | {le} | {m} |")
    return lines


def _render_pathological(p: Report) -> list[str]:
    lines = [
        "",
        f"Pathological inputs (rewardlab lenient, timeout_s={p['timeout_s']:g}; math-verify main thread, its 5 s "
        "signal timeouts):",
        "",
        "| completion | answer | rewardlab | s | math-verify | s |",
        "|---|---|---|---:|---|---:|",
    ]
    for completion, answer, status, ours_s, mv_out, mv_s in p["rows"]:
        lines.append(f"| `{completion}` | `{answer}` | {status} | {ours_s:.1f} | {mv_out} | {mv_s:.1f} |")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer questions (about a minute)")
    parser.add_argument("--record", action="store_true", help="append the figures to benchmarks/RESULTS.md")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with gsm8k_test.jsonl.gz")
    parser.add_argument("--questions", type=int, default=None, help="GSM8K questions for the numeric set")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--only",
        help=f"comma-separated sections to run (default all): {', '.join(SECTIONS)}",
    )
    parser.add_argument(
        "--latex-items", type=int, default=None, help="values per kind in the LaTeX set (default 8, --quick 3)"
    )
    parser.add_argument(
        "--baseline-src",
        type=Path,
        default=None,
        help="also time the rewardlab under this src folder (an older commit's: git worktree add --detach /tmp/old "
        "COMMIT) and this tree's, each in a process of its own, in the numeric and LaTeX-set races",
    )
    args = parser.parse_args(argv)
    only = set(SECTIONS) if not args.only else set(args.only.split(","))
    if only - set(SECTIONS):
        parser.error(
            f"--only: unknown section(s) {', '.join(sorted(only - set(SECTIONS)))}; expected {', '.join(SECTIONS)}"
        )
    if not (args.data / "gsm8k_test.jsonl.gz").exists():
        print(f"GSM8K data not found in {args.data} (set --data or REWARDLAB_SHARED_DATA)", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    test = read_jsonl_gz(args.data / "gsm8k_test.jsonl.gz")
    n_questions = args.questions or (150 if args.quick else len(test))
    golden = load_cases()
    mv = MathVerifyDirect()
    workers = os.cpu_count() or 1
    results: Report = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "mv_version": _version("math-verify"),
    }

    def step(name: str, fn: Callable[[], Report]) -> Report:
        print(f"[{name}] ...", file=sys.stderr, flush=True)
        t = time.perf_counter()
        out = fn()
        print(f"[{name}] done in {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
        return out

    warm_rows = test[-10:]
    if "numeric" in only:
        results["numeric"] = step(
            "numeric", lambda: section_numeric(test[:n_questions], warm_rows, mv, args.baseline_src)
        )
    # the warm-up the math pool's template runs, given to math-verify too
    warm_mix = [Case(f"\\boxed{{{a}}}", r, True) for a, r in WARMUP_PAIRS]
    if "latex_set" in only:
        items = args.latex_items or (3 if args.quick else 8)
        set_cases = latex_set_cases(args.seed, items)
        # warmed up on other values of the same kinds (another seed), so neither tool times a cold start
        set_warm = warm_mix + latex_set_cases(args.seed + 1000, 1)[:: max(1, len(LATEX_KINDS) // 8)]
        results["latex_set"] = step(
            "latex set", lambda: section_latex_set(set_cases, set_warm, baseline=args.baseline_src)
        )
    mix = latex_mix(golden, test, rng)
    if args.quick:
        mix = mix[::3]
    if "latex" in only:
        results["latex"] = step("latex mix", lambda: section_latex(mix, warm_mix, mv, workers))
    if "golden" in only:
        results["golden"] = step("golden", lambda: section_golden(golden, mv))
    if "threads" in only:
        thread_cases = gsm8k_cases(test[n_questions - 20 : n_questions])[:200] + mix[:40]
        results["threads"] = step("threads", lambda: section_threads(thread_cases, mv))
    if "pathological" in only:
        results["pathological"] = step("pathological", lambda: section_pathological(mv, 2.0))
    results["contention"] = contention_note()

    command = "python benchmarks/bench_math.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = render(results, command.strip())
    print(text)
    if args.record:
        path = HERE / "RESULTS.md"
        with path.open("a", encoding="utf-8") as f:
            f.write("\n" + text)
        print(f"appended to {path}", file=sys.stderr)
    return 0


def _version(dist: str) -> str:
    from importlib.metadata import version

    try:
        return version(dist)
    except Exception:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
