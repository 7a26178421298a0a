"""What the server refuses before any work is done: unauthenticated requests (401), bodies over
the size limit (413), bodies that do not arrive in time (408), and work beyond the queue bound
(503 with ``Retry-After``).

:class:`GuardMiddleware` is a plain ASGI middleware: it checks the bearer token, then reads the
body up to ``max_body_bytes`` (by ``Content-Length`` when given, by counting otherwise, so a
chunked upload cannot slip past) within ``body_timeout_s`` of the application being called, and
replays it to the application. The body deadline is the one every ASGI server gets, whatever
reads the connection: under uvicorn (``rewardlab serve``) the connection's own read deadlines
(:mod:`.deadlines`) fire first; under Ray Serve, whose HTTP proxy runs a uvicorn that rewardlab
cannot configure, it is the only one (see :mod:`.ray_serve` for the header deadline).
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .auth import OPEN_PATHS, check_bearer

__all__ = ["GuardMiddleware", "QueueFull", "error_body", "retry_after_s"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class QueueFull(Exception):
    """The bounded queue cannot take a request now; the client should retry after ``retry_after`` s."""

    def __init__(self, waiting: int, capacity: int, retry_after: float) -> None:
        self.waiting = waiting
        self.capacity = capacity
        self.retry_after = retry_after
        super().__init__(
            f"the server is at capacity ({waiting} samples waiting, bound {capacity}); retry after {retry_after:g}s"
        )


def retry_after_s(waiting: int, samples_per_s: float | None) -> int:
    """A ``Retry-After`` in whole seconds: the time to drain the queue at the recent rate (1..30 s).

    >>> retry_after_s(1000, 500.0), retry_after_s(10, None), retry_after_s(10**6, 1.0)
    (2, 1, 30)
    """
    if not samples_per_s or samples_per_s <= 0:
        return 1
    return int(min(30, max(1, math.ceil(waiting / samples_per_s))))


def error_body(error: str, detail: str, errors: list[dict[str, Any]] | None = None) -> bytes:
    """The JSON of an :class:`~rewardlab.serve.schemas.ErrorResponse`."""
    return json.dumps({"error": error, "detail": detail, "errors": errors or []}).encode("utf-8")


async def _send_json(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class GuardMiddleware:
    """Authentication and the body-size limit, in front of the application."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str | None,
        max_body_bytes: int,
        on_reject: Callable[[str, str], None] | None = None,
        body_timeout_s: float | None = None,
    ) -> None:
        self.app = app
        self.token = token
        self.max_body_bytes = max_body_bytes
        self.on_reject = on_reject
        self.body_timeout_s = body_timeout_s

    def _rejected(self, reason: str, path: str) -> None:
        if self.on_reject is not None:
            self.on_reject(reason, path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        # With a token, everything but the probes needs it: the API document and the docs pages
        # too (they name the spec, and they are of no use to someone who may not call the API).
        if path not in OPEN_PATHS and not check_bearer(headers.get("authorization"), self.token):
            self._rejected("unauthorized", path)
            await _send_json(
                send,
                401,
                error_body("unauthorized", "missing or wrong bearer token: send 'Authorization: Bearer <token>'"),
                [(b"www-authenticate", b'Bearer realm="rewardlab"')],
            )
            return
        if scope.get("method") not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            self._rejected("too_large", path)
            await _send_json(send, 413, self._too_large(int(declared)))
            return
        # Read the body (bounded in size and time), then replay it: chunked uploads are counted too.
        chunks: list[bytes] = []
        size = 0
        loop = asyncio.get_running_loop()
        deadline = None if self.body_timeout_s is None else loop.time() + self.body_timeout_s
        while True:
            try:
                if deadline is None:
                    message = await receive()
                else:
                    message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                self._rejected("timeout", path)
                detail = f"the request body did not arrive within {self.body_timeout_s:g}s"
                await _send_json(send, 408, error_body("request_timeout", detail), [(b"connection", b"close")])
                return
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                self._rejected("too_large", path)
                await _send_json(send, 413, self._too_large(size, at_least=True))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _too_large(self, size: int, at_least: bool = False) -> bytes:
        got = f"{'at least ' if at_least else ''}{size} bytes"
        return error_body(
            "too_large",
            f"request body is {got}; the limit is {self.max_body_bytes} bytes (--max-body-bytes): "
            "send fewer samples per request",
        )
