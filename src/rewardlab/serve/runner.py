"""Running the app: in the foreground (``rewardlab serve``) or in a background thread
(:class:`BackgroundServer`, for notebooks, benchmarks and tests).

>>> from rewardlab.serve.config import ServerConfig
>>> with BackgroundServer("exact_match", ServerConfig(port=0, cache_url="off")) as server:
...     import httpx
...     httpx.get(server.url + "/readyz").json()["ready"]
True
"""

from __future__ import annotations

import importlib
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from ..core.reward import Reward
from ..core.spec import Spec
from .config import ServerConfig

__all__ = ["BackgroundServer", "bind", "import_plugins", "serve_forever"]

log = logging.getLogger("rewardlab.serve")


def import_plugins(modules: Iterable[str]) -> None:
    """Import modules that register rewards (``--import my_rewards``) before the spec is resolved."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise ImportError(f"--import {name}: {exc}") from exc


def _uvicorn_config(app: Any, config: ServerConfig, log_level: str) -> Any:
    import uvicorn

    from .deadlines import protocol_with_deadlines

    return uvicorn.Config(
        app,
        http=protocol_with_deadlines(config.header_timeout_s, config.body_timeout_s),
        host=config.host,
        port=config.port,
        log_level=log_level,
        access_log=log_level in ("debug", "trace"),
        timeout_graceful_shutdown=5,
        lifespan="on",
        backlog=2048,
    )


def bind(host: str, port: int) -> socket.socket:
    """A listening-ready TCP socket on ``host:port`` (0: a free port), or ``OSError`` saying why not.

    Bound before the server starts, so a port in use is an error at once (not after a banner)
    and port 0 has its real number to print.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        hint = " (another server on this port? choose --port, or --port 0 for any free one)" if port else ""
        raise OSError(exc.errno, f"cannot listen on {host}:{port}: {exc.strerror or exc}{hint}") from None
    sock.set_inheritable(True)
    return sock


def serve_forever(
    spec: str | Spec | Reward,
    config: ServerConfig,
    *,
    log_level: str = "info",
    on_listening: Callable[[int], None] | None = None,
) -> None:
    """Serve until interrupted (Ctrl-C / SIGTERM). ``on_listening(port)`` runs once the port is
    bound (the real port when ``config.port`` is 0), before the app starts."""
    import uvicorn

    from .app import create_app

    sock = bind(config.host, config.port)
    port = sock.getsockname()[1]
    if on_listening is not None:
        on_listening(port)
    app = create_app(spec, config)
    uvicorn.Server(_uvicorn_config(app, config.replace(port=port), log_level)).run(sockets=[sock])


class BackgroundServer:
    """The reward server in a daemon thread of this process, on ``config.port`` (0: a free port)."""

    def __init__(
        self,
        spec: str | Spec | Reward | Any,
        config: ServerConfig | None = None,
        *,
        log_level: str = "warning",
        app: Any = None,
    ) -> None:
        import uvicorn

        from .app import create_app

        self.config = config or ServerConfig(port=0)
        self.app = app if app is not None else create_app(spec, self.config)
        self.server = uvicorn.Server(_uvicorn_config(self.app, self.config, log_level))
        self.thread = threading.Thread(target=self.server.run, name="rewardlab-server", daemon=True)
        self.port: int | None = None

    @property
    def url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    def start(self, timeout_s: float = 60.0, *, wait_ready: bool = True) -> BackgroundServer:
        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("the server thread stopped during start-up (is the port in use?)")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the server did not start within {timeout_s:g}s")
            time.sleep(0.02)
        sockets = [s for srv in self.server.servers for s in srv.sockets]
        self.port = sockets[0].getsockname()[1]
        if wait_ready:
            service = self.app.state.service
            while not service.ready:
                if service.not_ready_reason and service.not_ready_reason.startswith("loading failed"):
                    raise RuntimeError(service.not_ready_reason)
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the server was not ready within {timeout_s:g}s")
                time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
