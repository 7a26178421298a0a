"""``rewardlab serve``: the reward server (FastAPI + uvicorn, or Ray Serve replicas)."""

from __future__ import annotations

import typer

from .common import err_console, fail, parse_params
from .options import Imports, Params, SpecOrName
from .root import app


@app.command(
    "serve",
    epilog=(
        "Examples:\n\n"
        "  rewardlab serve -r examples/math_grpo.yaml\n\n"
        "  rewardlab serve -r rm:models/bt-hh --port 8001 --max-batch-size 64 --max-delay-ms 5\n\n"
        "  REWARDLAB_TOKEN=s3cret rewardlab serve -r spec.yaml --host 0.0.0.0 --cache redis://127.0.0.1:6379/0\n\n"
        "  rewardlab serve -r spec.yaml --ray --replicas 4 --ray-address auto\n\n"
        "Endpoints: POST /v1/score, POST /get_reward (OpenRLHF), GET /healthz, GET /readyz, GET /v1/spec, "
        "GET /metrics; the OpenAPI document is at /openapi.json and /docs.\n\n"
        "Clients: `from rewardlab.client import RewardClient`; TRL, verl and OpenRLHF adapters in "
        "rewardlab.integrations."
    ),
)
def serve_command(
    reward: SpecOrName,
    param: Params = None,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind; loopback unless you open it on purpose."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="TCP port (0: any free port)."),
    token: str | None = typer.Option(
        None,
        "--token",
        envvar="REWARDLAB_TOKEN",
        show_envvar=True,
        help="Require 'Authorization: Bearer TOKEN' (compared in constant time). /healthz and /readyz stay open.",
    ),
    max_batch_size: int = typer.Option(64, "--max-batch-size", min=1, help="Most samples per scoring call."),
    max_delay_ms: float = typer.Option(10.0, "--max-delay-ms", min=0, help="Longest wait to fill a batch."),
    workers: int | None = typer.Option(
        None, "--workers", min=1, help="Scoring calls at once (default: 1 with model rewards, else 8)."
    ),
    max_queue: int = typer.Option(4096, "--max-queue", min=1, help="Most samples waiting; beyond: 503 + Retry-After."),
    max_body_bytes: int = typer.Option(
        16 * 1024 * 1024, "--max-body-bytes", min=1024, help="Largest body (413 above)."
    ),
    max_samples: int = typer.Option(4096, "--max-samples", min=1, help="Most samples per request (413 above)."),
    timeout: float = typer.Option(
        300.0, "--timeout", min=0.001, help="Default deadline of a request in seconds (requests may set theirs)."
    ),
    header_timeout: float = typer.Option(
        10.0, "--header-timeout", min=0.001, help="Seconds a client has to send a request's headers (else 408)."
    ),
    body_timeout: float = typer.Option(
        60.0, "--body-timeout", min=0.001, help="Seconds a client has to send a request's body (else 408)."
    ),
    cache: str | None = typer.Option(
        None,
        "--cache",
        help="Result cache: default a SQLite file under $REWARDLAB_HOME; 'off'; a path; or redis://HOST:PORT/DB.",
    ),
    label_field: str = typer.Option("answer", "--label-field", help="Sample field that /get_reward's labels fill."),
    component: str | None = typer.Option(
        None,
        "--component",
        help="Serve one named node of the spec (e.g. 'total': the sum inside a group_norm) -- what trainers that "
        "normalize per group themselves (TRL GRPO, verl, OpenRLHF) should get.",
    ),
    on_missing: float = typer.Option(
        0.0,
        "--on-missing",
        help="The number /get_reward answers for a query without a score (counted in /metrics and logged; "
        "statuses/errors say why).",
    ),
    end_marker: list[str] = typer.Option(
        None,
        "--end-marker",
        help="Text stripped from the end of /get_reward responses (repeatable; default: the common chat "
        "templates' end-of-sequence and padding markers; --end-marker '' for none).",
    ),
    log_bodies: bool = typer.Option(False, "--log-bodies", help="Log request bodies (off by default: they hold data)."),
    log_level: str = typer.Option("info", "--log-level", help="uvicorn log level (debug shows the access log)."),
    imports: Imports = None,
    ray: bool = typer.Option(False, "--ray", help="Run the app as Ray Serve replicas (see --replicas, --ray-address)."),
    replicas: int = typer.Option(1, "--replicas", min=1, help="Ray Serve replicas (with --ray)."),
    ray_address: str | None = typer.Option(
        None, "--ray-address", help="Ray cluster to join ('auto' = the local `ray start` cluster; default: start one)."
    ),
) -> None:
    """Serve a reward spec over HTTP, with dynamic batching, a result cache, auth and metrics.

    Requests queue and are scored in batches of up to --max-batch-size samples or after
    --max-delay-ms, whichever comes first; a full queue answers 503 with Retry-After. Specs with
    group normalization score each request on its own (samples of different requests are never
    normalized together). /readyz turns 200 once the spec's models are loaded.
    """
    from ..compose.introspect import spec_component
    from ..core.errors import RewardlabError
    from ..core.spec import resolve
    from ..serve.config import ServerConfig
    from ..serve.runner import import_plugins

    try:
        import_plugins(imports or [])
    except ImportError as exc:
        fail(str(exc))
    params = parse_params(param)
    try:
        spec = spec_component(resolve(reward, params=params), component)
    except RewardlabError as exc:
        fail(exc)
    markers = None if not end_marker else tuple(m for m in end_marker if m)
    try:
        config = ServerConfig(
            host=host,
            port=port,
            token=token or None,
            max_batch_size=max_batch_size,
            max_delay_ms=max_delay_ms,
            workers=workers,
            max_queue=max_queue,
            max_body_bytes=max_body_bytes,
            max_samples=max_samples,
            default_timeout_s=timeout,
            header_timeout_s=header_timeout,
            body_timeout_s=body_timeout,
            cache_url=cache,
            label_field=label_field,
            on_missing=on_missing,
            end_markers=markers,
            log_bodies=log_bodies,
        )
    except ValueError as exc:
        fail(str(exc))
    if host not in ("127.0.0.1", "localhost", "::1") and not config.token:
        err_console.print(
            f"[yellow]warning:[/] serving on {host} without a token: anyone who can reach this port can use it "
            "(set --token or REWARDLAB_TOKEN)"
        )

    def banner(real_port: int) -> None:
        where = f"http://{host}:{real_port}"
        err_console.print(
            f"rewardlab serve: spec [bold]{spec.name}[/] ({spec.short_hash}), components: "
            f"{', '.join(spec.component_names)}; {where}  (docs: {where}/docs)",
            highlight=False,
        )

    if ray:
        from ..serve.ray_serve import run_ray_serve

        banner(port)
        run_ray_serve(spec, config, replicas=replicas, address=ray_address, imports=imports or [])
        return
    from ..serve.runner import serve_forever

    try:
        serve_forever(spec, config, log_level=log_level, on_listening=banner)
    except OSError as exc:
        fail(str(exc.strerror or exc), code=1)
