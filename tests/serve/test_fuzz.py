"""Fuzzing the server from its own OpenAPI document (schemathesis, every check, bounded in time).

A server on loopback (with a token, a result cache, and a spec holding both a verifier and a
batched model reward, so that requests are merged) is handed to ``st run``: schema examples,
the coverage phase (boundary values, every required field missing, wrong types) and the
fuzzing phase, positive and negative, with every check -- no 5xx, every status, header, content
type and body as documented, schema-valid requests accepted, schema-invalid ones rejected,
requests without the token refused. The run must find nothing.

The default run is fixed (seed 1, 25 examples per operation: about 300 requests in 20 s).
``REWARDLAB_FUZZ_SEED``, ``REWARDLAB_FUZZ_EXAMPLES`` and ``REWARDLAB_FUZZ_TIME`` (a time budget
in seconds: fuzzing repeats until it is spent) make a different or a longer run, e.g.
``REWARDLAB_FUZZ_TIME=600 REWARDLAB_FUZZ_SEED=$RANDOM pytest tests/serve/test_fuzz.py -s``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from rewardlab.core.spec import spec_from_dict
from rewardlab.serve.config import ServerConfig
from rewardlab.serve.runner import BackgroundServer

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
TOKEN = "fuzz-token_0"
SPEC = {
    "reward": {
        "type": "weighted_sum",
        "children": [
            {"type": "exact_match", "name": "accuracy"},
            {"type": "t_serve_model", "name": "model", "call_cost_s": 0.001, "sample_cost_s": 0.0},
        ],
    }
}


def st_command() -> list[str]:
    found = shutil.which("st", path=str(Path(sys.executable).parent)) or shutil.which("st")
    if found is None:
        pytest.skip("schemathesis is not installed (it is in the 'dev' extra)")
    return [found]


def test_fuzzing_from_the_openapi_document_finds_nothing(tmp_path: Path) -> None:
    pytest.importorskip("schemathesis")
    command = st_command()
    examples = int(os.environ.get("REWARDLAB_FUZZ_EXAMPLES", "25"))
    seed = os.environ.get("REWARDLAB_FUZZ_SEED", "1")
    budget = os.environ.get("REWARDLAB_FUZZ_TIME")
    auth = {"Authorization": f"Bearer {TOKEN}"}
    cfg = ServerConfig(port=0, token=TOKEN, cache_url=str(tmp_path / "cache.sqlite"), max_delay_ms=2)
    with BackgroundServer(spec_from_dict(SPEC), cfg) as server:
        document = tmp_path / "openapi.json"
        document.write_text(json.dumps(httpx.get(server.url + "/openapi.json", headers=auth).json()))
        run = subprocess.run(
            [
                *command,
                "run",
                str(document),
                "--url",
                server.url,
                "--header",
                f"Authorization: Bearer {TOKEN}",
                "--checks",
                "all",
                "--max-examples",
                str(examples),
                "--seed",
                seed,
                *(["--max-time", budget] if budget else []),
                "--generation-database",
                "none",
                "--continue-on-failure",
                "--no-color",
                "--workers",
                "1",
                "--report",
                "junit",
                "--report-dir",
                str(tmp_path / "report"),
            ],
            cwd=tmp_path,  # schemathesis writes its cache next to where it runs
            env={**os.environ, "SCHEMATHESIS_HOOKS": "tests.serve.fuzz_hooks", "PYTHONPATH": str(REPO)},
            capture_output=True,
            text=True,
            timeout=int(budget or 0) + 300,
        )
        alive = httpx.get(server.url + "/healthz").status_code
    output = run.stdout + run.stderr
    generated = re.search(r"(\d+) generated[^\n]*", output)
    print(f"\nschemathesis: {generated.group(0) if generated else '?'} (seed {seed}, {examples} per operation)")
    assert run.returncode == 0, output[-20000:]
    assert "No issues found" in output, output[-5000:]
    assert generated is not None and int(generated.group(1)) >= 6 * min(examples, 10)
    assert alive == 200
