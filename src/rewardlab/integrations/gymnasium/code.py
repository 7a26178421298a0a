"""``reward_code``: a reward function written as Python source (by a language model, say), run only
in rewardlab's code sandbox, over many transitions per call.

The code defines ``compute_reward(obs, action, next_obs, env_reward, terminated, truncated,
info)`` (it may take fewer of these names, or ``**kwargs``) returning a number, or a pair
``(number, {component: number})`` as in Eureka. Observations arrive as lists of floats, ``info``
with its plain values only (numbers, strings, booleans and lists of them). The program is
untrusted: it runs in a sandboxed process (:mod:`rewardlab.execution.sandbox`, the same one the
``code`` verifier uses, with its ``min_isolation``), its answers are decoded by the restricted
codec and checked here (finite numbers, components by name). A batch of transitions is one call;
a program that raises on a transition fails that transition, one that hangs past ``timeout_s``
fails the batch with status ``timeout`` and is restarted for the next batch.

Before anything runs, :func:`~rewardlab.integrations.gymnasium.screen.escape_attempts` reads the
code; with ``screen: refuse`` (the default) code that imports ``os``, opens files or reaches for
dunder attributes is refused without running.

>>> r = RewardCode(code="def compute_reward(next_obs, env_reward, **kw):\\n    return env_reward - abs(next_obs[0])\\n",
...                min_isolation="rlimits-only")
>>> r.score({"obs": [0.0], "action": 0, "next_obs": [0.5], "reward": 1.0, "terminated": False}).score
0.5
>>> r.close()
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field, PrivateAttr, model_validator

from ...core.context import ScoreContext
from ...core.errors import RewardTimeout
from ...core.example import Example
from ...core.registry import register
from ...core.result import RewardResult
from ...core.reward import Outcome, Reward
from ...core.sample import Sample
from .screen import escape_attempts

__all__ = ["HARNESS", "RewardCode", "plain"]

# Appended to the program: calls the reward function on every row of a batch, one answer per row.
HARNESS = """

def _rewardlab_batch(rows):
    fn = compute_reward
    code = getattr(fn, "__code__", None)
    takes_all = code is None or bool(code.co_flags & 0x08)
    names = () if takes_all else code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    out = []
    for row in rows:
        args = row if takes_all else {k: v for k, v in row.items() if k in names}
        try:
            out.append(("ok", fn(**args)))
        except Exception as exc:
            out.append(("error", type(exc).__name__ + ": " + str(exc)[:300]))
    return out
"""
_FIELDS = ("obs", "action", "next_obs", "env_reward", "terminated", "truncated", "info")
MinIsolation = Literal["bwrap", "netns", "rlimits-only"]


def plain(value: Any, depth: int = 0) -> Any:
    """``value`` as plain data for a program: arrays and numpy numbers as lists and floats, dicts
    and lists walked, anything else (objects, functions) left out as ``None``.

    >>> plain({"a": np.array([1, 2]), "b": object(), "c": [np.float32(0.5), "x"]})
    {'a': [1, 2], 'b': None, 'c': [0.5, 'x']}
    """
    if depth > 8:
        return None
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {str(k): plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, depth + 1) for v in value]
    return None


@register("reward_code", family="agents")
class RewardCode(Reward):
    """A reward function given as Python source (``code`` or ``path``), run in the sandbox over transitions.

    >>> RewardCode(code="def compute_reward(**kw):\\n    return 1.0\\n").function
    'compute_reward'
    """

    family: ClassVar[str] = "agents"
    example: ClassVar[Example] = Example(
        sample={"obs": [0.0], "action": 0, "next_obs": [0.5], "reward": 1.0, "terminated": False},
        params={
            "code": "def compute_reward(next_obs, env_reward, **kw):\n    return env_reward - abs(next_obs[0])\n",
            "min_isolation": "rlimits-only",
        },
        score=0.5,
    )

    code: str | None = Field(default=None, description="The program's source (give it or 'path').")
    path: str | None = Field(default=None, description="A file holding the program's source.")
    function: str = Field(default="compute_reward", description="Name of the reward function in the program.")
    timeout_s: float = Field(default=5.0, gt=0, description="Seconds one batch call may take.")
    load_timeout_s: float = Field(default=10.0, gt=0, description="Seconds the program's top-level code may take.")
    memory_mb: int = Field(default=512, ge=32, description="Memory of the program's processes together.")
    isolation: Literal["auto", "bwrap", "netns", "rlimits-only"] = Field(
        default="auto", description="Sandbox isolation to ask for (auto: the strongest available)."
    )
    min_isolation: MinIsolation = Field(
        default="netns", description="Refuse to run the program under weaker isolation than this."
    )
    packages: list[str] = Field(
        default_factory=list, description="Installed packages the program may import under bubblewrap (numpy)."
    )
    screen: Literal["refuse", "off"] = Field(
        default="refuse", description="'refuse': code that tries to escape (see the screen) is not run at all."
    )

    _session: Any = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _source: str | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _one_source(self) -> RewardCode:
        if (self.code is None) == (self.path is None):
            raise ValueError("give exactly one of 'code' (the program's source) and 'path' (a file holding it)")
        if not self.function.isidentifier():
            raise ValueError(f"function: {self.function!r} is not a Python name")
        return self

    @classmethod
    def _transient_private_attrs(cls) -> tuple[str, ...]:
        return ("_session", "_lock")

    # ---- the program ----------------------------------------------------------------------
    @property
    def source(self) -> str:
        """The program's source text."""
        if self._source is None:
            self._source = self.code if self.code is not None else Path(self.path or "").read_text(encoding="utf-8")
        return self._source

    def escape_attempts(self) -> list[str]:
        """What the static screen finds in the code (see :mod:`.screen`)."""
        return escape_attempts(self.source)

    def _program(self) -> str:
        body = self.source
        if self.function != "compute_reward":
            body += f"\n\ncompute_reward = {self.function}\n"
        return body + HARNESS

    def _start(self) -> Any:
        from ...execution.sandbox import SandboxLimits
        from ...execution.sandbox.remote import ProgramSession
        from ...verifiers.code.checker import _RANK, effective_isolation, get_sandbox

        sandbox = get_sandbox(self.isolation, tuple(self.packages))
        level = effective_isolation(sandbox)
        if _RANK[level] < _RANK[self.min_isolation]:
            raise RuntimeError(
                f"the strongest sandbox isolation available here is {level!r}, below min_isolation="
                f"{self.min_isolation!r}; install bubblewrap, run as root for network namespaces, or lower "
                "min_isolation for code you trust"
            )
        limits = SandboxLimits(cpu_seconds=max(10.0, 4 * self.timeout_s), memory_mb=self.memory_mb)
        session = ProgramSession(
            sandbox,
            self._program(),
            limits,
            module="reward",
            load_timeout=self.load_timeout_s,
            call_timeout=self.timeout_s,
        )
        session.start()
        return session

    def close(self) -> None:
        """Stop the program's process (a later score starts a fresh one)."""
        with self._lock:
            if self._session is not None:
                self._session.stop()
                self._session = None

    # ---- scoring ---------------------------------------------------------------------------
    def _score_batch(self, samples: list[Sample], ctx: ScoreContext) -> Sequence[Outcome]:
        from ...execution.sandbox import ProgramFault, ProgramLoadError, ProgramTimeout

        if self.screen == "refuse":
            found = self.escape_attempts()
            if found:
                error = PermissionError("refused without running: the code tries to escape: " + "; ".join(found[:5]))
                return [error] * len(samples)
        rows = [self._row(s) for s in samples]
        with self._lock:
            try:
                if self._session is None or not self._session.running:
                    self._session = self._start()
                answers = self._session.function("_rewardlab_batch")(rows)
            except ProgramLoadError as exc:
                self._session = None
                if exc.kind == "timeout":
                    return [RewardTimeout(f"the reward program did not load: {exc}")] * len(samples)
                return [RuntimeError(f"the reward program did not load: {exc}")] * len(samples)
            except ProgramTimeout:
                self._session = None
                return [RewardTimeout(f"the reward program did not answer within {self.timeout_s:g} s")] * len(samples)
            except ProgramFault as exc:
                self._session = None
                return [RuntimeError(f"the reward program failed: {type(exc).__name__}: {exc}")] * len(samples)
            except Exception as exc:  # the harness itself raised (the program broke it)
                return [RuntimeError(f"the reward program failed: {type(exc).__name__}: {exc}")] * len(samples)
        if type(answers) is not list or len(answers) != len(samples):
            return [RuntimeError("the reward program answered a batch with the wrong number of results")] * len(samples)
        return [self._answer(a) for a in answers]

    @staticmethod
    def _row(sample: Sample) -> dict[str, Any]:
        values = {
            "obs": sample.get("obs"),
            "action": sample.get("action"),
            "next_obs": sample.get("next_obs"),
            "env_reward": sample.get("reward"),
            "terminated": bool(sample.get("terminated", False)),
            "truncated": bool(sample.get("truncated", False)),
            "info": sample.get("info", {}),
        }
        return {k: plain(values[k]) for k in _FIELDS}

    def _answer(self, answer: Any) -> Outcome:
        if type(answer) is not tuple or len(answer) != 2:
            return RuntimeError("the reward program sent a malformed answer")
        tag, value = answer
        if tag == "error":
            return RuntimeError(f"compute_reward raised {str(value)[:300]}")
        components: dict[str, float | None] = {}
        if type(value) is tuple and len(value) == 2 and type(value[1]) is dict:
            value, parts = value
            for key, part in parts.items():
                number = _number(part)
                if type(key) is not str or number is None:
                    return ValueError(f"component {str(key)[:40]!r} is not a finite number: {str(part)[:40]}")
                components[f"{self.label}.{key}"] = number
        number = _number(value)
        if number is None:
            return ValueError(f"compute_reward returned {str(value)[:60]}, not a finite number")
        components[self.label] = number
        return RewardResult.ok(number, components=components)


def _number(value: Any) -> float | None:
    if type(value) is bool or type(value) not in (int, float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None
