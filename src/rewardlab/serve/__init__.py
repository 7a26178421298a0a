"""The reward server (FastAPI), its client, batching, cache, auth and metrics.

Importing this package is light: FastAPI, uvicorn, httpx and Ray load only in the functions
that need them.

- :func:`create_app` -- the FastAPI application for a spec (``rewardlab serve -r SPEC``);
- :class:`ScoringService` -- cache + dynamic batcher + deadlines around a spec, without HTTP;
- :class:`RewardClient` / :class:`AsyncRewardClient` -- the client (also ``rewardlab.client``);
- :class:`ServerConfig` -- the server's settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .config import ServerConfig

if TYPE_CHECKING:
    from .app import create_app
    from .client import AsyncRewardClient, RewardClient
    from .engine import ScoringService

__all__ = ["AsyncRewardClient", "RewardClient", "ScoringService", "ServerConfig", "create_app"]

_LAZY = {
    "create_app": ".app",
    "ScoringService": ".engine",
    "RewardClient": ".client",
    "AsyncRewardClient": ".client",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(module, __name__), name)
