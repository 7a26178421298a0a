"""Math-Verify's own test cases, run through rewardlab's ``math`` reward: loading and agreement.

Each case maps to ``MathAnswer(mode=...).score({"completion": pred, "answer": gold})`` (see
``build_math_verify.py`` for how each Math-Verify test calls it). Run as a script to print the
agreement per mode::

    .venv/bin/python -m tests.verifiers.math.peer.agreement
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
MODES = ("strict", "lenient")


def load_cases() -> list[dict[str, Any]]:
    """Every case of ``math_verify_cases.json`` (``kind``: ``pair``, ``string`` or ``api``)."""
    return json.loads((HERE / "math_verify_cases.json").read_text(encoding="utf-8"))["cases"]


def load_differences() -> dict[str, Any]:
    """``differences.yaml``: ``classes`` (id -> reason, paid_by) and ``cases`` (id -> class, modes)."""
    return yaml.safe_load((HERE / "differences.yaml").read_text(encoding="utf-8"))


def runnable(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for c in cases if c["kind"] != "api"]


def score(cases: list[dict[str, Any]], mode: str) -> dict[str, Any]:
    """Case id -> the reward's result, in one batch."""
    from rewardlab.verifiers.math import MathAnswer

    # verdicts, not speed: a generous symbolic time limit so a loaded machine does not turn the few
    # sympy checks (sums) into timeouts
    reward = MathAnswer(mode=mode, timeout_s=60)
    results = reward.score_batch([{"completion": c["pred"], "answer": c["gold"]} for c in cases])
    return {c["id"]: r for c, r in zip(cases, results, strict=True)}


def paid(result: Any) -> bool:
    return result.score == 1.0


def main() -> None:
    cases = runnable(load_cases())
    listed = load_differences()["cases"]
    for mode in MODES:
        results = score(cases, mode)
        agree = [c for c in cases if paid(results[c["id"]]) == bool(c["expected"])]
        differ = [c["id"] for c in cases if c not in agree]
        deliberate = [i for i in differ if mode in listed.get(i, {}).get("modes", [])]
        wrong_paid = [c["id"] for c in cases if paid(results[c["id"]]) and not c["expected"]]
        by_class = Counter(listed[i]["class"] for i in deliberate)
        print(
            f"{mode}: {len(agree)}/{len(cases)} = {len(agree) / len(cases):.1%} agree with Math-Verify's expected "
            f"values; {len(deliberate)} deliberate differences {dict(by_class)}; {len(differ) - len(deliberate)} "
            f"unlisted; paid where Math-Verify expects 0: {wrong_paid}"
        )


if __name__ == "__main__":
    main()
