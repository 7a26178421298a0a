"""A judge behind any OpenAI-compatible ``/v1/chat/completions`` endpoint (vLLM, llama.cpp, hosted APIs).

Every request of a batch is sent concurrently (at most ``concurrency`` in flight), started no
faster than ``rate_limit_per_s``, and retried on timeouts, connection errors, 408/409/425/429
and 5xx answers with exponential backoff (``backoff_s * 2**attempt``, with jitter, capped at
``max_backoff_s``; a ``Retry-After`` header is honoured). Other 4xx answers (bad request, bad
key, unknown model) fail at once. A request that never succeeds is an exception in its slot
(:class:`~rewardlab.core.errors.RewardTimeout` when every attempt timed out), so the other
requests of the batch keep their answers.

``choose`` asks for one token with ``logprobs`` and ``top_logprobs`` (supported by vLLM,
llama.cpp server and OpenAI) and reads the choices' log-probabilities from them.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ....core.errors import RewardTimeout
from .base import BackendError, ChatRequest, JudgeBackend

__all__ = ["OpenAIBackend", "RateLimiter"]

T = TypeVar("T")
RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
_TOP_LOGPROBS = 20


class RateLimiter:
    """Spaces request starts at least ``1 / rate`` seconds apart (shared by all tasks of a loop).

    >>> limiter = RateLimiter(None)
    >>> asyncio.run(limiter.acquire())
    """

    def __init__(self, rate_per_s: float | None) -> None:
        self.interval = 1.0 / rate_per_s if rate_per_s else 0.0
        self._next = 0.0
        self._lock: asyncio.Lock | None = None

    async def acquire(self) -> None:
        if self.interval <= 0:
            return
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            now = time.monotonic()
            wait = self._next - now
            self._next = max(now, self._next) + self.interval
        if wait > 0:
            await asyncio.sleep(wait)


def _run(coro_factory: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion from sync code, even when this thread already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro_factory())  # type: ignore[arg-type]
    box: dict[str, Any] = {}

    def worker() -> None:
        try:
            box["value"] = asyncio.run(coro_factory())  # type: ignore[arg-type]
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=worker, name="rewardlab-judge-http")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


def _retry_after(headers: Any) -> float | None:
    value = headers.get("retry-after") if headers is not None else None
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


@dataclass
class OpenAIBackend(JudgeBackend):
    base_url: str = "http://127.0.0.1:8000/v1"
    model: str = ""
    api_key_env: str | None = "OPENAI_API_KEY"
    timeout_s: float = 60.0
    max_retries: int = 4
    backoff_s: float = 0.5
    max_backoff_s: float = 30.0
    concurrency: int = 8
    rate_limit_per_s: float | None = None
    extra_body: dict[str, Any] = field(default_factory=dict)
    attempts_made: int = field(default=0, repr=False)
    """Total HTTP attempts sent (retries included), for tests and logs."""

    @property
    def endpoint(self) -> str:
        base = self.base_url.rstrip("/")
        return base if base.endswith("/chat/completions") else f"{base}/chat/completions"

    @property
    def identity(self) -> str:
        return f"openai:{self.endpoint}:{self.model}"

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        key = os.environ.get(self.api_key_env) if self.api_key_env else None
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers

    def _payload(self, request: ChatRequest, **over: Any) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": request.as_dicts(),
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            **self.extra_body,
        }
        payload.update(over)
        return payload

    async def _post(self, client: Any, limiter: RateLimiter, payload: dict[str, Any]) -> dict[str, Any]:
        import httpx

        timeouts = 0
        last: str = "no attempt made"
        for attempt in range(self.max_retries + 1):
            await limiter.acquire()
            self.attempts_made += 1
            delay: float | None = None
            try:
                response = await client.post(self.endpoint, json=payload, headers=self._headers())
            except httpx.TimeoutException:
                timeouts += 1
                last = f"timed out after {self.timeout_s:g} s"
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code == 200:
                    try:
                        body = response.json()
                    except ValueError:
                        raise BackendError(f"{self.endpoint} answered 200 with a body that is not JSON") from None
                    if not isinstance(body, dict) or not body.get("choices"):
                        raise BackendError(f"{self.endpoint} answered without 'choices': {str(body)[:200]}")
                    return body
                text = response.text[:300]
                if response.status_code not in RETRY_STATUS:
                    raise BackendError(f"{self.endpoint} answered HTTP {response.status_code}: {text}")
                last = f"HTTP {response.status_code}: {text}"
                delay = _retry_after(response.headers)
            if attempt == self.max_retries:
                break
            if delay is None:
                delay = min(self.max_backoff_s, self.backoff_s * (2**attempt)) * (0.5 + random.random() / 2)
            await asyncio.sleep(min(delay, self.max_backoff_s))
        attempts = self.max_retries + 1
        if timeouts == attempts:
            raise RewardTimeout(f"judge endpoint {self.endpoint} timed out on all {attempts} attempts")
        raise BackendError(f"judge endpoint {self.endpoint} failed after {attempts} attempts; last: {last}")

    def _send_all(self, payloads: Sequence[dict[str, Any]]) -> list[dict[str, Any] | BaseException]:
        import httpx

        async def main() -> list[dict[str, Any] | BaseException]:
            limiter = RateLimiter(self.rate_limit_per_s)
            gate = asyncio.Semaphore(self.concurrency)
            limits = httpx.Limits(max_connections=self.concurrency, max_keepalive_connections=self.concurrency)
            async with httpx.AsyncClient(timeout=self.timeout_s, limits=limits) as client:

                async def one(payload: dict[str, Any]) -> dict[str, Any] | BaseException:
                    async with gate:
                        try:
                            return await self._post(client, limiter, payload)
                        except (Exception, RewardTimeout) as exc:
                            return exc

                return list(await asyncio.gather(*(one(p) for p in payloads)))

        return _run(main)

    def post_many(self, payloads: Sequence[dict[str, Any]]) -> list[dict[str, Any] | BaseException]:
        """POST every body to the endpoint at once (concurrency, rate limit and retries as above).

        One slot per body: the parsed JSON answer, or the exception that request ended with. Other
        users of the endpoint (``rewardlab sample``) build their own bodies and share this client.
        """
        return self._send_all(payloads)

    def _complete(self, requests: Sequence[ChatRequest]) -> list[str | BaseException]:
        bodies = self._send_all([self._payload(r) for r in requests])
        out: list[str | BaseException] = []
        for body in bodies:
            if isinstance(body, BaseException):
                out.append(body)
                continue
            message = (body["choices"][0] or {}).get("message") or {}
            content = message.get("content")
            if not isinstance(content, str):
                out.append(BackendError(f"response has no message content: {str(body)[:200]}"))
            else:
                out.append(content)
        return out

    def _choose(self, requests: Sequence[ChatRequest], choices: Sequence[str]) -> list[list[float] | BaseException]:
        payloads = [
            self._payload(r, max_tokens=1, temperature=0.0, logprobs=True, top_logprobs=_TOP_LOGPROBS) for r in requests
        ]
        out: list[list[float] | BaseException] = []
        for body in self._send_all(payloads):
            if isinstance(body, BaseException):
                out.append(body)
                continue
            try:
                out.append(_choice_logprobs(body, choices))
            except BackendError as exc:
                out.append(exc)
        return out


def _choice_logprobs(body: dict[str, Any], choices: Sequence[str]) -> list[float]:
    """The choices' log-probabilities from the first generated token's ``top_logprobs``."""
    try:
        first = body["choices"][0]["logprobs"]["content"][0]
    except (KeyError, IndexError, TypeError):
        raise BackendError("the endpoint returned no logprobs (does it support logprobs/top_logprobs?)") from None
    candidates = [(first.get("token", ""), first.get("logprob"))]
    candidates += [(t.get("token", ""), t.get("logprob")) for t in first.get("top_logprobs") or []]
    best: dict[str, float] = {}
    for token, logprob in candidates:
        if not isinstance(logprob, (int, float)):
            continue
        key = str(token).strip().lower()
        if key not in best or logprob > best[key]:
            best[key] = float(logprob)
    values = [best.get(c.strip().lower(), -math.inf) for c in choices]
    if all(v == -math.inf for v in values):
        shown = ", ".join(repr(t) for t, _ in candidates[:8])
        raise BackendError(f"none of the verdict tokens {list(choices)} is among the top log-probabilities ({shown})")
    return values
