"""A small OpenAI-compatible ``/v1/chat/completions`` server for the judge tests (real HTTP on 127.0.0.1).

Each request takes the next scripted action, if any, else the default answer:

- ``("status", code)`` or ``("status", code, {"Retry-After": "0"})``: answer with that HTTP status;
- ``("sleep", seconds)``: wait, then answer normally (to exceed a client timeout);
- ``("text", reply)``: answer with that assistant text;
- ``("garbage",)``: answer 200 with a body that is not JSON.

The default answer is ``reply_for(payload)`` (text) or, when the request asks for
``logprobs``, a first token with ``top_logprobs`` from ``logprobs_for(payload)``.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeOpenAI:
    def __init__(self) -> None:
        self.script: deque[tuple[Any, ...]] = deque()
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.started: list[float] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.delay = 0.0
        self.reply_for: Callable[[dict[str, Any]], str] = lambda payload: "Score: 7"
        self.logprobs_for: Callable[[dict[str, Any]], dict[str, float]] = lambda payload: {"A": -0.2, "B": -1.8}
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                payload = json.loads(self.rfile.read(length) or b"{}")
                with fake._lock:
                    fake.requests.append(payload)
                    fake.headers.append({k.lower(): v for k, v in self.headers.items()})
                    fake.started.append(time.monotonic())
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                    action = fake.script.popleft() if fake.script else None
                try:
                    fake._answer(self, payload, action)
                finally:
                    with fake._lock:
                        fake.in_flight -= 1

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _send(self, handler: BaseHTTPRequestHandler, code: int, body: bytes, headers: dict[str, str] | None = None):
        handler.send_response(code)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            handler.send_header(k, v)
        handler.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
            handler.wfile.write(body)

    def _answer(self, handler: BaseHTTPRequestHandler, payload: dict[str, Any], action: tuple[Any, ...] | None):
        if self.delay:
            time.sleep(self.delay)
        reply = None
        if action is not None:
            kind = action[0]
            if kind == "status":
                extra = action[2] if len(action) > 2 else {}
                body = json.dumps({"error": {"message": f"scripted {action[1]}"}}).encode()
                self._send(handler, action[1], body, extra)
                return
            if kind == "sleep":
                time.sleep(action[1])
            elif kind == "text":
                reply = action[1]
            elif kind == "garbage":
                self._send(handler, 200, b"<html>not json</html>")
                return
        if payload.get("logprobs"):
            probs = self.logprobs_for(payload)
            best = max(probs, key=probs.get)
            content = [
                {
                    "token": best,
                    "logprob": probs[best],
                    "top_logprobs": [{"token": t, "logprob": lp} for t, lp in probs.items()],
                }
            ]
            message = {"role": "assistant", "content": best}
            choice = {"index": 0, "message": message, "logprobs": {"content": content}, "finish_reason": "length"}
        else:
            text = reply if reply is not None else self.reply_for(payload)
            choice = {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        body = json.dumps({"id": "x", "object": "chat.completion", "model": payload.get("model"), "choices": [choice]})
        self._send(handler, 200, body.encode())
