"""``benchmarks/bon_overopt.py``: proxy vs gold over best-of-N with ``select best``, on a few
``gsm8k_solutions`` questions (GPT-3 solutions, MIT; see the shared data README) with the raw
length as the proxy (no model to load) and the math verifier as the gold."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import SHARED_DATA as DATA

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bon_overopt_under_test", REPO / "benchmarks" / "bon_overopt.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(
    not (DATA / "gsm8k_solutions.jsonl.gz").is_file(),
    reason=f"the shared data folder is not at {DATA} (set REWARDLAB_SHARED_DATA)",
)
def test_length_as_proxy_math_as_gold(bench: ModuleType, tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["--data", str(DATA), "--out", str(out), "--questions", "12", "--proxy", "length"]
    args += ["--ns", "1,2,4", "--orders", "8"]
    assert bench.main([*args, "--plot", str(tmp_path / "curve.png")]) == 0  # 0: the CLI picked as the API did
    table = json.loads((out / "curve.json").read_text())
    scored = [json.loads(line) for line in (out / "scored.jsonl").read_text().splitlines()]
    assert len(scored) == 48 and {r["sample_index"] for r in scored} == {0, 1, 2, 3}
    groups: dict[str, list[dict]] = {}
    for r in scored:
        groups.setdefault(r["group_id"], []).append(r["reward"]["components"])
    mean_gold = sum(c["gold"] for g in groups.values() for c in g) / len(scored)
    pass_at_4 = sum(any(c["gold"] == 1.0 for c in g) for g in groups.values()) / len(groups)
    longest = sum(max(c["proxy"] for c in g) for g in groups.values()) / len(groups)
    one, _, four = table
    assert one["kl"] == 0.0 and one["exact_gold"] == pytest.approx(mean_gold)
    assert four["oracle_gold"] == pytest.approx(pass_at_4)
    assert four["exact_proxy"] == pytest.approx(longest) and four["proxy"][0] == pytest.approx(longest)
    assert one["proxy"][0] <= table[1]["proxy"][0] <= four["proxy"][0]  # the proxy of the pick rises with N
    assert (tmp_path / "curve.png").stat().st_size > 0


def test_a_sampled_file_needs_its_fields(bench: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "samples.jsonl"
    path.write_text(json.dumps({"group_id": "g", "sample_index": 0, "completion": "4"}) + "\n")
    with pytest.raises(ValueError, match=r"samples\.jsonl:1: no 'answer' field"):
        bench.sampled_rows(path, "answer")
