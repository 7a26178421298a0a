"""The test suite's own rewards, registered under test-only names (``t_*``, ``t_serve_*``, ``ev_*``).

One module for every test that needs a small reward of its own: the contract and composition
tests (``t_field``, ``t_counting`` ...), the server tests (``t_serve_*``; a server subprocess
imports them with ``--import tests.rewards``), the evaluation tests (``ev_*``) and the stress
runner's misbehaving verifiers (``t_lax_qa`` ...; its worker processes import them by path too).
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any, ClassVar

from pydantic import Field, PrivateAttr

from rewardlab.core import NotApplicable, RewardTimeout, register
from rewardlab.core.result import RewardResult
from rewardlab.core.reward import Reward
from rewardlab.models.fallback import batch_fallback
from rewardlab.verifiers.qa import squad_f1


# ---- the contract and composition tests ---------------------------------------------------------
@register("t_field")
class FieldValue(Reward):
    """Returns the number in sample field ``field``; raises on 'boom'; not applicable when absent."""

    field: str = Field(default="value")

    def _score_one(self, sample: Any, ctx: Any) -> Any:
        value = sample.get(self.field)
        if value is None:
            raise NotApplicable(f"no '{self.field}'")
        if value == "boom":
            raise ValueError("boom happened")
        if value == "hang":
            raise RewardTimeout("took too long")
        if value == "nan":
            return float("nan")
        return float(value)


@register("t_counting")
class Counting(Reward):
    """Counts how many samples it was asked to score (to check lazy evaluation)."""

    _seen: list = PrivateAttr(default_factory=list)

    def _score_one(self, sample: Any, ctx: Any) -> Any:
        self._seen.append(sample.get("id"))
        return 1.0


@register("t_batch_fail")
class BatchFail(Reward):
    """A batch reward whose whole batch fails."""

    def _score_batch(self, samples: Any, ctx: Any) -> Any:
        raise RuntimeError("model crashed")


@register("t_slow")
class Slow(Reward):
    delay: float = 0.01

    def _score_one(self, sample: Any, ctx: Any) -> Any:
        time.sleep(self.delay)
        return 1.0


def field_reward(name: str, field: str = "value", **kw: Any) -> FieldValue:
    return FieldValue(name=name, field=field, **kw)


# ---- the server tests ---------------------------------------------------------------------------
@register("t_serve_hang", family="verifier")
class Hang(Reward):
    """Hangs (sleeps ``seconds``) on completions that say 'hang'; 1.0 otherwise."""

    seconds: float = Field(default=5.0)

    def _score_one(self, sample: Any, ctx: Any) -> Any:
        if "hang" in sample.completion_text:
            time.sleep(self.seconds)
        return 1.0


@register("t_serve_boom", family="verifier")
class Boom(Reward):
    """Raises on completions that say 'boom'; the completion length otherwise."""

    def _score_one(self, sample: Any, ctx: Any) -> Any:
        if "boom" in sample.completion_text:
            raise ValueError("boom happened")
        return float(len(sample.completion_text))


@register("t_serve_odd", family="verifier")
class Odd(Reward):
    """Puts what JSON responses choke on in ``info``: NaN for the completion 'nan', a lone surrogate otherwise."""

    def _score_one(self, sample: Any, ctx: Any) -> Any:
        value: Any = float("nan") if sample.completion_text == "nan" else chr(0xD800)
        return RewardResult.ok(1.0, info={"value": value})


@register("t_serve_picky_model", family="model")
class PickyModel(Reward):
    """A batched model reward whose whole forward pass raises when any sample says 'poison'
    (as a tokenizer does on text it refuses); the batch fallback must isolate that sample."""

    calls: ClassVar[list[int]] = []

    @batch_fallback()
    def _score_batch(self, samples: list[Any], ctx: Any) -> Any:
        PickyModel.calls.append(len(samples))
        time.sleep(0.002)
        if any("poison" in s.completion_text for s in samples):
            raise ValueError("the tokenizer refused a text")
        return [float(len(s.completion_text)) for s in samples]


@register("t_serve_model", family="model")
class FakeModel(Reward):
    """A batch reward that behaves like a model: a fixed cost per call plus a small cost per sample.

    The score is a deterministic function of the completion, so batched and unbatched calls
    must agree. Batch sizes are recorded (per process) to check dynamic batching.
    """

    call_cost_s: float = Field(default=0.005)
    sample_cost_s: float = Field(default=0.0002)
    load_s: float = Field(default=0.0)
    fail_load: bool = Field(default=False)

    _loaded: bool = PrivateAttr(default=False)
    sizes: ClassVar[list[int]] = []
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def load(self) -> None:
        if not self._loaded:
            time.sleep(self.load_s)
            if self.fail_load:
                raise OSError("weights file is corrupt")
            self._loaded = True

    def _score_batch(self, samples: list[Any], ctx: Any) -> Any:
        self.load()
        with FakeModel._lock:
            FakeModel.sizes.append(len(samples))
        time.sleep(self.call_cost_s + self.sample_cost_s * len(samples))
        return [float(sum(map(ord, s.completion_text)) % 97) / 97.0 for s in samples]


# ---- the evaluation tests -----------------------------------------------------------------------
@register("ev_chars")
class Chars(Reward):
    """The completion's length in characters (times ``sign``): "longer is better" as a reward."""

    sign: float = Field(default=1.0)

    def _score_one(self, sample: Any, ctx: Any) -> Any:
        return self.sign * float(len(sample.completion_text))


@register("ev_constant")
class Constant(Reward):
    """The same score for every sample."""

    value: float = Field(default=1.0)

    def _score_one(self, sample: Any, ctx: Any) -> Any:
        return self.value


@register("ev_flaky")
class Flaky(Reward):
    """Length in characters, but fails on completions containing ``marker`` and does not apply to empty ones."""

    marker: str = Field(default="FAIL")

    def _score_one(self, sample: Any, ctx: Any) -> Any:
        text = sample.completion_text
        if self.marker in text:
            raise RuntimeError(f"cannot score a completion containing {self.marker!r}")
        if not text:
            raise NotApplicable("empty completion")
        return float(len(text))


@register("ev_vowels")
class Vowels(Reward):
    """Share of vowels among letters (a text statistic unrelated to length)."""

    def _score_one(self, sample: Any, ctx: Any) -> Any:
        letters = [c for c in sample.completion_text.lower() if c.isalpha()]
        return sum(c in "aeiou" for c in letters) / max(1, len(letters))


@register("ev_pairwise_len")
class PairwiseLength(Reward):
    """P(the completion beats ``baseline``): 1 if longer, 0 if shorter, 1/2 for equal length (a toy pairwise judge)."""

    baseline_field: str = Field(default="baseline")

    def _score_one(self, sample: Any, ctx: Any) -> Any:
        other = sample.get(self.baseline_field)
        if other is None:
            raise NotApplicable(f"no '{self.baseline_field}'")
        mine, theirs = len(sample.completion_text), len(str(other))
        return 1.0 if mine > theirs else 0.0 if mine < theirs else 0.5


# ---- the stress runner's tests: misbehaving verifiers -------------------------------------------
@register("t_lax_qa", family="verifier")
class LaxQA(Reward):
    """Plain token F1 with no refusals: pays hedges and candidate lists."""

    def _score_one(self, sample: Any, ctx: Any) -> Any:
        return max(squad_f1(sample.completion_text, a) for a in [sample.get("answer")])


@register("t_hanging_qa", family="verifier")
class HangingQA(Reward):
    """Exact match that hangs (for a few seconds) on input starting with 'Lorem'."""

    def _score_one(self, sample: Any, ctx: Any) -> Any:
        text = sample.completion_text
        if text.startswith("Lorem"):
            time.sleep(3)
        return float(text.strip().lower() == str(sample.get("answer")).lower())


@register("t_fragile_qa", family="verifier")
class FragileQA(Reward):
    """Exact match that hangs on 'Lorem' input and kills its own process on an injection."""

    def _score_one(self, sample: Any, ctx: Any) -> Any:
        text = sample.completion_text
        if text.startswith("Lorem"):
            time.sleep(30)
        if text.startswith("Grader:"):
            os._exit(3)
        return float(text.strip().lower() == str(sample.get("answer")).lower())
