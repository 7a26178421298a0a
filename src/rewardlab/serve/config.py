"""Settings of the reward server, with the defaults ``rewardlab serve`` uses.

>>> cfg = ServerConfig(max_batch_size=32)
>>> cfg.max_batch_size, cfg.host
(32, '127.0.0.1')
>>> ServerConfig(max_batch_size=0)
Traceback (most recent call last):
...
ValueError: max_batch_size must be at least 1, got 0
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, replace
from typing import Any, Literal

__all__ = ["TOKEN_ENV", "ServerConfig"]

TOKEN_ENV = "REWARDLAB_TOKEN"


@dataclass(frozen=True)
class ServerConfig:
    """Everything the server needs besides the spec.

    - batching: up to ``max_batch_size`` samples or ``max_delay_ms`` after the first one,
      whichever comes first; ``workers`` batches run at once (``None``: 1 for specs with model
      rewards, 8 otherwise). ``batching="auto"`` merges requests for model rewards that are not
      batch dependent and scores other specs request by request (``merge`` / ``per_request``
      force one way);
    - backpressure: at most ``max_queue`` samples wait; past that, 503 with ``Retry-After``;
    - limits: bodies over ``max_body_bytes`` and requests over ``max_samples`` get 413;
    - deadlines: ``default_timeout_s`` unless the request sets its own (field or header); a
      connection must send a request's headers within ``header_timeout_s`` and its body within
      ``body_timeout_s`` of the headers (else 408 and the connection is closed). Under Ray Serve
      (``--ray``) only the body deadline holds (the app's own, from the moment the proxy hands it
      the request): Ray's proxy reads the headers with a uvicorn rewardlab cannot configure;
    - cache: ``cache_url`` is ``None`` (the default SQLite file under ``$REWARDLAB_HOME``),
      ``"off"``, a path / ``sqlite:///PATH``, or ``redis://HOST:PORT/DB``;
    - OpenRLHF (``/get_reward``): ``label_field`` receives the labels; ``on_missing`` is the number
      answered for a query without a score (counted and logged); ``end_markers`` are the texts
      stripped from the end of each response (``None``: the common chat templates' markers);
    - security: ``token`` (bearer) is compared in constant time; bodies are logged only with
      ``log_bodies``.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None
    max_batch_size: int = 64
    max_delay_ms: float = 10.0
    workers: int | None = None
    max_queue: int = 4096
    max_body_bytes: int = 16 * 1024 * 1024
    max_samples: int = 4096
    default_timeout_s: float = 300.0
    header_timeout_s: float = 10.0
    body_timeout_s: float = 60.0
    cache_url: str | None = None
    label_field: str = "answer"
    on_missing: float = 0.0
    end_markers: tuple[str, ...] | None = None
    log_bodies: bool = False
    warmup: bool = True
    batching: Literal["auto", "merge", "per_request"] = "auto"

    def __post_init__(self) -> None:
        checks = {
            "max_batch_size": 1,
            "max_queue": 1,
            "max_body_bytes": 1024,
            "max_samples": 1,
        }
        for name, minimum in checks.items():
            value = getattr(self, name)
            if value < minimum:
                raise ValueError(f"{name} must be at least {minimum}, got {value}")
        if self.max_delay_ms < 0:
            raise ValueError(f"max_delay_ms must be >= 0, got {self.max_delay_ms}")
        for name in ("default_timeout_s", "header_timeout_s", "body_timeout_s"):
            value = getattr(self, name)
            if not value > 0 or value == float("inf"):
                raise ValueError(f"{name} must be a number of seconds > 0, got {value}")
        if self.workers is not None and self.workers < 1:
            raise ValueError(f"workers must be at least 1, got {self.workers}")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be in 0..65535, got {self.port}")
        if not math.isfinite(self.on_missing):
            raise ValueError(f"on_missing must be a finite number (JSON has no NaN), got {self.on_missing}")
        if self.token is not None:
            from .auth import token_problem

            problem = token_problem(self.token)
            if problem is not None:
                raise ValueError(f"token: {problem}")

    def with_env_token(self) -> ServerConfig:
        """This config with the token taken from ``$REWARDLAB_TOKEN`` when none is set."""
        if self.token is None and os.environ.get(TOKEN_ENV):
            return replace(self, token=os.environ[TOKEN_ENV])
        return self

    def replace(self, **changes: Any) -> ServerConfig:
        return replace(self, **changes)
