"""Deadlines for reading a request: a connection that does not finish sending its headers, or its
body, in time is answered 408 and closed.

uvicorn has a keep-alive timeout between requests but none while a request is being read: a
client that opens a connection and sends nothing, or sends its headers or body a byte at a time,
holds the connection (and its memory) for ever, and enough of them starve the server. The
protocol class made by :func:`protocol_with_deadlines` wraps uvicorn's own (httptools or h11)
with two timers:

- **head**: from the first byte of a request (or from the connection being opened) until its
  headers are complete, at most ``head_timeout_s``;
- **body**: from the end of the headers until the end of the body, at most ``body_timeout_s``.

When a timer fires the server writes ``408 Request Timeout`` (an ``ErrorResponse`` JSON body)
unless a response has started, and closes the connection.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

__all__ = ["protocol_with_deadlines"]


def _timeout_response(detail: str) -> bytes:
    body = json.dumps({"error": "request_timeout", "detail": detail, "errors": []}).encode()
    head = (
        b"HTTP/1.1 408 Request Timeout\r\n"
        b"content-type: application/json\r\n"
        b"connection: close\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    return head + body


def protocol_with_deadlines(head_timeout_s: float, body_timeout_s: float, base: type[Any] | None = None) -> type[Any]:
    """uvicorn's HTTP protocol class (``base``, default: the one uvicorn picks) with read deadlines."""
    if base is None:
        from uvicorn.protocols.http.auto import AutoHTTPProtocol

        base = AutoHTTPProtocol

    class DeadlineProtocol(base):  # type: ignore[misc, valid-type]
        _deadline: asyncio.TimerHandle | None = None
        _phase: str | None = None
        _seen_cycle: Any = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm("head")

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            self._follow()

        # -- the timers ----------------------------------------------------------------------
        def _arm(self, phase: str) -> None:
            self._disarm()
            seconds = head_timeout_s if phase == "head" else body_timeout_s
            self._phase = phase
            self._deadline = asyncio.get_running_loop().call_later(seconds, self._expired, phase)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
            self._deadline = None
            self._phase = None

        def _follow(self) -> None:
            """After bytes came in: which part of which request is the connection waiting for?"""
            transport = getattr(self, "transport", None)
            if transport is None or transport.is_closing():
                self._disarm()
                return
            cycle = getattr(self, "cycle", None)
            if cycle is not None and cycle is not self._seen_cycle:  # a request's headers are complete
                self._seen_cycle = cycle
                if cycle.more_body:
                    self._arm("body")
                else:
                    self._disarm()
                return
            if self._phase == "body" and (cycle is None or not cycle.more_body):
                self._disarm()
            elif self._phase is None and (cycle is None or cycle.response_complete):
                self._arm("head")  # the first bytes of the next request on a kept-alive connection

        def _expired(self, phase: str) -> None:
            self._deadline = None
            self._phase = None
            transport = getattr(self, "transport", None)
            if transport is None or transport.is_closing():
                return
            cycle = getattr(self, "cycle", None)
            # Waiting for a head, the previous response (if any) is complete: nothing is being written.
            current = phase == "body" and cycle is not None and cycle is self._seen_cycle
            if not (current and getattr(cycle, "response_started", False)):
                seconds = head_timeout_s if phase == "head" else body_timeout_s
                what = "the request headers" if phase == "head" else "the request body"
                transport.write(_timeout_response(f"{what} did not arrive within {seconds:g}s"))
            if current and not cycle.response_complete:
                cycle.keep_alive = False
            transport.close()

    DeadlineProtocol.__name__ = DeadlineProtocol.__qualname__ = f"Deadline{base.__name__}"
    return DeadlineProtocol
