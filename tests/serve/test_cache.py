"""The result cache: SQLite (WAL) by default, Redis against a real redis-server when one is installed."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rewardlab.core.sample import Sample
from rewardlab.core.spec import build_reward
from rewardlab.serve.cache import RedisCache, SQLiteCache, cache_mode, open_cache, request_key, sample_key


def test_sqlite_is_wal_and_keyed_by_spec_hash(tmp_path: Path) -> None:
    cache = SQLiteCache(tmp_path / "c.sqlite")
    cache.put_many("spec-a", {"k1": "one", "k2": "two"})
    cache.put_many("spec-b", {"k1": "other"})
    assert cache.get_many("spec-a", ["k1", "k2", "k3"]) == {"k1": "one", "k2": "two"}
    assert cache.get_many("spec-b", ["k1"]) == {"k1": "other"}
    mode = cache._conn().execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    cache.close()
    reopened = open_cache(str(tmp_path / "c.sqlite"))
    assert reopened is not None and reopened.get_many("spec-a", ["k1"]) == {"k1": "one"}
    reopened.close()


def test_sqlite_concurrent_writers(tmp_path: Path) -> None:
    cache = SQLiteCache(tmp_path / "c.sqlite")
    errors: list[BaseException] = []

    def writer(w: int) -> None:
        try:
            for i in range(50):
                cache.put_many("h", {f"{w}-{i}": str(i)})
                cache.get_many("h", [f"{w}-{i}"])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(cache) == 300
    cache.close()


def test_sqlite_prunes_oldest_entries(tmp_path: Path) -> None:
    cache = SQLiteCache(tmp_path / "c.sqlite", max_entries=100)
    for i in range(120):
        cache.put_many("h", {f"k{i:03d}": "v"})
    cache._prune(cache._conn())
    assert len(cache) == 100
    assert cache.get_many("h", ["k000"]) == {} and cache.get_many("h", ["k119"]) == {"k119": "v"}
    cache.close()


def test_keys_cover_every_field_and_option() -> None:
    s = Sample(prompt="p", completion="c", answer="1")
    assert sample_key(s) != sample_key(s, step=3) != sample_key(s, group_key="g")
    assert sample_key(s) != sample_key(Sample(prompt="p", completion="c", answer="1", extra=1))
    assert request_key([s, s]) != request_key([s])


def test_cache_modes() -> None:
    assert cache_mode(build_reward("exact_match")) == "sample"
    assert cache_mode(build_reward({"type": "batch_norm", "child": "exact_match"})) == "request"
    assert cache_mode(build_reward({"type": "running_norm", "child": "exact_match"})) == "off"


def test_bad_cache_urls() -> None:
    assert open_cache("off") is None
    with pytest.raises(ValueError, match="cache URL"):
        open_cache("ftp://x")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server)")
    port = _free_port()
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.integration
def test_redis_cache_against_a_real_server(redis_url: str) -> None:
    cache = open_cache(redis_url)
    assert isinstance(cache, RedisCache)
    cache.put_many("spec-a", {"k1": '{"score": 1.0}', "k2": "two"})
    assert cache.get_many("spec-a", ["k1", "k2", "nope"]) == {"k1": '{"score": 1.0}', "k2": "two"}
    assert cache.get_many("spec-b", ["k1"]) == {}
    cache.close()


@pytest.mark.integration
def test_server_uses_redis_cache(redis_url: str) -> None:
    import httpx

    from rewardlab.serve.config import ServerConfig
    from rewardlab.serve.runner import BackgroundServer

    body = {"samples": [{"completion": "4", "answer": "4"}]}
    with BackgroundServer("exact_match", ServerConfig(port=0, cache_url=redis_url)) as s:
        httpx.post(s.url + "/v1/score", json=body)
    with BackgroundServer("exact_match", ServerConfig(port=0, cache_url=redis_url)) as s:  # a new server process-wide
        again = httpx.post(s.url + "/v1/score", json=body).json()
    assert again["cache_hits"] == 1 and again["results"][0]["info"]["cache"] == "hit"
