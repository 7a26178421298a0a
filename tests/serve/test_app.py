"""The reward server end to end over loopback HTTP: routes, errors, OpenAPI accuracy, cache, auth, metrics."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from rewardlab.core.spec import load_spec, resolve, spec_from_dict
from rewardlab.serve.config import ServerConfig
from rewardlab.serve.runner import BackgroundServer

from .openapi_check import OpenAPIChecker

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "src/rewardlab/resources/examples/math_grpo.yaml"

SAMPLES = [
    {"prompt": "What is 2+2?", "prompt_id": 1, "completion": "<think>add</think><answer>4</answer>", "answer": "4"},
    {"prompt": "What is 2+2?", "prompt_id": 1, "completion": "<think>add</think><answer>5</answer>", "answer": "4"},
    {"prompt": "Capital of France?", "prompt_id": 2, "completion": "<answer>Paris</answer>", "answer": "Paris"},
    {"prompt": "Capital of France?", "prompt_id": 2, "completion": "no idea", "answer": "Paris"},
]


@pytest.fixture
def server() -> Iterator[BackgroundServer]:
    with BackgroundServer(str(EXAMPLE), ServerConfig(port=0, max_samples=50, max_body_bytes=64 * 1024)) as s:
        yield s


@pytest.fixture
def checker(server: BackgroundServer) -> OpenAPIChecker:
    return OpenAPIChecker(httpx.get(server.url + "/openapi.json").json())


def strip_volatile(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k != "latency_ms"}


def test_score_returns_the_library_results_and_matches_openapi(
    server: BackgroundServer, checker: OpenAPIChecker
) -> None:
    body = {"samples": SAMPLES}
    checker.validate_request("/v1/score", body)
    r = httpx.post(server.url + "/v1/score", json=body)
    assert r.status_code == 200, r.text
    checker.validate("POST", "/v1/score", r)
    data = r.json()
    expected = load_spec(EXAMPLE).score_batch(SAMPLES)
    assert [strip_volatile(x) for x in data["results"]] == [strip_volatile(e.to_json_dict()) for e in expected]
    assert data["spec_hash"] == load_spec(EXAMPLE).hash
    assert set(data["results"][0]["components"]) == set(load_spec(EXAMPLE).component_names)


def test_cache_hit_is_visible_in_result_and_metrics(server: BackgroundServer) -> None:
    body = {"samples": SAMPLES}
    first = httpx.post(server.url + "/v1/score", json=body).json()
    second = httpx.post(server.url + "/v1/score", json=body).json()
    assert first["cache_hits"] == 0 and second["cache_hits"] == len(SAMPLES)
    assert all(r["info"]["cache"] == "hit" for r in second["results"])
    assert [r["score"] for r in first["results"]] == [r["score"] for r in second["results"]]
    # The group-normalized spec caches whole requests only: one sample alone is computed again.
    alone = httpx.post(server.url + "/v1/score", json={"samples": SAMPLES[:1]}).json()
    assert alone["cache_hits"] == 0
    metrics = httpx.get(server.url + "/metrics").text
    assert "rewardlab_cache_hits_total 4.0" in metrics
    opted_out = httpx.post(server.url + "/v1/score", json={"samples": SAMPLES, "cache": False}).json()
    assert opted_out["cache_hits"] == 0


def test_per_sample_cache_for_independent_rewards() -> None:
    with BackgroundServer("exact_match", ServerConfig(port=0)) as s:
        a = httpx.post(s.url + "/v1/score", json={"samples": [{"completion": "4", "answer": "4"}]}).json()
        b = httpx.post(
            s.url + "/v1/score",
            json={"samples": [{"completion": "x", "answer": "4"}, {"completion": "4", "answer": "4"}]},
        ).json()
    assert a["cache_hits"] == 0 and b["cache_hits"] == 1
    assert "cache" not in b["results"][0]["info"] and b["results"][1]["info"]["cache"] == "hit"


def test_get_reward_speaks_openrlhf(server: BackgroundServer, checker: OpenAPIChecker) -> None:
    prompts = ["Q: What is 2+2?\nA:", "Q: What is 2+2?\nA:"]
    responses = [" <think>add</think><answer>4</answer>", " <answer>5</answer>"]
    labels = ['{"answer": "4", "prompt_id": 1}'] * 2  # the example spec groups by prompt_id
    body = {"query": [p + c for p, c in zip(prompts, responses, strict=True)], "prompts": prompts, "labels": labels}
    checker.validate_request("/get_reward", body)
    r = httpx.post(server.url + "/get_reward", json=body)
    assert r.status_code == 200, r.text
    checker.validate("POST", "/get_reward", r)
    data = r.json()
    spec = load_spec(EXAMPLE)
    expected = spec.score_batch(
        [{"prompt": p, "completion": c, "answer": "4", "prompt_id": 1} for p, c in zip(prompts, responses, strict=True)]
    )
    assert data["rewards"] == [e.score for e in expected] == data["scores"]
    assert data["rewards"][0] > 0 > data["rewards"][1]
    assert set(data["extra_logs"]) == {*spec.component_names, "rewardlab_missing"}
    assert all(len(v) == 2 for v in data["extra_logs"].values())
    assert data["extra_logs"]["format"] == [1.0, 0.0]
    assert data["statuses"] == ["ok", "ok"]


def test_get_reward_reports_failures_as_on_missing_with_reason() -> None:
    with BackgroundServer("t_serve_boom", ServerConfig(port=0, cache_url="off", on_missing=-2.0)) as s:
        data = httpx.post(s.url + "/get_reward", json={"query": ["p ok", "p boom"], "prompts": ["p", "p"]}).json()
    assert data["rewards"] == [3.0, -2.0] == data["scores"]  # never null: OpenRLHF makes tensors of it
    assert data["extra_logs"]["rewardlab_missing"] == [0.0, 1.0]
    assert data["statuses"] == ["ok", "error"]
    assert "boom happened" in data["errors"][1]


def test_operations_endpoints(server: BackgroundServer, checker: OpenAPIChecker) -> None:
    for path in ("/healthz", "/readyz", "/v1/spec"):
        r = httpx.get(server.url + path)
        assert r.status_code == 200, path
        checker.validate("GET", path, r)
    spec = httpx.get(server.url + "/v1/spec").json()
    assert spec["hash"] == load_spec(EXAMPLE).hash
    assert spec["components"] == load_spec(EXAMPLE).component_names
    assert spec["batch_dependent"] is True and spec["cache"] == "request"
    assert spec_from_dict(spec["spec"]).hash == spec["hash"]
    httpx.post(server.url + "/v1/score", json={"samples": SAMPLES})
    metrics = httpx.get(server.url + "/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    for needle in (
        'rewardlab_requests_total{code="200",endpoint="/v1/score"}',
        'rewardlab_request_latency_seconds_bucket{endpoint="/v1/score"',
        'rewardlab_component_score_count{component="accuracy"}',
        'rewardlab_samples_total{status="ok"} 4.0',
        "rewardlab_queue_depth",
        "rewardlab_timeouts_total",
        "rewardlab_batch_size_bucket",
        "rewardlab_ready 1.0",
    ):
        assert needle in text, needle


def test_validation_errors_name_the_field(server: BackgroundServer, checker: OpenAPIChecker) -> None:
    r = httpx.post(server.url + "/v1/score", json={"samples": [{"completion": "a"}, {"prompt": 3, "completion": "b"}]})
    assert r.status_code == 422
    checker.validate("POST", "/v1/score", r)
    data = r.json()
    assert data["error"] == "invalid_request"
    assert any(e["loc"][:4] == ["body", "samples", 1, "prompt"] for e in data["errors"])
    assert "body.samples[1].prompt" in data["detail"]
    for bad in ({"samples": []}, {"samples": [{"completion": "a"}], "wat": 1}, {"samples": "x"}):
        r = httpx.post(server.url + "/v1/score", json=bad)
        assert r.status_code == 422, bad
        checker.validate("POST", "/v1/score", r)
    r = httpx.post(server.url + "/v1/score", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    r = httpx.post(server.url + "/get_reward", json={"query": ["a", "b"], "prompts": ["a"]})
    assert r.status_code == 422 and "one per query" in r.json()["detail"]
    checker.validate("POST", "/get_reward", r)
    r = httpx.post(server.url + "/v1/score", json={"samples": SAMPLES}, headers={"X-Request-Timeout": "soon"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["header", "X-Request-Timeout"]


def test_size_limits_answer_413(server: BackgroundServer, checker: OpenAPIChecker) -> None:
    r = httpx.post(server.url + "/v1/score", json={"samples": [{"completion": "x"}] * 51})
    assert r.status_code == 413 and "--max-samples" in r.json()["detail"]
    checker.validate("POST", "/v1/score", r)
    big = {"samples": [{"completion": "x" * 70_000}]}
    r = httpx.post(server.url + "/v1/score", json=big)
    assert r.status_code == 413 and r.json()["error"] == "too_large"
    checker.validate("POST", "/v1/score", r)

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while read
        yield b'{"samples": [{"completion": "'
        for _ in range(100):
            yield b"y" * 1000
        yield b'"}]}'

    r = httpx.post(server.url + "/v1/score", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert httpx.get(server.url + "/healthz").status_code == 200
    assert 'rewardlab_rejected_total{reason="too_large"} 3.0' in httpx.get(server.url + "/metrics").text


def test_bearer_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REWARDLAB_TOKEN", "s3cret-token")
    with BackgroundServer("exact_match", ServerConfig(port=0, cache_url="off")) as s:
        # The API document and the docs pages need the token too (they name the spec).
        for path in ("/openapi.json", "/docs", "/redoc"):
            assert httpx.get(s.url + path).status_code == 401, path
        auth = {"Authorization": "Bearer s3cret-token"}
        doc = httpx.get(s.url + "/openapi.json", headers=auth).json()
        assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
        assert doc["paths"]["/v1/score"]["post"]["security"] == [{"bearer": []}]
        assert "security" not in doc["paths"]["/healthz"]["get"]
        checker = OpenAPIChecker(doc)
        body = {"samples": [{"completion": "4", "answer": "4"}]}
        assert httpx.get(s.url + "/healthz").status_code == 200
        assert httpx.get(s.url + "/readyz").status_code == 200
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret-token"}):
            r = httpx.post(s.url + "/v1/score", json=body, headers=headers)
            assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
            checker.validate("POST", "/v1/score", r)
        assert httpx.get(s.url + "/metrics").status_code == 401
        ok = httpx.post(s.url + "/v1/score", json=body, headers={"Authorization": "Bearer s3cret-token"})
        assert ok.status_code == 200 and ok.json()["results"][0]["score"] == 1.0


def test_not_ready_until_models_load(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = resolve("t_serve_model", params={"load_s": 1.5})
    server = BackgroundServer(spec, ServerConfig(port=0, cache_url="off")).start(wait_ready=False)
    try:
        checker = OpenAPIChecker(httpx.get(server.url + "/openapi.json").json())
        r = httpx.get(server.url + "/readyz")
        assert r.status_code == 503 and r.json()["ready"] is False and "loading" in r.json()["detail"]
        checker.validate("GET", "/readyz", r)
        assert httpx.get(server.url + "/healthz").status_code == 200
        r = httpx.post(server.url + "/v1/score", json={"samples": [{"completion": "a"}]})
        assert r.status_code == 503 and r.headers["retry-after"]
        checker.validate("POST", "/v1/score", r)
        from rewardlab.client import RewardClient

        with RewardClient(server.url, wait_ready_s=30) as client:  # waits for /readyz
            assert client.score([{"completion": "a"}])[0].status.value == "ok"
    finally:
        server.stop()


def test_openapi_document_is_complete(server: BackgroundServer) -> None:
    doc = httpx.get(server.url + "/openapi.json").json()
    paths = doc["paths"]
    assert {"/v1/score", "/get_reward", "/healthz", "/readyz", "/v1/spec", "/metrics"} <= set(paths)
    for path in ("/v1/score", "/get_reward"):
        responses = paths[path]["post"]["responses"]
        assert {"200", "401", "413", "422", "503"} <= set(responses), path
        assert responses["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")
        assert "Retry-After" in responses["503"]["headers"]
    result_schema = doc["components"]["schemas"]["RewardResult"]
    assert {"score", "components", "status", "error", "latency_ms", "info", "spec_hash"} <= set(
        result_schema["properties"]
    )
    assert "text/plain" in paths["/metrics"]["get"]["responses"]["200"]["content"]


def test_unknown_path_and_method_are_documented_errors(server: BackgroundServer) -> None:
    r = httpx.get(server.url + "/nope")
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    r = httpx.get(server.url + "/v1/score")
    assert r.status_code == 405


def test_a_model_that_cannot_load_is_never_ready() -> None:
    server = BackgroundServer(resolve("t_serve_model", params={"fail_load": True}), ServerConfig(port=0))
    with pytest.raises(RuntimeError, match="weights file is corrupt"):
        server.start(timeout_s=30)
    try:
        r = httpx.get(server.url + "/readyz")
        assert r.status_code == 503 and "loading failed" in r.json()["detail"]
        assert httpx.get(server.url + "/healthz").status_code == 200
        assert httpx.post(server.url + "/v1/score", json={"samples": [{"completion": "a"}]}).status_code == 503
    finally:
        server.stop()
