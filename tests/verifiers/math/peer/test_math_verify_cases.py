"""Math-Verify 0.9.0's own test cases (``math_verify_cases.json``, Apache-2.0) on rewardlab's ``math`` reward.

rewardlab must agree with every case's expected value in both modes, except the deliberate
differences of ``differences.yaml`` (each with its class and reason; the README's table names every
class). A listed case that agrees again must leave the list, so the table stays exact.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from .agreement import MODES, load_cases, load_differences, paid, runnable, score

CASES = load_cases()
RUN = runnable(CASES)
BY_ID = {c["id"]: c for c in CASES}
DIFF = load_differences()
README = Path(__file__).resolve().parents[4] / "README.md"


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, Any]]:
    return {mode: score(RUN, mode) for mode in MODES}


def test_the_port_is_complete_and_well_formed() -> None:
    assert len(RUN) >= 280
    assert len({c["id"] for c in CASES}) == len(CASES)
    for c in CASES:
        if c["kind"] == "api":
            assert c["reason"], c  # tests of math-verify's own API: listed with why they do not map
        else:
            assert isinstance(c["gold"], str) and isinstance(c["pred"], str) and c["expected"] in (0, 1), c


def test_every_listed_difference_has_a_known_case_class_and_reason() -> None:
    classes = DIFF["classes"]
    for name, cls in classes.items():
        assert cls["reason"].strip() and cls["paid_by"] in ("rewardlab", "math-verify"), name
    for case_id, entry in DIFF["cases"].items():
        assert case_id in BY_ID and BY_ID[case_id]["kind"] != "api", case_id
        assert entry["class"] in classes, case_id
        assert set(entry["modes"]) <= set(MODES) and entry["modes"], case_id


def test_the_readme_table_names_every_class() -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("Deliberate differences from Math-Verify") :]
    for name in DIFF["classes"]:
        assert re.search(rf"`{name}`", section), f"README's table of deliberate differences lacks `{name}`"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case_id", [c["id"] for c in RUN])
def test_math_verify_case(case_id: str, mode: str, results: dict[str, dict[str, Any]]) -> None:
    case = BY_ID[case_id]
    result = results[mode][case_id]
    assert result.status.value == "ok", result
    agrees = paid(result) == bool(case["expected"])
    listed = DIFF["cases"].get(case_id)
    deliberate = listed is not None and mode in listed["modes"]
    described = f"{case_id} gold={case['gold'][:80]!r} pred={case['pred'][-120:]!r}: {result.info}"
    if deliberate:
        assert not agrees, f"listed as a deliberate difference but agrees now, drop it: {described}"
        cls = DIFF["classes"][listed["class"]]
        assert paid(result) == (cls["paid_by"] == "rewardlab"), described
    else:
        assert agrees, f"expected {case['expected']}: {described}"


def test_strict_pays_only_where_rewardlab_is_right(results: dict[str, dict[str, Any]]) -> None:
    """Where strict mode pays an answer Math-Verify's test expects refused, the listed reason says why
    the answer is right (and no class of that kind pays a wrong answer)."""
    for case in RUN:
        if paid(results["strict"][case["id"]]) and not case["expected"]:
            entry = DIFF["cases"][case["id"]]
            assert DIFF["classes"][entry["class"]]["paid_by"] == "rewardlab", case["id"]
