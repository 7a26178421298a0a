"""`rewardlab serve` start-up as a person sees it: --port 0 prints the real port, a port in use is
an error before any banner, --component serves a named node, and the client says it is waiting."""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "math_grpo.yaml"


def _serve(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "REWARDLAB_HOME": os.environ.get("REWARDLAB_HOME", "/tmp/rewardlab-test-home")}
    return subprocess.Popen(
        [sys.executable, "-m", "rewardlab", "serve", "--cache", "off", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _banner_port(proc: subprocess.Popen[str], deadline_s: float = 120.0) -> int:
    assert proc.stderr is not None
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            break
        found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        if found:
            return int(found.group(1))
    raise AssertionError("no banner with a port")


def _ready(port: int, deadline_s: float = 120.0) -> httpx.Response:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            r = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
            if r.status_code == 200:
                return r
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("server never ready")


def test_port_zero_prints_the_real_port_and_component_serves_a_node() -> None:
    proc = _serve("-r", str(EXAMPLE), "--port", "0", "--component", "total")
    try:
        port = _banner_port(proc)
        assert port != 0
        _ready(port)
        spec = httpx.get(f"http://127.0.0.1:{port}/v1/spec", timeout=10).json()
        assert spec["name"] == "total" and not spec["batch_dependent"] and "advantage" not in spec["components"]
        body = {"query": ["q <think>a</think><answer>4</answer>", "q <answer>5</answer>"], "prompts": ["q", "q"]}
        body["labels"] = ["4", "4"]
        answer = httpx.post(f"http://127.0.0.1:{port}/get_reward", json=body, timeout=30).json()
        assert answer["rewards"] == [1.0, 0.0] and answer["statuses"] == ["ok", "ok"]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)


def test_a_port_in_use_is_an_error_and_no_banner() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        proc = _serve("-r", "exact_match", "--port", str(port))
        _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err and "in use" in err
    assert "rewardlab serve: spec" not in err


def test_an_unknown_component_names_the_choices() -> None:
    proc = _serve("-r", str(EXAMPLE), "--component", "totl")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2 and "no component named 'totl'" in err and "total" in err


def test_the_client_says_it_is_waiting(caplog: pytest.LogCaptureFixture) -> None:
    from rewardlab.client import RewardClient
    from rewardlab.serve.client import ServerUnavailable

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with (
        caplog.at_level(logging.INFO, logger="rewardlab.client"),
        RewardClient(f"http://127.0.0.1:{port}", wait_ready_s=1.0) as client,
        pytest.raises(ServerUnavailable),
    ):
        client.wait_ready()
    assert any(f"waiting for a reward server: http://127.0.0.1:{port}" in m for m in caplog.messages)
