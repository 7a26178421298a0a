"""The client of ``rewardlab serve``: sync and async, over one or several server URLs.

- **Start-up**: the first call waits (up to ``wait_ready_s``) until a server answers ``/readyz``,
  and reads the spec from ``/v1/spec``; servers with different spec hashes are refused.
- **Sharding**: a request is split into contiguous shards, one per live server (never for
  batch-dependent specs, whose requests must stay whole), and further into chunks of at most
  ``max_request_samples``.
- **Failover and retries**: a connection error, a timeout, a 5xx or a 503 (queue full / not
  ready) moves the shard to the next server, with exponential backoff and jitter (or the
  server's ``Retry-After``); after ``retries`` retries :class:`ServerUnavailable` is raised.
- **Failures are never zeros**: a sample the server could not score comes back as a result with
  status ``error``/``timeout`` and its message; a request the server refuses (401, 413, 422)
  raises :class:`RequestRejected` with the server's explanation.

>>> client = RewardClient(["http://127.0.0.1:8000", "http://127.0.0.1:8001/"], wait_ready_s=5)
>>> client.urls
['http://127.0.0.1:8000', 'http://127.0.0.1:8001']
>>> client.plan(10, batch_dependent=False)
[(0, 5), (5, 10)]
>>> client.plan(10, batch_dependent=True)
[(0, 10)]
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..core.errors import RewardlabError
from ..core.result import RewardResult
from ..core.sample import Sample, as_samples

__all__ = ["AsyncRewardClient", "RequestRejected", "RewardClient", "ServerUnavailable"]

RETRYABLE = frozenset({408, 429, 500, 502, 503, 504})
TOKEN_ENV = "REWARDLAB_TOKEN"


class ServerUnavailable(RewardlabError):
    """No server could answer (connection errors, timeouts, 5xx, 503) after every retry."""


class RequestRejected(RewardlabError):
    """A server refused the request itself (401, 413, 422, ...); retrying would not help."""

    def __init__(self, status: int, detail: str, errors: list[dict[str, Any]] | None = None, url: str = "") -> None:
        self.status = status
        self.detail = detail
        self.errors = errors or []
        self.url = url
        super().__init__(f"{url}: HTTP {status}: {detail}")


log = logging.getLogger("rewardlab.client")

# Seconds between two "still waiting" lines while the servers are not ready.
WAIT_LOG_INTERVAL_S = 15.0


class _Waiting:
    """One wait for ``/readyz``, shared by the sync and async clients: what each probe's answer
    means, and how long to sleep before the next round (past the deadline: :class:`ServerUnavailable`).
    It says which servers it waits for and why (first at once, then every ``WAIT_LOG_INTERVAL_S``):
    a trainer's log shows why its first step has not come."""

    def __init__(self, client: _Base, timeout_s: float | None) -> None:
        self.client = client
        self.limit = client.wait_ready_s if timeout_s is None else timeout_s
        self.started = time.monotonic()
        self.deadline = self.started + (self.limit or 0.0)
        self.last = -float("inf")
        self.reasons: dict[str, str] = {}
        self.attempt = 0

    def ready(self, url: str, reply: Any) -> bool:
        """Whether a ``/readyz`` probe's reply (a response, or the transport error) says ready."""
        if isinstance(reply, Exception):
            self.reasons[url] = f"{type(reply).__name__}: {reply}"
            return False
        if reply.status_code == 200:
            return True
        try:
            self.reasons[url] = f"not ready: {reply.json().get('detail')}"
        except ValueError:
            self.reasons[url] = f"HTTP {reply.status_code}"
        return False

    def pause(self) -> float:
        """Seconds to sleep before the next round of probes; raises past the deadline."""
        now = time.monotonic()
        shown = "; ".join(f"{u}: {m}" for u, m in self.reasons.items())
        if now >= self.deadline:
            raise ServerUnavailable(f"no reward server became ready within {self.limit:g}s ({shown})")
        if now - self.last >= WAIT_LOG_INTERVAL_S:
            self.last = now
            log.warning(
                "waiting for a reward server: %s (%.0fs so far, giving up in %.0fs)",
                shown,
                now - self.started,
                max(0.0, self.deadline - now),
            )
        delay = min(self.client._delay(self.attempt, None), max(0.0, self.deadline - time.monotonic()))
        self.attempt += 1
        return delay


class _Attempts:
    """The retries of one POST, shared by the sync and async clients: which server each attempt
    goes to, what its reply means, and how long to wait before the next one."""

    def __init__(self, client: _Base, path: str, index: int) -> None:
        self.client = client
        self.path = path
        self.order = client._order(index)
        self.last = ""
        self.retry_after: str | None = None

    def __iter__(self) -> Iterator[str]:
        for attempt in range(self.client.retries + 1):
            self.attempt = attempt
            self.retry_after = None
            yield self.order[attempt % len(self.order)]

    def answer(self, url: str, reply: Any) -> dict[str, Any] | None:
        """The body of a 200 reply; ``None`` when the next attempt should follow (a transport error,
        a retryable status); raises :class:`RequestRejected` when retrying cannot help."""
        client = self.client
        if isinstance(reply, Exception):
            client._mark_down(url)
            self.last = f"{url}: {type(reply).__name__}: {reply}"
            return None
        if reply.status_code == 200:
            return reply.json()  # type: ignore[no-any-return]
        if reply.status_code not in RETRYABLE:
            raise client._rejected(url, reply)
        self.retry_after = reply.headers.get("retry-after")
        self.last = f"{url}: HTTP {reply.status_code}: {client._rejected(url, reply).detail}"
        if reply.status_code != 503:
            client._mark_down(url)
        return None

    def pause(self) -> float | None:
        """Seconds to wait before the next attempt; ``None`` after the last one."""
        if self.attempt >= self.client.retries:
            return None
        return self.client._delay(self.attempt, self.retry_after)

    def failure(self) -> ServerUnavailable:
        return ServerUnavailable(
            f"{self.path}: no server answered after {self.client.retries + 1} attempts; last: {self.last}"
        )


class _Base:
    def __init__(
        self,
        urls: str | Sequence[str],
        *,
        token: str | None = None,
        timeout: float = 300.0,
        connect_timeout: float = 5.0,
        retries: int = 4,
        backoff_s: float = 0.25,
        max_backoff_s: float = 8.0,
        wait_ready_s: float | None = 120.0,
        max_request_samples: int = 1024,
        shard: bool = True,
    ) -> None:
        if isinstance(urls, str):
            urls = [u for u in urls.replace(",", " ").split() if u]
        self.urls = [u.rstrip("/") for u in urls]
        if not self.urls:
            raise ValueError("give at least one server URL, e.g. http://127.0.0.1:8000")
        for u in self.urls:
            if not u.startswith(("http://", "https://")):
                raise ValueError(f"server URL {u!r} must start with http:// or https://")
        self.token = token if token is not None else (os.environ.get(TOKEN_ENV) or None)
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.retries = retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.wait_ready_s = wait_ready_s
        self.max_request_samples = max(1, max_request_samples)
        self.shard = shard
        self._spec: dict[str, Any] | None = None
        self._down: dict[str, float] = {}  # url -> monotonic time until which it is skipped first

    # ---- planning --------------------------------------------------------------------------
    def plan(self, n: int, *, batch_dependent: bool) -> list[tuple[int, int]]:
        """Contiguous ``(start, end)`` shards of a request of ``n`` samples."""
        if n == 0:
            return []
        if batch_dependent:
            return [(0, n)]
        parts = min(n, len(self.live_urls())) if self.shard else 1
        parts = max(parts, -(-n // self.max_request_samples))
        size = -(-n // parts)
        return [(a, min(n, a + size)) for a in range(0, n, size)]

    def live_urls(self) -> list[str]:
        now = time.monotonic()
        live = [u for u in self.urls if self._down.get(u, 0.0) <= now]
        return live or list(self.urls)

    def _order(self, index: int) -> list[str]:
        live = self.live_urls()
        rest = [u for u in self.urls if u not in live]
        k = index % len(live)
        return live[k:] + live[:k] + rest

    def _mark_down(self, url: str) -> None:
        self._down[url] = time.monotonic() + 5.0

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after is not None:
            try:
                return min(self.max_backoff_s, max(0.0, float(retry_after)))
            except ValueError:
                pass
        base = min(self.max_backoff_s, self.backoff_s * (2**attempt))
        return base * (0.5 + random.random() / 2)

    def _headers(self, timeout_s: float | None) -> dict[str, str]:
        headers = {"content-type": "application/json"}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        if timeout_s is not None:
            headers["x-request-timeout"] = f"{timeout_s:g}"
        return headers

    def _http_timeout(self, timeout_s: float | None) -> Any:
        import httpx

        read = (timeout_s + 10.0) if timeout_s is not None else self.timeout
        return httpx.Timeout(read, connect=self.connect_timeout)

    @staticmethod
    def _rejected(url: str, response: Any) -> RequestRejected:
        try:
            body = response.json()
            detail, errors = str(body.get("detail", body)), list(body.get("errors", []))
        except Exception:
            detail, errors = response.text[:500], []
        return RequestRejected(response.status_code, detail, errors, url)

    def _check_spec(self, specs: dict[str, dict[str, Any]]) -> dict[str, Any]:
        hashes = {u: s["hash"] for u, s in specs.items()}
        if len(set(hashes.values())) > 1:
            shown = ", ".join(f"{u} -> {h}" for u, h in hashes.items())
            raise RewardlabError(f"the servers score with different specs ({shown}); give URLs of one spec")
        return next(iter(specs.values()))

    def _spec_reply(self, url: str, response: Any) -> dict[str, Any]:
        """The body of a ``/v1/spec`` reply (raises :class:`RequestRejected` unless it is a 200)."""
        if response.status_code != 200:
            raise self._rejected(url, response)
        return response.json()  # type: ignore[no-any-return]

    def _use_spec(self, ready: list[str], specs: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """Keep the ready servers' common spec; the servers that were not ready are tried last."""
        self._spec = self._check_spec(specs)
        for url in ready:
            self._down.pop(url, None)
        for url in set(self.urls) - set(ready):
            self._mark_down(url)
        return self._spec

    def _request(self, body: dict[str, Any], timeout_s: float | None) -> dict[str, Any]:
        """The keyword arguments of a POST with ``body``."""
        return {"json": body, "headers": self._headers(timeout_s), "timeout": self._http_timeout(timeout_s)}

    @staticmethod
    def _payload(
        samples: list[Sample], group_key: str | None, step: int | None, timeout_s: float | None, cache: bool
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"samples": [s.to_json_dict() for s in samples], "cache": cache}
        if group_key is not None:
            body["group_key"] = group_key
        if step is not None:
            body["step"] = step
        if timeout_s is not None:
            body["timeout_s"] = timeout_s
        return body

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        for key in ("_http", "_pool", "_lock"):
            state.pop(key, None)
        return state


class RewardClient(_Base):
    """Synchronous client (thread safe). Use as a context manager or call :meth:`close`."""

    def __init__(self, urls: str | Sequence[str], **kw: Any) -> None:
        super().__init__(urls, **kw)
        self._http: Any = None
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._http = None
        self._pool = None
        self._lock = threading.Lock()

    @property
    def http(self) -> Any:
        with self._lock:
            if self._http is None:
                import httpx

                self._http = httpx.Client(timeout=httpx.Timeout(self.timeout, connect=self.connect_timeout))
            return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None

    def __enter__(self) -> RewardClient:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ---- start-up --------------------------------------------------------------------------
    def wait_ready(self, timeout_s: float | None = None) -> dict[str, Any]:
        """Wait until at least one server is ready; return the spec (``/v1/spec``)."""
        import httpx

        waiting = _Waiting(self, timeout_s)
        while True:
            ready: list[str] = []
            for url in self.urls:
                try:
                    reply: Any = self.http.get(f"{url}/readyz", timeout=self.connect_timeout + 5.0)
                except httpx.TransportError as exc:
                    reply = exc
                if waiting.ready(url, reply):
                    ready.append(url)
            if ready:
                specs = {
                    u: self._spec_reply(u, self.http.get(f"{u}/v1/spec", headers=self._headers(None))) for u in ready
                }
                return self._use_spec(ready, specs)
            time.sleep(waiting.pause())

    def spec(self) -> dict[str, Any]:
        """The servers' spec (name, hash, components, batch_dependent, ...)."""
        return self._spec if self._spec is not None else self.wait_ready()

    # ---- calls -----------------------------------------------------------------------------
    def _post(self, path: str, body: dict[str, Any], index: int, timeout_s: float | None) -> dict[str, Any]:
        import httpx

        attempts = _Attempts(self, path, index)
        for url in attempts:
            try:
                reply: Any = self.http.post(f"{url}{path}", **self._request(body, timeout_s))
            except httpx.TransportError as exc:
                reply = exc
            if (answer := attempts.answer(url, reply)) is not None:
                return answer
            if (pause := attempts.pause()) is not None:
                time.sleep(pause)
        raise attempts.failure()

    def score(
        self,
        samples: Sequence[Sample | dict[str, Any]],
        *,
        group_key: str | None = None,
        step: int | None = None,
        timeout_s: float | None = None,
        cache: bool = True,
    ) -> list[RewardResult]:
        """One result per sample, in order (failed samples are results with status error/timeout)."""
        batch = as_samples(samples)
        if not batch:
            return []
        spec = self.spec()
        shards = self.plan(len(batch), batch_dependent=bool(spec.get("batch_dependent")))

        def run(i: int) -> list[RewardResult]:
            a, b = shards[i]
            body = self._payload(batch[a:b], group_key, step, timeout_s, cache)
            out = self._post("/v1/score", body, i, timeout_s)
            return [RewardResult.model_validate(r) for r in out["results"]]

        if len(shards) == 1:
            return run(0)
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=max(2, len(self.urls)), thread_name_prefix="rewardlab-client"
                )
            pool = self._pool
        parts = list(pool.map(run, range(len(shards))))
        return [r for part in parts for r in part]

    def scores(self, samples: Sequence[Sample | dict[str, Any]], **kw: Any) -> list[float | None]:
        return [r.score for r in self.score(samples, **kw)]

    def get_reward(
        self, queries: Sequence[str], prompts: Sequence[str] | None = None, labels: Sequence[Any] | None = None
    ) -> dict[str, Any]:
        """OpenRLHF's ``/get_reward`` (one server, with failover)."""
        self.spec()
        body = {"query": list(queries), "prompts": list(prompts) if prompts is not None else None, "labels": labels}
        return self._post("/get_reward", body, 0, None)


class AsyncRewardClient(_Base):
    """Asynchronous client: ``async with AsyncRewardClient(urls) as c: await c.score(samples)``."""

    def __init__(self, urls: str | Sequence[str], **kw: Any) -> None:
        super().__init__(urls, **kw)
        self._http: Any = None

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._http = None

    @property
    def http(self) -> Any:
        if self._http is None:
            import httpx

            self._http = httpx.AsyncClient(
                timeout=httpx.Timeout(self.timeout, connect=self.connect_timeout),
                limits=httpx.Limits(max_connections=256, max_keepalive_connections=64),
            )
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def __aenter__(self) -> AsyncRewardClient:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    async def wait_ready(self, timeout_s: float | None = None) -> dict[str, Any]:
        import httpx

        waiting = _Waiting(self, timeout_s)

        async def probe(url: str) -> Any:
            try:
                return await self.http.get(f"{url}/readyz", timeout=self.connect_timeout + 5.0)
            except httpx.TransportError as exc:
                return exc

        while True:
            replies = await asyncio.gather(*(probe(u) for u in self.urls))
            ready = [u for u, reply in zip(self.urls, replies, strict=True) if waiting.ready(u, reply)]
            if ready:
                specs = {
                    u: self._spec_reply(u, await self.http.get(f"{u}/v1/spec", headers=self._headers(None)))
                    for u in ready
                }
                return self._use_spec(ready, specs)
            await asyncio.sleep(waiting.pause())

    async def spec(self) -> dict[str, Any]:
        return self._spec if self._spec is not None else await self.wait_ready()

    async def _post(self, path: str, body: dict[str, Any], index: int, timeout_s: float | None) -> dict[str, Any]:
        import httpx

        attempts = _Attempts(self, path, index)
        for url in attempts:
            try:
                reply: Any = await self.http.post(f"{url}{path}", **self._request(body, timeout_s))
            except httpx.TransportError as exc:
                reply = exc
            if (answer := attempts.answer(url, reply)) is not None:
                return answer
            if (pause := attempts.pause()) is not None:
                await asyncio.sleep(pause)
        raise attempts.failure()

    async def score(
        self,
        samples: Sequence[Sample | dict[str, Any]],
        *,
        group_key: str | None = None,
        step: int | None = None,
        timeout_s: float | None = None,
        cache: bool = True,
    ) -> list[RewardResult]:
        batch = as_samples(samples)
        if not batch:
            return []
        spec = await self.spec()
        shards = self.plan(len(batch), batch_dependent=bool(spec.get("batch_dependent")))

        async def run(i: int) -> list[RewardResult]:
            a, b = shards[i]
            body = self._payload(batch[a:b], group_key, step, timeout_s, cache)
            out = await self._post("/v1/score", body, i, timeout_s)
            return [RewardResult.model_validate(r) for r in out["results"]]

        parts = await asyncio.gather(*(run(i) for i in range(len(shards))))
        return [r for part in parts for r in part]

    async def get_reward(
        self, queries: Sequence[str], prompts: Sequence[str] | None = None, labels: Sequence[Any] | None = None
    ) -> dict[str, Any]:
        await self.spec()
        body = {"query": list(queries), "prompts": list(prompts) if prompts is not None else None, "labels": labels}
        return await self._post("/get_reward", body, 0, None)
