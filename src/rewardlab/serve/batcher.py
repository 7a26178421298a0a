"""Dynamic batching: requests queue and are scored together, up to ``max_batch_size`` samples
or ``max_delay_s`` after the oldest waiting request arrived, whichever comes first (the
NeMo-Aligner reward-server scheme).

- **Bounded queue**: at most ``max_queue`` samples wait; :meth:`DynamicBatcher.submit` raises
  :class:`~rewardlab.serve.limits.QueueFull` past that (the server answers 503 + Retry-After).
- **Merging**: with ``merge=True`` (independent rewards) samples of several requests share a
  call, and a large request is split across calls; only requests with the same options
  (``group_key``, ``step``) are merged. With ``merge=False`` (batch-dependent specs: group or
  batch normalization) every request is scored on its own, whole, so samples of different
  requests are never normalized together.
- **Workers**: ``workers`` calls run at once, each in a thread (model rewards release the GIL
  in torch; verifiers hand their work to the execution pool).
- **Deadlines**: a request whose deadline passes while it waits is dropped from the queue. A
  call still running after every request in it passed its deadline (a hung verifier) is
  *abandoned*: its worker slot is freed so the server keeps serving, the thread finishes in
  the background, and ``rewardlab_abandoned_batches_total`` counts it.

>>> import asyncio
>>> from rewardlab.core.result import RewardResult
>>> def score(samples, group_key, step, deadline):
...     return [RewardResult.ok(len(s.completion_text)) for s in samples]
>>> async def main():
...     b = DynamicBatcher(score, max_batch_size=8, max_delay_s=0.01)
...     await b.start()
...     futures = [b.submit([Sample(completion="x" * i)]) for i in range(3)]
...     out = [(await f.future)[0].score for f in futures]
...     await b.stop()
...     return out, b.calls
>>> asyncio.run(main())
([0.0, 1.0, 2.0], 1)
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import RewardFailed
from ..core.result import RewardResult
from ..core.sample import Sample
from .limits import QueueFull, retry_after_s

__all__ = ["DynamicBatcher", "Pending", "ScoreFn"]

log = logging.getLogger("rewardlab.serve")

ScoreFn = Callable[[list[Sample], "str | None", "int | None", "float | None"], Sequence[RewardResult]]
"""``score(samples, group_key, step, deadline)`` -> one result per sample (runs in a worker thread)."""


@dataclass(eq=False)
class Pending:
    """A request waiting in (or taken from) the queue."""

    samples: list[Sample]
    group_key: str | None
    step: int | None
    deadline: float | None  # time.monotonic() instant
    future: asyncio.Future[list[RewardResult | None]]
    enqueued: float = field(default_factory=time.monotonic)
    results: list[RewardResult | None] = field(default_factory=list)
    next: int = 0  # first sample not yet handed to a call
    unresolved: int = 0
    cancelled: bool = False

    def __post_init__(self) -> None:
        self.results = [None] * len(self.samples)
        self.unresolved = len(self.samples)

    @property
    def options(self) -> tuple[str | None, int | None]:
        return (self.group_key, self.step)

    @property
    def waiting(self) -> int:
        return len(self.samples) - self.next

    def expired(self, now: float) -> bool:
        return self.deadline is not None and now >= self.deadline


class DynamicBatcher:
    """Queue, batch and score; see the module docstring."""

    def __init__(
        self,
        score: ScoreFn,
        *,
        max_batch_size: int = 64,
        max_delay_s: float = 0.01,
        max_queue: int = 4096,
        workers: int = 1,
        merge: bool = True,
        abandon_grace_s: float = 1.0,
        max_threads: int | None = None,
        metrics: Any = None,
    ) -> None:
        if max_batch_size < 1 or workers < 1 or max_queue < 1:
            raise ValueError("max_batch_size, workers and max_queue must be at least 1")
        self.score = score
        self.max_batch_size = max_batch_size
        self.max_delay_s = max(0.0, max_delay_s)
        self.max_queue = max_queue
        self.workers = workers
        self.merge = merge
        self.abandon_grace_s = abandon_grace_s
        self.max_threads = max_threads or max(4 * workers, workers + 4)
        self.metrics = metrics
        self.calls = 0
        self.abandoned_running = 0
        self._queue: deque[Pending] = deque()
        self._waiting = 0
        self._grown: asyncio.Event | None = None
        self._slots: asyncio.Semaphore | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._pool: _DaemonPool | None = None
        self._lock = threading.Lock()
        self._rate: float | None = None  # samples per second, smoothed

    # ---- lifecycle -----------------------------------------------------------------------
    async def start(self) -> None:
        if self._loop_task is not None:
            return
        self._grown = asyncio.Event()
        self._slots = asyncio.Semaphore(self.workers)
        self._loop_task = asyncio.create_task(self._run(), name="rewardlab-batcher")

    async def stop(self) -> None:
        """Stop batching; waiting requests get an error; running calls are not waited for."""
        if self._loop_task is None:
            return
        self._loop_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._loop_task
        self._loop_task = None
        for task in list(self._tasks):
            task.cancel()
        while self._queue:
            p = self._queue.popleft()
            if not p.future.done():
                p.future.set_exception(RuntimeError("the server is shutting down"))
        self._waiting = 0
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    # ---- the queue -------------------------------------------------------------------------
    @property
    def queue_depth(self) -> int:
        """Samples waiting to be handed to a call."""
        return self._waiting

    def submit(
        self,
        samples: list[Sample],
        *,
        group_key: str | None = None,
        step: int | None = None,
        deadline: float | None = None,
    ) -> Pending:
        """Queue a request; await ``pending.future`` for its results (``None`` where cancelled)."""
        if self._loop_task is None or self._grown is None:
            raise RuntimeError("the batcher is not started")
        if self._waiting and self._waiting + len(samples) > self.max_queue:
            if self.metrics is not None:
                self.metrics.rejected.labels(reason="queue_full").inc()
            raise QueueFull(self._waiting, self.max_queue, retry_after_s(self._waiting, self._rate))
        future: asyncio.Future[list[RewardResult | None]] = asyncio.get_running_loop().create_future()
        pending = Pending(list(samples), group_key, step, deadline, future)
        self._queue.append(pending)
        self._set_waiting(self._waiting + len(samples))
        self._grown.set()
        return pending

    def cancel(self, pending: Pending) -> None:
        """Drop what is still queued of a request (its deadline passed); scored parts are kept."""
        pending.cancelled = True
        if pending in self._queue:
            self._queue.remove(pending)
            self._set_waiting(self._waiting - pending.waiting)
            pending.next = len(pending.samples)

    def _set_waiting(self, value: int) -> None:
        self._waiting = max(0, value)
        if self.metrics is not None:
            self.metrics.queue_depth.set(self._waiting)

    # ---- the loop --------------------------------------------------------------------------
    async def _run(self) -> None:
        assert self._grown is not None and self._slots is not None
        while True:
            if not self._queue:
                self._grown.clear()
                await self._grown.wait()
                continue
            while self.stuck:  # every thread is held by a hung call: wait; queued requests time out
                self._drop_expired()
                await asyncio.sleep(0.05)
            await self._slots.acquire()
            try:
                parts = await self._form_batch()
            except BaseException:
                self._slots.release()
                raise
            if not parts:
                self._slots.release()
                continue
            task = asyncio.create_task(self._execute(parts))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _drop_expired(self) -> None:
        now = time.monotonic()
        for p in [p for p in self._queue if p.cancelled or p.expired(now)]:
            self.cancel(p)

    async def _form_batch(self) -> list[tuple[Pending, int, int]]:
        assert self._grown is not None
        while True:
            self._drop_expired()
            if not self._queue:
                return []
            first = self._queue[0]
            if not self.merge:
                self._queue.popleft()
                self._set_waiting(self._waiting - first.waiting)
                start, first.next = first.next, len(first.samples)
                return [(first, start, len(first.samples))]
            same = sum(p.waiting for p in self._queue if p.options == first.options)
            now = time.monotonic()
            due = first.enqueued + self.max_delay_s
            if same >= self.max_batch_size or now >= due:
                break
            self._grown.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._grown.wait(), timeout=due - now)
        parts: list[tuple[Pending, int, int]] = []
        taken = 0
        for p in list(self._queue):
            if p.options != first.options:
                continue
            n = min(p.waiting, self.max_batch_size - taken)
            parts.append((p, p.next, p.next + n))
            p.next += n
            taken += n
            if p.waiting == 0:
                self._queue.remove(p)
            if taken >= self.max_batch_size:
                break
        self._set_waiting(self._waiting - taken)
        return parts

    async def _execute(self, parts: list[tuple[Pending, int, int]]) -> None:
        assert self._slots is not None
        samples = [s for p, a, b in parts for s in p.samples[a:b]]
        deadlines = [p.deadline for p, _, _ in parts]
        deadline = None if any(d is None for d in deadlines) else max(d for d in deadlines if d is not None)
        group_key, step = parts[0][0].options
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        self.calls += 1
        if self.metrics is not None:
            self.metrics.batch_size.observe(len(samples))
            self.metrics.in_flight.inc()
        future = self._in_thread(loop, samples, group_key, step, deadline)
        released = False
        results: Sequence[RewardResult] | None = None
        try:
            if deadline is None:
                results = await future
            else:
                wait = max(0.0, deadline - time.monotonic()) + self.abandon_grace_s
                try:
                    results = await asyncio.wait_for(asyncio.shield(future), timeout=wait)
                except TimeoutError:
                    self._abandon(future, len(samples))
                    self._slots.release()
                    released = True
                    return  # every request in the batch has already answered with timeouts
        except Exception as exc:  # the call itself broke (not a reward failure: those are results)
            log.error("scoring call failed: %s: %s", type(exc).__name__, exc)
            results = [RewardResult.failed(f"server: scoring call failed: {type(exc).__name__}: {exc}")] * len(samples)
        finally:
            if self.metrics is not None:
                self.metrics.in_flight.dec()
            if not released:
                self._slots.release()
        elapsed = max(time.monotonic() - started, 1e-6)
        rate = len(samples) / elapsed
        self._rate = rate if self._rate is None else 0.8 * self._rate + 0.2 * rate
        self._deliver(parts, list(results or []))

    def _in_thread(
        self,
        loop: asyncio.AbstractEventLoop,
        samples: list[Sample],
        group_key: str | None,
        step: int | None,
        deadline: float | None,
    ) -> asyncio.Future[Sequence[RewardResult]]:
        """Run one call on a worker thread of the batcher's pool (daemon threads: a call that never
        returns, a hung reward, cannot keep the process from exiting as a thread-pool thread would)."""
        if self._pool is None:
            self._pool = _DaemonPool(self.max_threads)
        return asyncio.wrap_future(self._pool.submit(self._call, samples, group_key, step, deadline), loop=loop)

    def _call(
        self, samples: list[Sample], group_key: str | None, step: int | None, deadline: float | None
    ) -> Sequence[RewardResult]:
        try:
            results = self.score(samples, group_key, step, deadline)
        except RewardFailed as exc:  # error policy 'raise': the exception carries every result
            results = exc.results
        if len(results) != len(samples):
            raise RuntimeError(f"scoring returned {len(results)} results for {len(samples)} samples")
        return results

    def _abandon(self, future: asyncio.Future[Any], n: int) -> None:
        with self._lock:
            self.abandoned_running += 1
        if self.metrics is not None:
            self.metrics.abandoned.inc()
        log.warning("a scoring call of %d samples outlived every deadline in it; its worker slot is freed", n)

        def done(_: asyncio.Future[Any]) -> None:
            with self._lock:
                self.abandoned_running -= 1

        future.add_done_callback(done)

    @property
    def stuck(self) -> bool:
        """True when ``max_threads`` calls outlived their deadlines and still run: no new call starts."""
        return self.abandoned_running >= self.max_threads

    @staticmethod
    def _deliver(parts: list[tuple[Pending, int, int]], results: list[RewardResult]) -> None:
        offset = 0
        for p, a, b in parts:
            n = b - a
            p.results[a:b] = results[offset : offset + n]
            offset += n
            p.unresolved -= n
            if p.unresolved <= 0 and not p.future.done():
                p.future.set_result(p.results)


class _DaemonPool:
    """A small pool of daemon worker threads that grows up to ``max_threads`` when all are busy
    (a thread held by a hung call is replaced instead of blocking the queue)."""

    def __init__(self, max_threads: int) -> None:
        self.max_threads = max_threads
        self._tasks: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0
        self._idle = 0

    def submit(self, fn: Callable[..., Any], *args: Any) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        with self._lock:
            grow = self._idle == 0 and self._threads < self.max_threads
            if grow:
                self._threads += 1
            else:
                self._idle = max(0, self._idle - 1)
        self._tasks.put((future, fn, args))
        if grow:
            threading.Thread(target=self._work, name="rewardlab-score", daemon=True).start()
        return future

    def _work(self) -> None:
        while True:
            item = self._tasks.get()
            if item is None:
                return
            future, fn, args = item
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn(*args))
                except BaseException as exc:  # handed to the awaiting coroutine
                    future.set_exception(exc)
            with self._lock:
                self._idle += 1

    def shutdown(self) -> None:
        with self._lock:
            n = self._threads
        for _ in range(n):
            self._tasks.put(None)
