"""The FastAPI application: routes, error responses, middleware, lifespan.

``create_app(spec, config)`` builds the app; ``rewardlab serve`` runs it with uvicorn and
``rewardlab serve --ray`` as Ray Serve replicas. Routes:

- ``POST /v1/score``: samples in, one result per sample out (the CLI's and library's JSON);
- ``POST /get_reward``: OpenRLHF's remote reward contract;
- ``GET /healthz`` (the process answers), ``GET /readyz`` (the spec's models are loaded),
  ``GET /v1/spec`` (spec, hash, components), ``GET /metrics`` (Prometheus).

Every error is an :class:`~rewardlab.serve.schemas.ErrorResponse`: 401 (token), 408 (headers or
body not received in time), 413 (body or sample count over the limit), 422 (validation, with
the path of the field: also a body that is not UTF-8 JSON, text that is not Unicode, nesting
deeper than 64 levels), 503 (not ready, or queue full: with ``Retry-After``). Request bodies are
not logged unless ``log_bodies``. With a token, the OpenAPI document and the docs pages
(``/openapi.json``, ``/docs``, ``/redoc``) need it too.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from ..core.inputs import format_loc
from ..core.reward import Reward
from ..core.spec import Spec, resolve
from .auth import OPEN_PATHS
from .body import strict_json_route
from .config import ServerConfig
from .engine import ScoringService
from .limits import GuardMiddleware, QueueFull
from .schemas import (
    ErrorResponse,
    GetRewardRequest,
    GetRewardResponse,
    HealthResponse,
    ReadyResponse,
    ScoreRequest,
    ScoreResponse,
    SpecResponse,
)

__all__ = ["TIMEOUT_HEADER", "create_app"]

log = logging.getLogger("rewardlab.serve")

TIMEOUT_HEADER = "X-Request-Timeout"

_ERRORS = {
    401: {"model": ErrorResponse, "description": "Missing or wrong bearer token."},
    413: {"model": ErrorResponse, "description": "Body or number of samples over the server's limit."},
    422: {
        "model": ErrorResponse,
        "description": "The request does not validate; `errors[].loc` is the path of the field "
        "(`['body']` for a body that is not UTF-8 JSON: the message says where).",
    },
    500: {"model": ErrorResponse, "description": "Unexpected server error."},
    503: {
        "model": ErrorResponse,
        "description": "Not ready yet (models loading) or queue full; retry after the `Retry-After` header.",
        "headers": {"Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}},
    },
}


def _error_item(error: Any, content_type: str | None) -> dict[str, Any]:
    """One FastAPI/pydantic validation error as an ErrorItem, with a message a person can act on."""
    loc = [p if isinstance(p, (str, int)) else str(p) for p in error.get("loc", ())]
    kind = str(error.get("type", ""))
    msg = str(error.get("msg", ""))
    if kind == "json_invalid":  # FastAPI puts the character offset in the path; the message has it
        loc = ["body"]
        msg = f"the body is not valid JSON: {(error.get('ctx') or {}).get('error', msg)}"
    elif loc == ["body"] and isinstance(error.get("input"), (bytes, bytearray)):
        msg = f"expected a JSON object sent with 'Content-Type: application/json' (got {content_type or 'no type'})"
    elif msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    return {"loc": loc, "msg": msg, "type": kind}


def create_app(
    spec: str | Spec | Reward,
    config: ServerConfig | None = None,
    *,
    service: ScoringService | None = None,
) -> Any:
    """The reward server for ``spec`` (a spec file, a reward name, ``SCHEME:ARG``, or a Spec)."""
    from fastapi import FastAPI, Header, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import Response
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from .responses import SafeJSONResponse as JSONResponse

    def timeout_header() -> Any:
        return Header(
            default=None,
            alias=TIMEOUT_HEADER,
            gt=0,
            le=3600,
            description="Deadline of the request in seconds, in (0, 3600] (the body's `timeout_s` wins when set).",
        )

    from .. import __version__
    from ..integrations.openrlhf import GetRewardRoute

    cfg = (config or ServerConfig()).with_env_token()
    svc = service or ScoringService(resolve(spec) if not isinstance(spec, Spec) else spec, cfg)
    metrics = svc.metrics
    route = GetRewardRoute(
        svc.spec, label_field=cfg.label_field, on_missing=cfg.on_missing, markers=cfg.end_markers, metrics=metrics
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await svc.start()
        try:
            yield
        finally:
            await svc.stop()

    app = FastAPI(
        title="rewardlab reward server",
        version=__version__,
        summary=f"Scores samples with the spec '{svc.spec.name}' (hash {svc.spec.hash}).",
        description=(
            "Rewards for RL post-training over HTTP: the same results as the rewardlab library and CLI. "
            "Authenticate with `Authorization: Bearer <token>` when the server has a token "
            "(`/healthz` and `/readyz` are open; this document and `/docs`, `/redoc` need the token too). "
            "Failures are results with status `error`/`timeout` "
            "and a message, never a silent 0."
        ),
        lifespan=lifespan,
        default_response_class=JSONResponse,
    )
    app.router.route_class = strict_json_route()
    app.state.service = svc
    app.state.config = cfg

    def too_large(detail: str) -> JSONResponse:
        metrics.rejected.labels(reason="too_large").inc()
        return JSONResponse(status_code=413, content={"error": "too_large", "detail": detail, "errors": []})

    def unavailable(detail: str, retry_after: int, error: str) -> JSONResponse:
        return JSONResponse(
            status_code=503,
            content={"error": error, "detail": detail, "errors": []},
            headers={"Retry-After": str(retry_after)},
        )

    def pick_timeout(header: float | None, field: float | None) -> float | None:
        return field if field is not None else header

    async def run(
        samples: list[Any], *, group_key: str | None, step: int | None, timeout_s: float | None, cache: bool
    ) -> Any:
        if len(samples) > cfg.max_samples:
            return too_large(
                f"{len(samples)} samples in one request; the limit is {cfg.max_samples} (--max-samples): "
                "split the request"
            )
        ready, reason = svc.readiness
        if not ready:
            return unavailable(f"the server is not ready: {reason}", 2, "not_ready")
        try:
            return await svc.score(samples, group_key=group_key, step=step, timeout_s=timeout_s, use_cache=cache)
        except QueueFull as exc:
            return unavailable(str(exc), int(exc.retry_after), "overloaded")

    def scoring_route(path: str, response_model: type, summary: str) -> Any:
        """A POST route that scores: tagged ``scoring``, its error answers (``_ERRORS``) documented."""
        return app.post(path, response_model=response_model, responses=_ERRORS, summary=summary, tags=["scoring"])

    # ---- routes ----------------------------------------------------------------------------
    @scoring_route("/v1/score", ScoreResponse, "Score samples")
    async def score(
        body: ScoreRequest,
        x_request_timeout: float = timeout_header(),  # documented as a number; absent: None
    ) -> Any:
        """Score samples with the server's spec: one result per sample, in order.

        Each result has `score`, `components` (every leaf reward), `status` (`ok`, `not_applicable`,
        `error`, `timeout`), `error`, `latency_ms`, `info` (`info.cache == "hit"` when it came from the
        cache) and `spec_hash`.
        """
        if cfg.log_bodies:
            log.info("POST /v1/score body: %s", body.model_dump_json())
        timeout = pick_timeout(x_request_timeout, body.timeout_s)
        out = await run(body.samples, group_key=body.group_key, step=body.step, timeout_s=timeout, cache=body.cache)
        if isinstance(out, Response):
            return out
        # Serialized here (the results are already validated): the response model documents the shape.
        return JSONResponse(
            {
                "results": [r.to_json_dict() for r in out.results],
                "spec_hash": svc.spec.hash,
                "spec_name": svc.spec.name,
                "elapsed_ms": out.elapsed_ms,
                "cache_hits": out.cache_hits,
            }
        )

    @scoring_route("/get_reward", GetRewardResponse, "OpenRLHF remote reward")
    async def get_reward(
        body: GetRewardRequest,
        x_request_timeout: float = timeout_header(),  # documented as a number; absent: None
    ) -> Any:
        """OpenRLHF's remote reward-model contract (`--remote_rm_url http://HOST:PORT/get_reward`).

        `query` holds prompt + response texts, `prompts` the prompts (cut off the front of each query to get
        the response, end-of-sequence and padding texts removed from its end), `labels` the references.
        Every value is a number (OpenRLHF makes tensors of them): a query without a score gets the server's
        `--on-missing` value (default 0.0), counted in `/metrics` (`rewardlab_filled_total`) and the log,
        with `statuses`/`errors` saying why and `extra_logs.rewardlab_missing` = 1. A query without the
        label the spec reads is an error (`missing_label`), never a score of the rest of the spec.
        """
        if cfg.log_bodies:
            log.info("POST /get_reward body: %s", body.model_dump_json())
        timeout = pick_timeout(x_request_timeout, None)
        samples, failures = route.prepare(body.query, body.prompts, body.labels)
        out = await run(samples, group_key=None, step=None, timeout_s=timeout, cache=True) if samples else None
        if isinstance(out, Response):
            return out
        scored = out.results if out is not None else []
        return JSONResponse({**route.answer(scored, failures, len(body.query)), "spec_hash": svc.spec.hash})

    @app.get("/healthz", response_model=HealthResponse, tags=["operations"], summary="Liveness")
    async def healthz() -> HealthResponse:
        """200 while the process answers (it may still be loading models: see `/readyz`)."""
        return HealthResponse()

    @app.get(
        "/readyz",
        response_model=ReadyResponse,
        responses={503: {"model": ReadyResponse, "description": "Not ready: models loading, or loading failed."}},
        tags=["operations"],
        summary="Readiness",
    )
    async def readyz() -> Any:
        """200 once the spec's models are loaded and scoring threads are free; 503 (with why) before."""
        ready, reason = svc.readiness
        body = ReadyResponse(ready=ready, detail=reason, spec_hash=svc.spec.hash)
        if not ready:
            return JSONResponse(status_code=503, content=body.model_dump(mode="json"), headers={"Retry-After": "1"})
        return body

    @app.get(
        "/v1/spec", response_model=SpecResponse, responses={401: _ERRORS[401]}, tags=["operations"], summary="The spec"
    )
    async def get_spec() -> SpecResponse:
        """The spec this server scores with: its data, content hash and component names."""
        return SpecResponse(**svc.spec_info())

    @app.get(
        "/metrics",
        response_class=Response,
        response_model=None,
        responses={
            200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "Prometheus text format."},
            401: _ERRORS[401],
        },
        tags=["operations"],
        summary="Prometheus metrics",
    )
    async def prometheus() -> Any:
        """Requests, latency histograms, per-component score summaries, statuses, timeouts, cache hits, queue depth."""
        data, content_type = metrics.render()
        return Response(content=data, media_type=content_type)

    # ---- errors ----------------------------------------------------------------------------
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        content_type = request.headers.get("content-type")
        items = [_error_item(e, content_type) for e in exc.errors()]
        shown = "; ".join(f"{format_loc(i['loc'])}: {i['msg']}" for i in items[:5])
        more = f" (and {len(items) - 5} more)" if len(items) > 5 else ""
        return JSONResponse(
            status_code=422, content={"error": "invalid_request", "detail": shown + more, "errors": items}
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(
            status_code=exc.status_code,
            content={"error": kind, "detail": str(exc.detail), "errors": []},
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        return JSONResponse(
            status_code=500,
            content={"error": "internal", "detail": f"{type(exc).__name__}: {exc}", "errors": []},
        )

    document = app.openapi

    def honest_document() -> dict[str, Any]:
        """The generated document, plus what the layers around the routes answer: 408 from the
        read deadlines on every operation and, with a token, the bearer scheme and its 401."""
        doc = document()
        error_schema = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
        if cfg.token:
            doc.setdefault("components", {}).setdefault("securitySchemes", {})["bearer"] = {
                "type": "http",
                "scheme": "bearer",
                "description": "The server's token (`--token` / `$REWARDLAB_TOKEN`).",
            }
        for path, operations in doc.get("paths", {}).items():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                responses.setdefault(
                    "408",
                    {"description": "The request's headers or body did not arrive in time.", "content": error_schema},
                )
                if cfg.token and path not in OPEN_PATHS:
                    operation["security"] = [{"bearer": []}]
                    responses.setdefault("401", {"description": _ERRORS[401]["description"], "content": error_schema})
        return doc

    app.openapi = honest_document  # type: ignore[method-assign]

    # ---- middleware (outermost last) -------------------------------------------------------
    routes = {r.path for r in app.routes if hasattr(r, "path")}

    def on_reject(reason: str, path: str) -> None:
        metrics.rejected.labels(reason=reason).inc()
        endpoint = path if path in routes else "other"
        code = {"unauthorized": "401", "timeout": "408"}.get(reason, "413")
        metrics.requests.labels(endpoint=endpoint, code=code).inc()

    app.add_middleware(_MetricsMiddleware, metrics=metrics, routes=routes)
    app.add_middleware(
        GuardMiddleware,
        token=cfg.token,
        max_body_bytes=cfg.max_body_bytes,
        on_reject=on_reject,
        body_timeout_s=cfg.body_timeout_s,
    )
    return app


class _MetricsMiddleware:
    """Counts requests by endpoint and status code and times them (paths outside the app: 'other')."""

    def __init__(self, app: Any, *, metrics: Any, routes: set[str]) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        endpoint = path if path in self.routes else "other"
        started = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message: Any) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self.metrics.requests.labels(endpoint=endpoint, code=str(status["code"])).inc()
            self.metrics.latency.labels(endpoint=endpoint).observe(time.perf_counter() - started)
