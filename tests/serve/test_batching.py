"""Dynamic batching, the bounded queue, deadlines, and batch-dependent specs never mixing requests."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from rewardlab.core.result import RewardResult
from rewardlab.core.sample import Sample
from rewardlab.core.spec import resolve, spec_from_dict
from rewardlab.serve.batcher import DynamicBatcher
from rewardlab.serve.config import ServerConfig
from rewardlab.serve.engine import ScoringService
from rewardlab.serve.limits import QueueFull

from ..rewards import FakeModel


def test_requests_are_batched_up_to_max_batch_size() -> None:
    calls: list[int] = []

    def score(samples: list[Sample], g: Any, s: Any, d: Any) -> list[RewardResult]:
        calls.append(len(samples))
        time.sleep(0.02)
        return [RewardResult.ok(float(x.get("i"))) for x in samples]

    async def main() -> list[list[float]]:
        b = DynamicBatcher(score, max_batch_size=16, max_delay_s=0.05, workers=1)
        await b.start()
        pendings = [b.submit([Sample(i=i * 10 + j) for j in range(3)]) for i in range(20)]
        out = [[r.score for r in await p.future] for p in pendings]
        await b.stop()
        return out

    out = asyncio.run(main())
    assert out == [[i * 10 + j for j in range(3)] for i in range(20)]  # every request gets its own results
    assert sum(calls) == 60 and max(calls) <= 16
    assert len(calls) <= 6  # 60 samples in calls of up to 16, not 20 calls


def test_max_delay_flushes_a_lone_request() -> None:
    def score(samples: list[Sample], g: Any, s: Any, d: Any) -> list[RewardResult]:
        return [RewardResult.ok(1.0) for _ in samples]

    async def main() -> list[RewardResult | None]:
        b = DynamicBatcher(score, max_batch_size=1000, max_delay_s=0.02)
        await b.start()
        p = b.submit([Sample(completion="x")])
        out = await asyncio.wait_for(p.future, timeout=5)
        await b.stop()
        return out

    assert [r.score for r in asyncio.run(main()) if r] == [1.0]


def test_requests_with_different_options_are_not_merged() -> None:
    seen: list[tuple[Any, int]] = []

    def score(samples: list[Sample], g: Any, step: Any, d: Any) -> list[RewardResult]:
        seen.append((step, len(samples)))
        return [RewardResult.ok(float(step or 0)) for _ in samples]

    async def main() -> list[float | None]:
        b = DynamicBatcher(score, max_batch_size=100, max_delay_s=0.05)
        await b.start()
        ps = [b.submit([Sample()], step=i % 2) for i in range(6)]
        out = [(await p.future)[0].score for p in ps]  # type: ignore[union-attr]
        await b.stop()
        return out

    assert asyncio.run(main()) == [0.0, 1.0, 0.0, 1.0, 0.0, 1.0]
    assert sorted(seen) == [(0, 3), (1, 3)]


def test_queue_is_bounded() -> None:
    def score(samples: list[Sample], g: Any, s: Any, d: Any) -> list[RewardResult]:
        time.sleep(0.3)
        return [RewardResult.ok(1.0) for _ in samples]

    async def main() -> tuple[QueueFull, int]:
        b = DynamicBatcher(score, max_batch_size=4, max_delay_s=0.0, max_queue=10, workers=1)
        await b.start()
        first = b.submit([Sample()] * 4)
        await asyncio.sleep(0.05)  # the first call is running; the next ones wait
        waiting = [b.submit([Sample()] * 4), b.submit([Sample()] * 4)]
        with pytest.raises(QueueFull) as info:
            b.submit([Sample()] * 4)
        done = len(await first.future)
        for p in waiting:
            done += len(await p.future)
        await b.stop()
        return info.value, done

    err, done = asyncio.run(main())
    assert err.retry_after >= 1 and "capacity" in str(err)
    assert done == 12


def test_batch_dependent_spec_never_mixes_requests() -> None:
    """Group normalization over 'prompt': two requests with the same prompt text must each be
    normalized within themselves, exactly as if scored alone."""
    spec = spec_from_dict({"reward": {"type": "group_norm", "child": {"type": "t_serve_boom"}}})
    a = [Sample(prompt="same", completion="x" * n) for n in (1, 2, 3)]
    b = [Sample(prompt="same", completion="y" * n) for n in (10, 20)]
    alone_a = [r.score for r in spec.score_batch(a)]
    alone_b = [r.score for r in spec.score_batch(b)]

    async def main() -> tuple[list[float | None], list[float | None], int]:
        service = ScoringService(spec, ServerConfig(cache_url="off", max_delay_ms=50, max_batch_size=64))
        await service.start(wait_ready=True)
        ra, rb = await asyncio.gather(service.score(a), service.score(b))
        calls = service.batcher.calls
        await service.stop()
        return [r.score for r in ra.results], [r.score for r in rb.results], calls

    got_a, got_b, calls = asyncio.run(main())
    assert got_a == alone_a and got_b == alone_b
    assert calls == 2  # one call per request, even within the batching window
    mixed = [r.score for r in spec.score_batch(a + b)]
    assert mixed[:3] != alone_a  # mixing would have changed the numbers


def test_merge_mode_is_refused_for_batch_dependent_specs() -> None:
    spec = spec_from_dict({"reward": {"type": "batch_norm", "child": "exact_match"}})
    with pytest.raises(ValueError, match="normalize samples of different requests"):
        ScoringService(spec, ServerConfig(batching="merge", cache_url="off"))


def test_model_spec_batches_concurrent_requests_and_keeps_results_apart() -> None:
    spec = resolve("t_serve_model")
    FakeModel.sizes.clear()
    texts = [f"completion {i}" for i in range(120)]
    expected = [r.score for r in spec.score_batch([Sample(completion=t) for t in texts])]
    FakeModel.sizes.clear()

    async def main() -> list[float | None]:
        service = ScoringService(spec, ServerConfig(cache_url="off", max_batch_size=32, max_delay_ms=20))
        await service.start(wait_ready=True)
        FakeModel.sizes.clear()
        outs = await asyncio.gather(*(service.score([Sample(completion=t)]) for t in texts))
        await service.stop()
        return [o.results[0].score for o in outs]

    assert asyncio.run(main()) == expected
    assert sum(FakeModel.sizes) == 120 and max(FakeModel.sizes) <= 32
    assert len(FakeModel.sizes) < 30  # batched, not one call per request


def test_deadline_turns_unscored_samples_into_timeouts() -> None:
    spec = resolve("t_serve_hang", params={"seconds": 2.0})

    async def main() -> tuple[list[RewardResult], float, list[RewardResult], float]:
        service = ScoringService(spec, ServerConfig(cache_url="off", workers=2))
        await service.start(wait_ready=True)
        t0 = time.monotonic()
        hung = await service.score([Sample(completion="hang")], timeout_s=0.3)
        took = time.monotonic() - t0
        fine = await service.score([Sample(completion="fine")], timeout_s=5)
        timeouts = service.metrics.timeouts._value.get()
        await service.stop()
        return hung.results, took, fine.results, timeouts

    hung, took, fine, timeouts = asyncio.run(main())
    assert hung[0].status.value == "timeout" and "deadline exceeded" in (hung[0].error or "")
    assert hung[0].score is None and hung[0].components == {"t_serve_hang": None}
    assert timeouts == 1.0  # counted in /metrics
    assert took < 1.5
    assert fine[0].score == 1.0
