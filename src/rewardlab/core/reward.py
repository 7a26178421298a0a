"""The reward base class: batch scoring, error policy, latency, stats, async, spec export.

A reward is a pydantic model: its fields are its parameters (validated, with field paths in
errors, listed by ``rewardlab list``), and it is frozen once built. Runtime state (loaded
models, counters) lives in private attributes. A subclass implements **one** of

- ``_score_one(sample, ctx)`` -- score a single sample (the base loops over the batch), or
- ``_score_batch(samples, ctx)`` -- score the whole batch at once (model rewards),

returning for each sample a float, ``None`` (does not apply), a :class:`RewardResult`, or an
exception instance. The base turns those into results, applies the error policy, times the
call and counts the outcome. One sample's failure never loses the others' results.

>>> from rewardlab.core.reward import Reward
>>> class Shout(Reward):
...     '''1.0 when the completion is upper case.'''
...     def _score_one(self, sample, ctx):
...         return float(sample.completion_text.isupper())
>>> [r.score for r in Shout().score_batch([{"completion": "HI"}, {"completion": "hi"}])]
[1.0, 0.0]
>>> Shout(name="loud").score({"completion": "HEY"}).components
{'loud': 1.0}
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from .context import DEFAULT_CONTEXT, ScoreContext
from .errors import NotApplicable, RewardFailed, RewardTimeout
from .example import Example
from .policy import ErrorPolicy
from .result import RewardResult
from .sample import Sample, coerce_each
from .stats import RewardStats

__all__ = ["Outcome", "Reward", "prepare_each"]

T = TypeVar("T")


class InvalidSample(ValueError):
    """A batch item that is not a valid sample (the message names the field)."""


Outcome = float | int | RewardResult | None | BaseException


class Reward(BaseModel):
    """Base class of every reward, leaf or composed."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        arbitrary_types_allowed=True,
        protected_namespaces=(),
        validate_default=False,
    )

    # Set by @register: the name used in specs and on the command line.
    type_name: ClassVar[str] = ""
    # Family shown by `rewardlab list` (verifier, combinator, transform, normalization, model, ...).
    family: ClassVar[str] = "other"
    # True when one sample's score depends on the other samples of the batch (group statistics).
    batch_dependent: ClassVar[bool] = False
    # Sample fields the reward reads (shown by `rewardlab list`; see also :meth:`sample_fields`).
    reads: ClassVar[tuple[str, ...]] = ()
    # One sample this reward scores and how to build it for it: every registered reward declares
    # one, and the test over every registered reward checks it (see rewardlab.core.example).
    example: ClassVar[Example | None] = None
    # Why a public reward class is not registered (it cannot be a spec node); empty for most.
    not_registered: ClassVar[str] = ""

    name: str | None = Field(
        default=None, description="Label of this reward in `components` and logs (default: its type name)."
    )
    weight: float = Field(default=1.0, description="Weight of this reward inside a weighted sum.")
    on_error: ErrorPolicy = Field(
        default_factory=ErrorPolicy,
        description="What a failed sample gets: 'raise', 'skip' (no score, status kept) or 'default=<value>'.",
    )

    _stats: RewardStats = PrivateAttr(default_factory=RewardStats)

    # ---- identity ----------------------------------------------------------------------
    @property
    def label(self) -> str:
        """The name under which this reward's score appears in ``components``."""
        return self.name or self.type_name or type(self).__name__

    @property
    def stats(self) -> RewardStats:
        """Counts of results by status, defaulted scores and error kinds."""
        return self._stats

    # ---- the public scoring API ----------------------------------------------------------
    def score_batch(
        self, samples: Iterable[Sample | dict[str, Any]], context: ScoreContext | None = None
    ) -> list[RewardResult]:
        """Score a batch. Always returns one result per sample, in order.

        With error policy ``raise``, raises :class:`RewardFailed` (carrying every result)
        after the batch if any sample failed.
        """
        items, invalid = coerce_each(samples)
        if not items:
            return []
        ctx = context or DEFAULT_CONTEXT
        batch = [s for s in items if s is not None]
        outcomes = self._score_valid(batch, ctx) if batch else []
        if invalid:  # a malformed sample fails alone, named by its field; the others are scored
            valid = iter(outcomes)
            outcomes = [InvalidSample(invalid[i]) if item is None else next(valid) for i, item in enumerate(items)]
        return self._settle(outcomes, ctx)

    def _score_valid(self, batch: list[Sample], ctx: ScoreContext) -> list[RewardResult]:
        """Score well-formed samples: one result each, the whole batch's failure on every sample."""
        start = time.perf_counter()
        try:
            outcomes: Sequence[Outcome] = self._score_batch(batch, ctx)
            if len(outcomes) != len(batch):
                raise RuntimeError(f"{type(self).__name__} returned {len(outcomes)} results for {len(batch)} samples")
        except RewardFailed:
            raise
        except RewardTimeout as exc:
            outcomes = [exc] * len(batch)
        except Exception as exc:  # the whole batch failed: every sample says so
            outcomes = [exc] * len(batch)
        per_sample_ms = (time.perf_counter() - start) * 1000.0 / len(batch)
        return [self._to_result(o, per_sample_ms) for o in outcomes]

    def _settle(self, outcomes: Sequence[Outcome], ctx: ScoreContext) -> list[RewardResult]:
        """Apply the error policy, the spec hash and the counters to a batch's results."""
        results = [self._to_result(o, 0.0) for o in outcomes]
        self._stats.record_batch()
        first_failure: int | None = None
        for i, result in enumerate(results):
            if result.status.failed:
                if first_failure is None:
                    first_failure = i
                if self.on_error.mode == "default":
                    self._apply_default(result)
            if ctx.spec_hash and result.spec_hash is None:
                result.spec_hash = ctx.spec_hash
            self._stats.record(result.status.value, error=result.error, defaulted=result.defaulted)
        if first_failure is not None and self.on_error.mode == "raise":
            raise RewardFailed(
                results[first_failure].error or "failed", index=first_failure, results=results, reward=self.label
            )
        return results

    def score(self, sample: Sample | dict[str, Any], context: ScoreContext | None = None) -> RewardResult:
        """Score one sample (a batch of one)."""
        return self.score_batch([sample], context)[0]

    def scores(
        self, samples: Iterable[Sample | dict[str, Any]], context: ScoreContext | None = None
    ) -> list[float | None]:
        """Just the scores of a batch (``None`` where there is none)."""
        return [r.score for r in self.score_batch(samples, context)]

    async def ascore_batch(
        self, samples: Iterable[Sample | dict[str, Any]], context: ScoreContext | None = None
    ) -> list[RewardResult]:
        """Score a batch from asyncio code without blocking the event loop.

        The default runs :meth:`score_batch` in a worker thread; rewards that wait on the
        network (HTTP judges) override this with native async code.
        """
        items = [samples] if isinstance(samples, (Sample, dict)) else list(samples)
        return await asyncio.to_thread(self.score_batch, items, context)

    async def ascore(self, sample: Sample | dict[str, Any], context: ScoreContext | None = None) -> RewardResult:
        return (await self.ascore_batch([sample], context))[0]

    # ---- what subclasses implement -------------------------------------------------------
    def _score_one(self, sample: Sample, ctx: ScoreContext) -> Outcome:
        raise NotImplementedError(f"{type(self).__name__} must implement _score_one or _score_batch")

    def _score_batch(self, samples: list[Sample], ctx: ScoreContext) -> Sequence[Outcome]:
        out: list[Outcome] = []
        for sample in samples:
            start = time.perf_counter()
            try:
                outcome: Outcome = self._score_one(sample, ctx)
            except RewardTimeout as exc:
                outcome = exc
            except Exception as exc:
                outcome = exc
            out.append(self._to_result(outcome, (time.perf_counter() - start) * 1000.0))
        return out

    # ---- turning outcomes into results ---------------------------------------------------
    def _to_result(self, outcome: Outcome, latency_ms: float) -> RewardResult:
        label = self.label
        if isinstance(outcome, RewardResult):
            result = outcome
            if result.reward is None:
                result.reward = label
            if not result.components:
                result.components = {label: result.score}
            if result.latency_ms == 0.0:
                result.latency_ms = latency_ms
            return result
        if outcome is None or isinstance(outcome, NotApplicable):
            return RewardResult.not_applicable(
                str(outcome or "") or "the reward does not apply to this sample",
                components={label: None},
                reward=label,
                latency_ms=latency_ms,
            )
        if isinstance(outcome, RewardTimeout):
            return RewardResult.failed(
                str(outcome) or "timed out",
                timeout=True,
                components={label: None},
                reward=label,
                latency_ms=latency_ms,
            )
        if isinstance(outcome, InvalidSample):
            return RewardResult.failed(
                _describe(outcome), components={label: None}, reward=label, info={"reason": "invalid_sample"}
            )
        if isinstance(outcome, BaseException):
            return RewardResult.failed(
                _describe(outcome), components={label: None}, reward=label, latency_ms=latency_ms
            )
        try:
            value = float(outcome)
        except (TypeError, ValueError):
            return RewardResult.failed(
                f"TypeError: reward returned {type(outcome).__name__}, expected a number, None or a RewardResult",
                components={label: None},
                reward=label,
                latency_ms=latency_ms,
            )
        if not math.isfinite(value):
            return RewardResult.failed(
                f"ValueError: reward returned a non-finite score ({value})",
                components={label: None},
                reward=label,
                latency_ms=latency_ms,
            )
        return RewardResult(score=value, components={label: value}, reward=label, latency_ms=latency_ms)

    def _apply_default(self, result: RewardResult) -> None:
        value = float(self.on_error.value)  # type: ignore[arg-type]
        result.score = value
        result.info = {**result.info, "defaulted": True}
        if self.label in result.components:
            result.components = {**result.components, self.label: value}

    # ---- the tree ------------------------------------------------------------------------
    def sub_rewards(self) -> list[Reward]:
        """Direct sub-rewards (empty for a leaf)."""
        found: list[Reward] = []
        for field_name in type(self).model_fields:
            value = getattr(self, field_name)
            if isinstance(value, Reward):
                found.append(value)
            elif isinstance(value, (list, tuple)):
                found.extend(v for v in value if isinstance(v, Reward))
        return found

    def walk(self) -> Iterator[Reward]:
        """This reward and every reward below it, depth first."""
        yield self
        for child in self.sub_rewards():
            yield from child.walk()

    def leaves(self) -> list[Reward]:
        return [r for r in self.walk() if not r.sub_rewards()]

    def sample_fields(self) -> tuple[str, ...]:
        """The sample fields this reward reads: its class's ``reads`` (a reward whose fields depend
        on its parameters, such as a Python function's signature, overrides this)."""
        return tuple(type(self).reads)

    def stats_report(self) -> dict[str, dict[str, Any]]:
        """Stats of every reward in the tree, by label."""
        return {r.label: r.stats.snapshot() for r in self.walk()}

    # ---- export ----------------------------------------------------------------------------
    def to_spec(self, *, minimal: bool = False) -> dict[str, Any]:
        """This reward as a spec node (``{"type": ..., <params>}``) that rebuilds it.

        With ``minimal=True`` parameters left at their defaults are omitted.
        """
        node: dict[str, Any] = {"type": self.type_name or type(self).__name__}
        for field_name in type(self).model_fields:
            value = getattr(self, field_name)
            if minimal and field_name not in self.model_fields_set and not isinstance(value, Reward):
                continue
            node[field_name] = _export(value, minimal)
        return node

    def __getstate__(self) -> dict[Any, Any]:
        state = super().__getstate__()
        # Drop loaded models and other runtime state that subclasses may hold; they are
        # rebuilt lazily after unpickling. Stats are kept.
        private = dict(state.get("__pydantic_private__") or {})
        for key in self._transient_private_attrs():
            private.pop(key, None)
        state["__pydantic_private__"] = private
        return state

    def __setstate__(self, state: dict[Any, Any]) -> None:
        super().__setstate__(state)
        private = self.__pydantic_private__ or {}
        for key, attr in type(self).__private_attributes__.items():
            if key not in private:  # a transient attribute: a fresh default (a new lock, an empty cache)
                private[key] = attr.get_default(call_default_factory=True)
        object.__setattr__(self, "__pydantic_private__", private)

    @classmethod
    def _transient_private_attrs(cls) -> tuple[str, ...]:
        """Private attributes not to pickle (override in rewards that hold models or pools)."""
        return ()

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.to_spec(minimal=True).items() if k != "type")
        return f"{type(self).__name__}({params})"

    __str__ = __repr__


def prepare_each(
    samples: Sequence[Sample],
    prepare: Callable[[Sample], T],
    errors: type[BaseException] | tuple[type[BaseException], ...],
) -> tuple[list[Outcome], dict[int, T]]:
    """The first step of a ``_score_batch``: ``prepare(sample)`` for every sample. Returns the
    batch's outcome slots, holding the exception where ``prepare`` raised one of ``errors`` (that
    sample's result; the others still go on), and the prepared values of the others by index.

    >>> def words(sample: Sample) -> list[str]:
    ...     if not sample.completion:
    ...         raise NotApplicable("the sample has no completion")
    ...     return sample.completion.split()
    >>> out, prepared = prepare_each([Sample(completion="a b"), Sample(prompt="hi")], words, NotApplicable)
    >>> prepared, [type(o).__name__ for o in out]
    ({0: ['a', 'b']}, ['NoneType', 'NotApplicable'])
    """
    out: list[Outcome] = [None] * len(samples)
    prepared: dict[int, T] = {}
    for i, sample in enumerate(samples):
        try:
            prepared[i] = prepare(sample)
        except errors as exc:
            out[i] = exc
    return out, prepared


def _export(value: Any, minimal: bool) -> Any:
    if isinstance(value, Reward):
        return value.to_spec(minimal=minimal)
    if isinstance(value, ErrorPolicy):
        return str(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, (list, tuple)):
        return [_export(v, minimal) for v in value]
    if isinstance(value, dict):
        return {str(k): _export(v, minimal) for k, v in value.items()}
    return value


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
