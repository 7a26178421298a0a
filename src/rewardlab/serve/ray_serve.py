"""``rewardlab serve --ray``: the same app as Ray Serve replicas.

Each replica builds the FastAPI app of :func:`~rewardlab.serve.app.create_app` (its own batcher,
cache connection and metrics) from the spec's data, so every replica scores with the same spec
hash; Ray Serve's proxy spreads requests over the replicas. Files a spec points to (``rm:DIR``)
must be readable at the same path on every node, and modules given with ``--import`` importable
there.

Multi-node: ``ray start --head --port 6379`` on one machine, ``ray start --address HEAD:6379`` on
the others, then ``rewardlab serve -r SPEC --ray --ray-address auto --replicas N --host 0.0.0.0``
on the head.

Read deadlines: the app reads each request's body within ``body_timeout_s`` (408 and the
connection closed, as under uvicorn; :class:`~rewardlab.serve.limits.GuardMiddleware`), counted from
the moment Ray's proxy hands it the request. There is no *header* deadline under Ray: the HTTP
connection is read by Ray Serve's proxy actor, which starts its own ``uvicorn.Server`` (Ray 2.x,
``ray.serve._private.http_util.start_asgi_http_server``) with the default protocol class and
only ``keep_alive_timeout_s`` / ``request_timeout_s`` from ``HTTPOptions`` -- no hook to give it
another protocol, and the proxy runs in a process of Ray's, not this one -- and a request
reaches any application code only once its headers are complete. ``request_timeout_s`` is no
substitute: it also starts after the headers and would cut long scoring calls. A client that
sends its headers a byte at a time therefore holds a proxy connection until it gives up: put a
reverse proxy with a header timeout in front (nginx ``client_header_timeout``, HAProxy ``timeout
http-request``) when the port is reachable by untrusted clients.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Any

from ..core.spec import Spec
from .config import ServerConfig

__all__ = ["APP_NAME", "build_application", "run_ray_serve"]

log = logging.getLogger("rewardlab.serve")

APP_NAME = "rewardlab"


def build_application(
    spec: Spec,
    config: ServerConfig,
    *,
    replicas: int = 1,
    imports: list[str] | None = None,
    num_cpus: float = 1.0,
) -> Any:
    """A Ray Serve application (``serve.run`` it) serving ``spec`` with ``replicas`` replicas."""
    from ray import serve

    spec_data = spec.to_dict()
    config_data = dataclasses.asdict(config)

    @serve.deployment(
        name="RewardServer",
        num_replicas=replicas,
        ray_actor_options={"num_cpus": num_cpus},
        max_ongoing_requests=max(64, config.max_queue),
        health_check_period_s=5,
    )
    @serve.ingress()
    class RewardServer:
        def __init__(self, spec_data: dict[str, Any], config_data: dict[str, Any], imports: list[str]) -> None:
            from ..core.spec import spec_from_dict
            from .runner import import_plugins

            import_plugins(imports)
            self.spec = spec_from_dict(spec_data)
            self.config = ServerConfig(**config_data)

        def __serve_build_asgi_app__(self) -> Any:
            from .app import create_app

            return create_app(self.spec, self.config)

    return RewardServer.bind(spec_data, config_data, list(imports or []))


def run_ray_serve(
    spec: Spec,
    config: ServerConfig,
    *,
    replicas: int = 1,
    address: str | None = None,
    imports: list[str] | None = None,
    blocking: bool = True,
) -> None:
    """Start (or join) a Ray cluster, deploy the replicas on ``config.host:config.port``, and serve."""
    import ray
    from ray import serve

    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, configure_logging=False)
    serve.start(http_options={"host": config.host, "port": config.port})
    serve.run(build_application(spec, config, replicas=replicas, imports=imports), name=APP_NAME, route_prefix="/")
    if not blocking:
        return
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        serve.shutdown()
