"""Scale-out on Ray, on a local cluster on loopback: `rewardlab score --ray` gives the same output
as without it, and `rewardlab serve --ray` serves the same app from Ray Serve replicas."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from rewardlab.cli import app as cli
from rewardlab.client import RewardClient
from rewardlab.core.spec import resolve

from .conftest import free_port

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "src/rewardlab/resources/examples/math_grpo.yaml"


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[Any]:
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, configure_logging=False, log_to_driver=False)
    try:
        yield ray
    finally:
        ray.shutdown()


def rows_without_latency(path: Path) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    for row in rows:
        row["reward"].pop("latency_ms")
    return rows


def test_score_with_ray_writes_the_same_output(ray_cluster: Any, tmp_path: Path) -> None:
    data = tmp_path / "in.jsonl"
    lines = []
    for i in range(400):
        answer = str(i % 9)
        completion = f"<think>t</think><answer>{answer if i % 3 else 'x'}</answer>"
        lines.append(
            json.dumps({"prompt": f"q{i // 4}", "prompt_id": i // 4, "completion": completion, "answer": answer})
        )
    lines.insert(57, "{not json")
    data.write_text("\n".join(lines) + "\n")
    runner = CliRunner()
    plain = tmp_path / "plain.jsonl"
    with_ray = tmp_path / "ray.jsonl"
    base = ["score", "-r", str(EXAMPLE), "-i", str(data), "-b", "30", "--no-progress"]
    a = runner.invoke(cli, [*base, "-o", str(plain)])
    b = runner.invoke(cli, [*base, "-o", str(with_ray), "--ray"])
    assert a.exit_code == b.exit_code == 1, (a.output, b.output)  # the malformed line is reported and skipped
    assert "line 58" in b.output or ":58:" in b.output
    assert rows_without_latency(plain) == rows_without_latency(with_ray)
    assert len(rows_without_latency(with_ray)) == 400


def test_serve_with_ray_replicas(ray_cluster: Any) -> None:
    from ray import serve

    from rewardlab.serve.config import ServerConfig
    from rewardlab.serve.ray_serve import run_ray_serve

    port = free_port()
    spec = resolve(str(EXAMPLE))
    run_ray_serve(spec, ServerConfig(port=port, cache_url="off"), replicas=2, blocking=False)
    try:
        url = f"http://127.0.0.1:{port}"
        samples = [
            {
                "prompt": "q",
                "prompt_id": i // 2,
                "completion": f"<think>a</think><answer>{i % 3}</answer>",
                "answer": "1",
            }
            for i in range(8)
        ]
        with RewardClient(url, wait_ready_s=120) as client:
            assert client.spec()["hash"] == spec.hash
            remote = client.score(samples)
        assert [r.score for r in remote] == [r.score for r in spec.score_batch(samples)]
        label = '{"answer": "1", "prompt_id": 1}'  # the example spec groups by prompt_id
        body = {"query": ["q <answer>1</answer>", "q <answer>2</answer>"], "prompts": ["q", "q"], "labels": [label] * 2}
        reward = httpx.post(url + "/get_reward", json=body)
        assert reward.status_code == 200 and reward.json()["statuses"] == ["ok", "ok"]
        assert httpx.get(url + "/openapi.json").json()["paths"]["/v1/score"]
    finally:
        serve.shutdown()


def test_ray_serve_answers_a_stalled_body_with_408(ray_cluster: Any) -> None:
    """Ray's proxy has no read deadlines of its own (see rewardlab.serve.ray_serve): the app's body
    deadline answers a body that stops arriving, and closes the connection."""
    import socket

    from ray import serve

    from rewardlab.serve.config import ServerConfig
    from rewardlab.serve.ray_serve import run_ray_serve

    port = free_port()
    run_ray_serve(resolve("exact_match"), ServerConfig(port=port, cache_url="off", body_timeout_s=1.0), blocking=False)
    try:
        url = f"http://127.0.0.1:{port}"
        with RewardClient(url, wait_ready_s=120) as client:
            assert client.score([{"completion": "4", "answer": "4"}])[0].score == 1.0
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.settimeout(30)
            sock.sendall(
                b"POST /v1/score HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
                b'content-length: 200\r\n\r\n{"samples": ['
            )
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 408"), answer[:300]
        assert b'"request_timeout"' in answer
    finally:
        serve.shutdown()
