"""Load and fault tests on loopback, bounded in time: hundreds of concurrent clients on a verifier
spec and on a reward-model spec, a server killed mid-load, a hanging verifier, a full queue, and
malformed or oversized requests. Every request must end with its results or a clear error."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from rewardlab.client import AsyncRewardClient
from rewardlab.core.spec import resolve

pytestmark = pytest.mark.integration

VERIFIER_SPEC = {
    "name": "verifier-load",
    "reward": {
        "type": "weighted_sum",
        "children": [
            {"type": "math", "name": "accuracy"},
            {"type": "format", "name": "format", "template": "answer", "weight": 0.2},
        ],
    },
}


def verifier_samples(i: int) -> list[dict[str, Any]]:
    return [
        {"prompt": f"What is {i} + {k}?", "completion": f"{i} plus 0 is... <answer>{i + k}</answer>", "answer": str(i)}
        for k in range(2)
    ] + [{"prompt": f"q{i}", "completion": "no tags, the answer is 3 or 4", "answer": str(i)}]


def write_spec(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


async def run_clients(urls: list[str], n: int, make: Any, **client_kw: Any) -> list[Any]:
    async with AsyncRewardClient(urls, **client_kw) as client:
        await client.wait_ready(30)
        sem = asyncio.Semaphore(n)

        async def one(i: int) -> Any:
            async with sem:
                try:
                    return await client.score(make(i))
                except Exception as exc:  # a clear error is an acceptable outcome; a hang is not
                    return exc

        return await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(n))), timeout=120)


def test_hundreds_of_concurrent_clients_on_a_verifier_spec(tmp_path: Path, server_process: Any) -> None:
    path = write_spec(tmp_path, VERIFIER_SPEC)
    server = server_process(["-r", str(path), "--cache", "off"]).wait_ready()
    outs = asyncio.run(run_clients([server.url], 300, verifier_samples))
    spec = resolve(str(path))
    for i, out in enumerate(outs):
        assert not isinstance(out, Exception), out
        assert [r.score for r in out] == [r.score for r in spec.score_batch(verifier_samples(i))]
    metrics = httpx.get(server.url + "/metrics").text
    assert 'rewardlab_samples_total{status="ok"} 900.0' in metrics


@pytest.fixture(scope="module")
def rm_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from rewardlab.models.bt.checkpoint import create_reward_model

    return create_reward_model(tmp_path_factory.mktemp("rm") / "minilm-rm", backbone="minilm", max_length=32)


def test_hundreds_of_concurrent_clients_on_a_reward_model_spec(rm_folder: Path, server_process: Any) -> None:
    server = server_process(
        ["-r", f"rm:{rm_folder}", "--cache", "off", "--max-batch-size", "32", "--max-delay-ms", "20"]
    ).wait_ready(120)
    texts = [f"Answer number {i}: {'yes ' * (i % 7)}" for i in range(200)]
    outs = asyncio.run(run_clients([server.url], 200, lambda i: [{"prompt": "Question?", "completion": texts[i]}]))
    for out in outs:
        assert not isinstance(out, Exception), out
        assert out[0].status.value == "ok" and out[0].score is not None
    checked = list(range(0, 200, 8))  # batching must not change a sample's score: spot-check against the library
    direct = resolve(f"rm:{rm_folder}").score_batch([{"prompt": "Question?", "completion": texts[i]} for i in checked])
    for i, expected in zip(checked, direct, strict=True):
        assert outs[i][0].score == pytest.approx(expected.score, abs=1e-4)
    metrics = httpx.get(server.url + "/metrics").text
    calls = next(float(x.split()[-1]) for x in metrics.splitlines() if x.startswith("rewardlab_batch_size_count"))
    assert calls < 200  # dynamically batched


def test_a_server_killed_mid_load_loses_no_request(tmp_path: Path, server_process: Any) -> None:
    path = write_spec(tmp_path, VERIFIER_SPEC)
    a = server_process(["-r", str(path), "--cache", "off"])
    b = server_process(["-r", str(path), "--cache", "off"])
    a.wait_ready()
    b.wait_ready()

    async def main() -> list[Any]:
        async def killer() -> None:
            await asyncio.sleep(0.3)
            a.kill()

        kill = asyncio.create_task(killer())
        outs = await run_clients([a.url, b.url], 200, verifier_samples, backoff_s=0.05, retries=6)
        await kill
        return outs

    outs = asyncio.run(main())
    assert a.proc.poll() is not None  # really killed
    spec = resolve(str(path))
    for i, out in enumerate(outs):
        assert not isinstance(out, Exception), out
        assert [r.score for r in out] == [r.score for r in spec.score_batch(verifier_samples(i))]


def test_a_hanging_verifier_times_out_and_the_server_keeps_serving(server_process: Any) -> None:
    server = server_process(
        ["-r", "t_serve_hang", "-p", "seconds=4", "--import", "tests.rewards", "--cache", "off"]
    ).wait_ready()

    async def main() -> tuple[list[Any], float]:
        async with httpx.AsyncClient(timeout=30) as http:

            async def one(i: int) -> Any:
                text = "hang" if i % 10 == 0 else f"fine {i}"
                r = await http.post(
                    server.url + "/v1/score", json={"samples": [{"completion": text}], "timeout_s": 0.5}
                )
                return r.status_code, r.json()

            t0 = time.monotonic()
            outs = await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(60))), timeout=60)
            return outs, time.monotonic() - t0

    outs, _ = asyncio.run(main())
    for i, (code, body) in enumerate(outs):
        assert code == 200
        result = body["results"][0]
        if i % 10 == 0:
            assert result["status"] == "timeout" and "deadline exceeded" in result["error"]
        else:
            assert result["status"] in ("ok", "timeout")  # a fine sample may share a call with a hung one
    assert sum(body["results"][0]["status"] == "ok" for _, body in outs) >= 30
    assert httpx.get(server.url + "/healthz").status_code == 200
    after = httpx.post(server.url + "/v1/score", json={"samples": [{"completion": "after"}]}, timeout=30)
    assert after.json()["results"][0]["score"] == 1.0


def test_full_queue_answers_503_and_the_client_retries(server_process: Any) -> None:
    server = server_process(
        [
            "-r",
            "t_serve_model",
            "-p",
            "call_cost_s=0.05",
            "--import",
            "tests.rewards",
            "--cache",
            "off",
            "--max-queue",
            "8",
            "--max-batch-size",
            "4",
            "--max-delay-ms",
            "0",
        ]
    ).wait_ready()

    async def burst() -> list[tuple[int, str | None]]:
        async with httpx.AsyncClient(timeout=30) as http:

            async def one(i: int) -> tuple[int, str | None]:
                r = await http.post(server.url + "/v1/score", json={"samples": [{"completion": f"c{i}"}] * 4})
                return r.status_code, r.headers.get("retry-after")

            return await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(40))), timeout=60)

    codes = asyncio.run(burst())
    assert {c for c, _ in codes} <= {200, 503} and any(c == 503 for c, _ in codes)
    assert all(ra is not None and int(ra) >= 1 for c, ra in codes if c == 503)
    outs = asyncio.run(
        run_clients(
            [server.url], 20, lambda i: [{"completion": f"c{i}"}] * 4, backoff_s=0.05, retries=30, max_backoff_s=1.0
        )
    )
    assert all(not isinstance(o, Exception) and [r.status.value for r in o] == ["ok"] * 4 for o in outs)
    assert 'rewardlab_rejected_total{reason="queue_full"}' in httpx.get(server.url + "/metrics").text


def test_malformed_and_oversized_requests_under_load(tmp_path: Path, server_process: Any) -> None:
    path = write_spec(tmp_path, VERIFIER_SPEC)
    server = server_process(["-r", str(path), "--cache", "off", "--max-body-bytes", "20000", "--max-samples", "20"])
    server.wait_ready()
    good = {"samples": verifier_samples(1)}
    cases: list[tuple[Any, int]] = [
        (good, 200),
        (b"{broken", 422),
        ({"samples": [{"prompt": {"no": "role"}, "completion": "x"}]}, 422),
        ({"samples": [{"completion": "x" * 30000}]}, 413),
        ({"samples": [{"completion": "x"}] * 21}, 413),
        ({"query": "not a list"}, 422),
        (b"\xff\xfe garbage", 422),
    ]

    async def main() -> list[tuple[int, int, Any]]:
        async with httpx.AsyncClient(timeout=30) as http:

            async def one(i: int) -> tuple[int, int, Any]:
                body, want = cases[i % len(cases)]
                path = "/get_reward" if isinstance(body, dict) and "query" in body else "/v1/score"
                kw = (
                    {"content": body, "headers": {"content-type": "application/json"}}
                    if isinstance(body, bytes)
                    else {"json": body}
                )
                r = await http.post(server.url + path, **kw)
                return want, r.status_code, r.json()

            return await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(140))), timeout=60)

    for want, got, body in asyncio.run(main()):
        assert got == want, body
        if got != 200:
            assert body["error"] and body["detail"]
    assert httpx.get(server.url + "/healthz").status_code == 200
