"""Rewards used by the server tests (importable by a server subprocess: ``--import tests.serve.rewards_for_tests``)."""

from __future__ import annotations

import threading
import time
from typing import Any, ClassVar

from pydantic import Field, PrivateAttr

from rewardlab.core import register
from rewardlab.core.result import RewardResult
from rewardlab.core.reward import Reward
from rewardlab.models.fallback import batch_fallback


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
