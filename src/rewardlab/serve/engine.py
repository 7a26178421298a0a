"""The scoring service behind the HTTP routes: cache, dynamic batcher, deadlines and metrics
around one spec. It knows nothing of HTTP, so the Ray deployment and tests use it directly.

>>> import asyncio
>>> from rewardlab.core.spec import resolve
>>> from rewardlab.serve.config import ServerConfig
>>> async def main():
...     service = ScoringService(resolve("exact_match"), ServerConfig(cache_url="off"))
...     await service.start(wait_ready=True)
...     out = await service.score([Sample(completion="4", answer="4")])
...     ready = service.ready
...     await service.stop()
...     return out.results[0].score, ready
>>> asyncio.run(main())
(1.0, True)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from ..compose.introspect import fields_read, normalizing_nodes, reference_fields
from ..core.batching import is_batch_dependent
from ..core.result import RewardResult
from ..core.sample import Sample
from ..core.spec import Spec
from .batcher import DynamicBatcher
from .cache import CacheMode, ResultCache, cache_mode, open_cache, request_key, sample_key
from .config import ServerConfig
from .metrics import ServerMetrics

__all__ = ["ScoreOutcome", "ScoringService", "has_model_rewards"]

log = logging.getLogger("rewardlab.serve")


def normalization_notice(spec: Spec) -> str:
    """What the server says at start-up when its spec normalizes over groups or batches."""
    nodes = normalizing_nodes(spec.reward)
    names = ", ".join(f"{n.type_name} '{n.label}'" for n in nodes)
    inner = [getattr(n, "child", None) for n in nodes]
    named = [c.label for c in inner if c is not None and getattr(c, "name", None)]
    component = named[0] if named else "NAME"
    return (
        f"spec '{spec.name}' normalizes ({names}): each request is normalized on its own, and a sample "
        f"without a group gets status error. Trainers that normalize per group themselves (TRL's GRPO, verl, "
        f"OpenRLHF, whose /get_reward requests carry no groups) should get the raw reward: "
        f"`rewardlab serve --component {component}`"
    )


def has_model_rewards(spec: Spec) -> bool:
    """Whether the spec holds a learned reward (family ``model``): those are batched one call at a time."""
    return any(r.family == "model" for r in spec.reward.walk())


@dataclass
class ScoreOutcome:
    results: list[RewardResult]
    cache_hits: int
    elapsed_ms: float


class ScoringService:
    """Scores requests with one spec: cache lookups, the batcher, deadlines, metrics."""

    def __init__(
        self,
        spec: Spec,
        config: ServerConfig | None = None,
        *,
        metrics: ServerMetrics | None = None,
        cache: ResultCache | str | None = "config",
    ) -> None:
        self.spec = spec
        self.config = config or ServerConfig()
        self.metrics = metrics or ServerMetrics()
        self.batch_dependent = is_batch_dependent(spec.reward)
        self.cache_mode: CacheMode = cache_mode(spec.reward)
        self._cache_arg = cache
        self.cache: ResultCache | None = None
        model = has_model_rewards(spec)
        # Model rewards gain from merging requests (one forward pass for many); verifiers are
        # scored request by request, so a sample that hangs holds up only its own request.
        auto = model and not self.batch_dependent
        merge = {"auto": auto, "merge": True, "per_request": False}[self.config.batching]
        if merge and self.batch_dependent:
            raise ValueError(
                "batching='merge' would normalize samples of different requests together: "
                "this spec is batch dependent (group/batch normalization)"
            )
        self.batcher = DynamicBatcher(
            self._score_call,
            max_batch_size=self.config.max_batch_size,
            max_delay_s=self.config.max_delay_ms / 1000.0,
            max_queue=self.config.max_queue,
            workers=self.config.workers or (1 if model else 8),
            merge=merge,
            metrics=self.metrics,
        )
        self.components = spec.component_names
        self.ready = False
        self.not_ready_reason: str | None = "starting"
        self._warmup_task: asyncio.Task[None] | None = None

    # ---- lifecycle -------------------------------------------------------------------------
    async def start(self, *, wait_ready: bool = False) -> None:
        """Start the batcher and load the models (in the background unless ``wait_ready``)."""
        if self._cache_arg == "config":
            self.cache = (
                await asyncio.to_thread(open_cache, self.config.cache_url) if self.cache_mode != "off" else None
            )
        else:
            self.cache = self._cache_arg if self.cache_mode != "off" else None  # type: ignore[assignment]
        await self.batcher.start()
        if self.batch_dependent:
            log.warning("%s", normalization_notice(self.spec))
        self.not_ready_reason = "loading the spec's models"
        self._warmup_task = asyncio.create_task(self._warm_up())
        if wait_ready:
            await self._warmup_task

    async def stop(self) -> None:
        if self._warmup_task is not None and not self._warmup_task.done():
            self._warmup_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._warmup_task
        await self.batcher.stop()
        if self.cache is not None and self._cache_arg == "config":
            self.cache.close()
        self.ready = False
        self.metrics.ready.set(0)

    async def _warm_up(self) -> None:
        """Load lazily-built state (models, tokenizers) by scoring a throw-away sample."""
        try:
            if self.config.warmup:
                probe = [Sample(prompt="warm-up", completion="warm-up")]
                await asyncio.to_thread(self._warm_call, probe)
            self.ready = True
            self.not_ready_reason = None
            self.metrics.ready.set(1)
            log.info("spec %s (%s) is loaded; the server is ready", self.spec.name, self.spec.short_hash)
        except Exception as exc:  # a spec that cannot load: stay up, say why, never ready
            self.not_ready_reason = f"loading failed: {type(exc).__name__}: {exc}"
            log.error("%s", self.not_ready_reason)

    def _warm_call(self, probe: list[Sample]) -> None:
        """Load every reward's state; a model reward that cannot score the probe is a load failure."""
        try:
            for reward in self.spec.reward.walk():
                loader = getattr(reward, "load", None)
                if callable(loader):
                    loader()
                if reward.family == "model" and not reward.sub_rewards():
                    result = reward.score_batch(probe)[0]
                    if result.status.failed:
                        raise RuntimeError(f"model reward '{reward.label}' cannot score: {result.error}")
            with contextlib.suppress(Exception):
                self.spec.score_batch(probe)
        finally:
            for reward in self.spec.reward.walk():  # the probe is not a scored sample
                reward.stats.reset()

    @property
    def readiness(self) -> tuple[bool, str | None]:
        if not self.ready:
            return False, self.not_ready_reason
        if self.batcher.stuck:
            return False, "every scoring thread is held by a call that outlived its deadline (a hung reward)"
        return True, None

    # ---- scoring ---------------------------------------------------------------------------
    def _score_call(
        self, samples: list[Sample], group_key: str | None, step: int | None, deadline: float | None
    ) -> list[RewardResult]:
        ctx = self.spec.context(step=step, group_key=group_key)
        if deadline is not None:
            ctx = ctx.replace(deadline=deadline)
        return self.spec.score_batch(samples, context=ctx)

    def timeout_result(self, timeout_s: float) -> RewardResult:
        return RewardResult.failed(
            f"deadline exceeded: not scored within {timeout_s:g}s (the request's deadline; raise it with "
            "'timeout_s' or the X-Request-Timeout header)",
            timeout=True,
            components=dict.fromkeys(self.components),
            reward=self.spec.reward.label,
            spec_hash=self.spec.hash,
        )

    async def score(
        self,
        samples: list[Sample],
        *,
        group_key: str | None = None,
        step: int | None = None,
        timeout_s: float | None = None,
        use_cache: bool = True,
    ) -> ScoreOutcome:
        """Score a request. Raises :class:`~rewardlab.serve.limits.QueueFull` when the queue is full."""
        started = time.perf_counter()
        timeout = timeout_s or self.config.default_timeout_s
        deadline = time.monotonic() + timeout
        n = len(samples)
        results: list[RewardResult | None] = [None] * n
        cache = self.cache if use_cache else None
        keys: list[str] = []
        hits = 0
        if cache is not None:
            if self.cache_mode == "sample":
                keys = [sample_key(s, group_key=group_key, step=step) for s in samples]
            else:
                keys = [request_key(samples, group_key=group_key, step=step)]
            found = await self._cache_get(cache, keys)
            if self.cache_mode == "sample":
                for i, k in enumerate(keys):
                    if k in found:
                        results[i] = _hit(RewardResult.model_validate_json(found[k]))
            elif keys[0] in found:
                stored = json.loads(found[keys[0]])
                if len(stored) == n:
                    results = [_hit(RewardResult.model_validate(r)) for r in stored]
            hits = sum(r is not None for r in results)
            self.metrics.cache_hits.inc(hits)
            self.metrics.cache_misses.inc(n - hits)
        todo = [i for i in range(n) if results[i] is None]
        computed: list[RewardResult | None] = []
        if todo:
            pending = self.batcher.submit([samples[i] for i in todo], group_key=group_key, step=step, deadline=deadline)
            try:
                computed = await asyncio.wait_for(
                    asyncio.shield(pending.future), timeout=max(0.0, deadline - time.monotonic())
                )
            except TimeoutError:
                self.batcher.cancel(pending)
                computed = list(pending.results)
            late: list[RewardResult] = []
            for i, r in zip(todo, computed, strict=True):
                if r is None:
                    r = self.timeout_result(timeout)
                    late.append(r)
                results[i] = r
            self.metrics.observe_results([r for r in computed if r is not None] + late)
            if cache is not None:
                await self._cache_put(cache, keys, todo, computed, n)
        final = [r for r in results if r is not None]
        if hits:
            self.metrics.observe_results([r for r in final if r.info.get("cache") == "hit"])
        return ScoreOutcome(final, hits, (time.perf_counter() - started) * 1000.0)

    async def _cache_get(self, cache: ResultCache, keys: list[str]) -> dict[str, str]:
        try:
            return await asyncio.to_thread(cache.get_many, self.spec.hash, keys)
        except Exception as exc:  # a broken cache must not break scoring
            log.warning("cache read failed (%s: %s); scoring without it", type(exc).__name__, exc)
            return {}

    async def _cache_put(
        self, cache: ResultCache, keys: list[str], todo: list[int], computed: list[RewardResult | None], n: int
    ) -> None:
        items: dict[str, str] = {}
        if self.cache_mode == "sample":
            for i, r in zip(todo, computed, strict=True):
                if r is not None and not r.status.failed:
                    items[keys[i]] = r.model_dump_json()
        elif len(todo) == n and all(r is not None and not r.status.failed for r in computed):
            items[keys[0]] = json.dumps([r.to_json_dict() for r in computed if r is not None])
        if not items:
            return
        try:
            await asyncio.to_thread(cache.put_many, self.spec.hash, items)
        except Exception as exc:
            log.warning("cache write failed (%s: %s)", type(exc).__name__, exc)

    # ---- description -----------------------------------------------------------------------
    def spec_info(self) -> dict[str, Any]:
        return {
            "name": self.spec.name,
            "hash": self.spec.hash,
            "description": self.spec.description,
            "group_key": self.spec.group_key,
            "components": list(self.components),
            "batch_dependent": self.batch_dependent,
            "reads": fields_read(self.spec.reward, group_key=self.spec.group_key),
            "references": reference_fields(self.spec.reward),
            "cache": self.cache_mode if self.cache is not None else "off",
            "spec": self.spec.to_dict(),
        }


def _hit(result: RewardResult) -> RewardResult:
    result.info = {**result.info, "cache": "hit"}
    return result
