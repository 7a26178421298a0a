"""Run probe sets against verifiers, each in a worker process with a time limit, and check health.

For each verifier: score the correct and the wrong base completions (the correct one must
outscore the wrong one, or the probe set does not fit the configuration: "broken"); then for
each probe, score it within ``timeout_s``; a probe pays when it scores above its ceiling. After
every probe the system must still be healthy: the worker answered in time and is alive, the
correct completion still scores what it did, and the probe set's own checks hold (e.g. the SQL
database file is unchanged). A worker that hangs or dies is killed with its whole process
group and replaced, and the probe is reported unhealthy.

``isolation="inline"`` scores in this process, in a thread with the same time limit: faster
to start, but a probe that kills its process would kill the runner; use it for verifiers that
run no untrusted code.
"""

from __future__ import annotations

import contextlib
import json
import math
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from ...core.registry import get_reward_class
from ...core.reward import Reward
from ...core.spec import build_reward
from .catalog import DEFAULT_CONFIGS, build_probe_set
from .probe import CORRECT, WRONG, Probe, ProbeSet, Unprobeable
from .report import ProbeOutcome, StressReport, VerifierReport

__all__ = ["StressTarget", "default_targets", "run_stress", "targets_from_reward"]

Isolation = Literal["process", "inline"]
STARTUP_LIMIT_S = 120.0
_COMMON = ("name", "weight", "on_error")


@dataclass
class StressTarget:
    """A verifier to probe: its label, registered type and spec node; or why it is skipped."""

    label: str
    kind: str
    node: dict[str, Any]
    skip: str | None = None
    imports: tuple[str, ...] = ()  # modules the worker imports first (rewards registered outside rewardlab)


# ---- choosing targets ------------------------------------------------------------------------
def _config(node: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in node.items() if k not in _COMMON}


def _label(kind: str, reward: Reward | None, node: dict[str, Any]) -> str:
    minimal = reward.to_spec(minimal=True) if reward is not None else node
    params = {k: v for k, v in minimal.items() if k not in ("type", *_COMMON)}
    shown = ", ".join(f"{k}={v}" for k, v in params.items() if not isinstance(v, (dict, list)) or len(str(v)) < 40)
    name = reward.name if reward is not None and reward.name and reward.name != kind else None
    text = f"{kind}({shown})" if shown else kind
    return f"{name}: {text}" if name else text


def _is_builtin_verifier(reward: Reward) -> bool:
    return type(reward).family == "verifier" and type(reward).__module__.startswith("rewardlab.")


def targets_from_reward(root: Reward) -> list[StressTarget]:
    """Every verifier in a reward tree (built-in ones probed, others listed as skipped), deduplicated."""
    out: list[StressTarget] = []
    seen: set[str] = set()
    for reward in root.walk():
        if reward.sub_rewards() or type(reward).family != "verifier":
            continue
        node = reward.to_spec()
        key = json.dumps(_config(node), sort_keys=True, default=str)
        if key in seen:
            continue
        seen.add(key)
        kind = reward.type_name or type(reward).__name__
        skip = None if _is_builtin_verifier(reward) else "not a built-in verifier (no probe set)"
        out.append(StressTarget(label=_label(kind, reward, node), kind=kind, node=node, skip=skip))
    return out


def default_targets(kinds: list[str] | None = None) -> list[StressTarget]:
    """The built-in verifiers in their default configurations; unregistered ones are skipped with a message."""
    out = []
    for config in DEFAULT_CONFIGS:
        kind = config["type"]
        if kinds and kind not in kinds:
            continue
        try:
            get_reward_class(kind)
        except Exception:
            out.append(
                StressTarget(label=kind, kind=kind, node=config, skip=f"reward '{kind}' is not registered (yet)")
            )
            continue
        reward = build_reward(dict(config))
        out.append(StressTarget(label=_label(kind, reward, config), kind=kind, node=reward.to_spec()))
    return out


# ---- scoring with a time limit -----------------------------------------------------------------
@dataclass
class Reply:
    result: dict[str, Any] | None
    state: str  # "ok", "error" (the reward raised), "hung", "crashed"
    problem: str | None
    seconds: float


class ProcessScorer:
    """A verifier in its own worker process (spawned, in its own process group)."""

    def __init__(self, node: dict[str, Any], imports: tuple[str, ...] = ()) -> None:
        self.node = node
        self.imports = imports
        self._proc: Any = None
        self._conn: Any = None

    def start(self) -> str | None:
        from .worker import worker_main

        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        self._proc = ctx.Process(
            target=worker_main, args=(child, self.node, self.imports), name="rewardlab-stress-worker"
        )
        self._proc.start()
        child.close()
        self._conn = parent
        if not parent.poll(STARTUP_LIMIT_S):
            self.kill()
            return f"the worker did not start within {STARTUP_LIMIT_S:g}s"
        try:
            kind, payload = parent.recv()
        except (EOFError, OSError):
            return f"the worker died while starting ({self._exit_description()})"
        if kind != "ready":
            self.kill()
            return str(payload)
        return None

    def _exit_description(self) -> str:
        if self._proc is None:
            return "not started"
        self._proc.join(timeout=2)
        code = self._proc.exitcode
        if code is None:
            return "still running"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit code {code}"

    def score(self, sample: dict[str, Any], timeout_s: float) -> Reply:
        if self._proc is None or not self._proc.is_alive():
            problem = self.start()
            if problem is not None:
                return Reply(None, "crashed", problem, 0.0)
        started = time.perf_counter()
        try:
            self._conn.send(("score", sample))
            if not self._conn.poll(timeout_s):
                self.kill()
                return Reply(
                    None,
                    "hung",
                    f"no result within {timeout_s:g}s: the worker was killed and replaced",
                    time.perf_counter() - started,
                )
            kind, payload = self._conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            seconds = time.perf_counter() - started
            description = self._exit_description()
            self.kill()
            return Reply(None, "crashed", f"the worker process died ({description}) and was replaced", seconds)
        seconds = time.perf_counter() - started
        if kind == "ok":
            return Reply(payload, "ok", None, seconds)
        return Reply(None, "error", str(payload), seconds)

    def kill(self) -> None:
        proc, self._proc = self._proc, None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if proc is None:
            return
        _kill_group(proc.pid)
        proc.join(timeout=5)

    def close(self) -> None:
        proc = self._proc
        if proc is not None and proc.is_alive() and self._conn is not None:
            try:
                self._conn.send(("stop", None))
                proc.join(timeout=5)
            except (OSError, BrokenPipeError):
                pass
        if proc is not None:
            _kill_group(proc.pid)  # whatever the worker started and left behind
            proc.join(timeout=5)
        self._proc = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _kill_group(pid: int) -> None:
    if hasattr(os, "killpg"):
        try:
            os.killpg(pid, signal.SIGKILL)
            return
        except (ProcessLookupError, PermissionError):
            pass
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)


class InlineScorer:
    """A verifier in this process; each call runs in a daemon thread bounded by the time limit."""

    def __init__(self, node: dict[str, Any]) -> None:
        self.node = node
        self._reward: Reward | None = None

    def start(self) -> str | None:
        try:
            self._reward = build_reward(dict(self.node))
        except Exception as exc:
            return f"cannot build the reward: {type(exc).__name__}: {exc}"
        return None

    def score(self, sample: dict[str, Any], timeout_s: float) -> Reply:
        if self._reward is None:
            problem = self.start()
            if problem is not None:
                return Reply(None, "crashed", problem, 0.0)
        reward = self._reward
        box: dict[str, Any] = {}

        def work() -> None:
            try:
                box["result"] = reward.score(sample).to_json_dict()  # type: ignore[union-attr]
            except BaseException as exc:
                box["error"] = f"{type(exc).__name__}: {exc}"

        started = time.perf_counter()
        thread = threading.Thread(target=work, name="rewardlab-stress-probe", daemon=True)
        thread.start()
        thread.join(timeout_s)
        seconds = time.perf_counter() - started
        if thread.is_alive():
            self._reward = None  # a fresh instance for the next probe; the stuck thread is abandoned
            return Reply(None, "hung", f"no result within {timeout_s:g}s (the thread is still running)", seconds)
        if "error" in box:
            return Reply(None, "error", box["error"], seconds)
        return Reply(box["result"], "ok", None, seconds)

    def close(self) -> None:
        self._reward = None


# ---- running ----------------------------------------------------------------------------------
def _preview(completion: Any, width: int = 40) -> str:
    text = completion if isinstance(completion, str) else json.dumps(completion, default=str)
    shown = text[:width].replace("\n", "\\n").replace("\t", "\\t")
    shown = "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in shown)
    if len(text) > width:
        shown += f"… ({len(text):,} chars)"
    return shown or "(empty)"


def _score_of(reply: Reply) -> float | None:
    if reply.result is None:
        return None
    score = reply.result.get("score")
    return float(score) if score is not None else None


def _reason(reply: Reply) -> str | None:
    if reply.result is None:
        return reply.problem
    if reply.result.get("error"):
        return str(reply.result["error"])
    reason = (reply.result.get("info") or {}).get("reason")
    return str(reason) if reason is not None else None


def _same(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def probe_verifier(
    target: StressTarget,
    *,
    timeout_s: float = 30.0,
    isolation: Isolation = "process",
    on_probe: Callable[[str, str], None] | None = None,
) -> VerifierReport:
    """Run one verifier's probe set and report every probe."""
    report = VerifierReport(label=target.label, kind=target.kind, config=_config(target.node), state="probed")
    if target.skip is not None:
        report.state, report.message = "skipped", target.skip
        return report
    try:
        probe_set = build_probe_set(target.kind, build_reward(dict(target.node)))
    except Unprobeable as exc:
        report.state, report.message = "skipped", f"cannot be probed: {exc}"
        return report
    scorer: ProcessScorer | InlineScorer = (
        ProcessScorer(target.node, target.imports) if isolation == "process" else InlineScorer(target.node)
    )
    try:
        _run_probes(report, probe_set, scorer, timeout_s, on_probe)
    finally:
        scorer.close()
        probe_set.close()
    return report


def _run_probes(
    report: VerifierReport,
    probe_set: ProbeSet,
    scorer: ProcessScorer | InlineScorer,
    timeout_s: float,
    on_probe: Callable[[str, str], None] | None,
) -> None:
    report.notes.extend(probe_set.notes)
    if probe_set.time_limit_s is not None and probe_set.time_limit_s > timeout_s:
        report.notes.append(
            f"time limit per probe raised to {probe_set.time_limit_s:g}s: the verifier's own limits allow that long"
        )
        timeout_s = probe_set.time_limit_s
    problem = scorer.start()
    if problem is not None:
        report.state, report.message = "broken", problem
        return
    warmup = max(timeout_s, STARTUP_LIMIT_S)
    correct = scorer.score(probe_set.sample(probe_set.correct), warmup)
    wrong = scorer.score(probe_set.sample(probe_set.wrong), warmup)
    report.correct_score, report.wrong_score = _score_of(correct), _score_of(wrong)
    if report.correct_score is None or report.wrong_score is None:
        bad = correct if report.correct_score is None else wrong
        which = "correct" if bad is correct else "wrong"
        report.state = "broken"
        report.message = f"the {which} base completion got no score ({bad.state}: {_reason(bad)})"
        return
    if report.correct_score <= report.wrong_score:
        report.state = "broken"
        report.message = (
            f"the correct base completion scores {report.correct_score:g}, not above the wrong one "
            f"({report.wrong_score:g}): the verifier rejects a right answer, or the probe set does not fit its "
            f"configuration ({_reason(correct)})"
        )
        return
    ceilings: dict[str, float | None] = {}
    for probe in probe_set.probes:
        if on_probe is not None:
            on_probe(report.label, probe.name)
        report.outcomes.append(_run_probe(probe, probe_set, scorer, timeout_s, report, ceilings))


def _ceiling(
    probe: Probe, probe_set: ProbeSet, scorer: Any, timeout_s: float, report: VerifierReport, cache: dict
) -> tuple[float | None, str]:
    if probe.ceiling == WRONG:
        return report.wrong_score, "wrong answer"
    if probe.ceiling == CORRECT:
        return report.correct_score, "correct answer (health only)"
    if probe.ceiling not in cache:
        cache[probe.ceiling] = _score_of(scorer.score(probe_set.sample(probe.ceiling, probe.fields), timeout_s))
    return cache[probe.ceiling], "the same text without the trick"


def _run_probe(
    probe: Probe, probe_set: ProbeSet, scorer: Any, timeout_s: float, report: VerifierReport, cache: dict
) -> ProbeOutcome:
    ceiling, ceiling_kind = _ceiling(probe, probe_set, scorer, timeout_s, report, cache)
    reply = scorer.score(probe_set.sample(probe.completion, probe.fields), timeout_s)
    health: list[str] = []
    if reply.state in ("hung", "crashed"):
        health.append(reply.problem or reply.state)
    after = scorer.score(probe_set.sample(probe_set.correct), max(timeout_s, STARTUP_LIMIT_S))
    if not _same(_score_of(after), report.correct_score):
        health.append(
            f"after this probe the correct answer scores {_score_of(after)} instead of {report.correct_score:g}"
            + (f" ({_reason(after)})" if _reason(after) else "")
        )
    health.extend(probe_set.check_health())
    status = str(reply.result.get("status")) if reply.result is not None else reply.state
    return ProbeOutcome(
        probe=probe.name,
        attack=probe.attack,
        description=probe.description,
        preview=_preview(probe.completion),
        score=_score_of(reply),
        status=status,
        reason=_reason(reply),
        ceiling=ceiling,
        ceiling_kind=ceiling_kind,
        seconds=reply.seconds,
        health=health,
    )


def run_stress(
    targets: list[StressTarget],
    *,
    timeout_s: float = 30.0,
    isolation: Isolation = "process",
    on_probe: Callable[[str, str], None] | None = None,
) -> StressReport:
    """Probe every target; the report's ``passed`` is the verdict."""
    started = time.perf_counter()
    reports = [probe_verifier(t, timeout_s=timeout_s, isolation=isolation, on_probe=on_probe) for t in targets]
    return StressReport(
        verifiers=reports, timeout_s=timeout_s, isolation=isolation, seconds=time.perf_counter() - started
    )
