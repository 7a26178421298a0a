"""The client: sync and async, several URLs (sharding, failover), readiness, errors, pickling."""

from __future__ import annotations

import asyncio
import pickle
from collections.abc import Iterator

import httpx
import pytest

from rewardlab.client import AsyncRewardClient, RequestRejected, RewardClient, ServerUnavailable
from rewardlab.core.spec import resolve
from rewardlab.serve.config import ServerConfig
from rewardlab.serve.runner import BackgroundServer

from .conftest import free_port

pytestmark = pytest.mark.integration

SAMPLES = [{"completion": f"answer {i}", "answer": "answer 3" if i % 2 else "x"} for i in range(10)]


@pytest.fixture
def two_servers() -> Iterator[tuple[BackgroundServer, BackgroundServer]]:
    with (
        BackgroundServer("exact_match", ServerConfig(port=0, cache_url="off")) as a,
        BackgroundServer("exact_match", ServerConfig(port=0, cache_url="off")) as b,
    ):
        yield a, b


def score_requests(server: BackgroundServer) -> float:
    for line in httpx.get(server.url + "/metrics").text.splitlines():
        if line.startswith('rewardlab_requests_total{code="200",endpoint="/v1/score"}'):
            return float(line.split()[-1])
    return 0.0


def test_sync_client_shards_across_servers(two_servers: tuple[BackgroundServer, BackgroundServer]) -> None:
    a, b = two_servers
    expected = [r.score for r in resolve("exact_match").score_batch(SAMPLES)]
    with RewardClient([a.url, b.url]) as client:
        results = client.score(SAMPLES)
        assert client.spec()["name"] == "exact_match"
    assert [r.score for r in results] == expected
    assert score_requests(a) == 1 and score_requests(b) == 1


def test_async_client(two_servers: tuple[BackgroundServer, BackgroundServer]) -> None:
    a, b = two_servers

    async def main() -> list[float | None]:
        async with AsyncRewardClient(f"{a.url},{b.url}") as client:
            outs = await asyncio.gather(*(client.score(SAMPLES) for _ in range(5)))
        return [r.score for out in outs for r in out]

    expected = [r.score for r in resolve("exact_match").score_batch(SAMPLES)] * 5
    assert asyncio.run(main()) == expected


def test_failover_to_a_live_server(two_servers: tuple[BackgroundServer, BackgroundServer]) -> None:
    a, _ = two_servers
    dead = f"http://127.0.0.1:{free_port()}"
    with RewardClient([dead, a.url], backoff_s=0.01, wait_ready_s=5) as client:
        for _ in range(3):
            assert [r.status.value for r in client.score(SAMPLES)] == ["ok"] * len(SAMPLES)


def test_no_server_raises_instead_of_returning_zeros() -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    with (
        RewardClient(dead, wait_ready_s=0.3, backoff_s=0.01) as client,
        pytest.raises(ServerUnavailable, match="no reward server became ready"),
    ):
        client.score(SAMPLES)


def test_rejections_carry_the_server_explanation(monkeypatch: pytest.MonkeyPatch) -> None:
    with BackgroundServer("exact_match", ServerConfig(port=0, cache_url="off", token="tok")) as s:
        with RewardClient(s.url, token="bad") as client, pytest.raises(RequestRejected) as info:
            client.score(SAMPLES)
        assert info.value.status == 401
        with RewardClient(s.url, token="tok") as client:
            with pytest.raises(RequestRejected) as info:
                client.score(SAMPLES[:1], step=-1)
            assert info.value.status == 422 and "body.step" in info.value.detail
            assert client.score(SAMPLES[:1])[0].status.value == "ok"


def test_client_refuses_servers_with_different_specs() -> None:
    with (
        BackgroundServer("exact_match", ServerConfig(port=0, cache_url="off")) as a,
        BackgroundServer("repetition", ServerConfig(port=0, cache_url="off")) as b,
        RewardClient([a.url, b.url]) as client,
        pytest.raises(Exception, match="different specs"),
    ):
        client.score(SAMPLES)


def test_batch_dependent_requests_are_not_sharded() -> None:
    spec = {"reward": {"type": "group_norm", "child": "exact_match"}}
    import tempfile
    from pathlib import Path

    import yaml

    path = Path(tempfile.mkdtemp()) / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    with (
        BackgroundServer(str(path), ServerConfig(port=0, cache_url="off")) as a,
        BackgroundServer(str(path), ServerConfig(port=0, cache_url="off")) as b,
        RewardClient([a.url, b.url]) as client,
    ):
        samples = [{"prompt": "p", **s} for s in SAMPLES]
        got = [r.score for r in client.score(samples)]
        assert score_requests(a) + score_requests(b) == 1
    assert got == [r.score for r in resolve(str(path)).score_batch(samples)]


def test_clients_pickle_without_connections(two_servers: tuple[BackgroundServer, BackgroundServer]) -> None:
    a, b = two_servers
    client = RewardClient([a.url, b.url], token=None)
    client.score(SAMPLES[:2])
    clone = pickle.loads(pickle.dumps(client))
    assert [r.score for r in clone.score(SAMPLES[:2])] == [r.score for r in client.score(SAMPLES[:2])]
    client.close()
    clone.close()
    assert pickle.loads(pickle.dumps(AsyncRewardClient(a.url))).urls == [a.url]
