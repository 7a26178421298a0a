"""The stress runner: verdicts, ceilings, hang and crash handling, health checks, the report."""

from __future__ import annotations

import json

import pytest
from rich.console import Console

from rewardlab.core.spec import spec_from_dict
from rewardlab.evaluate.stress import StressTarget, default_targets, probe_verifier, run_stress, targets_from_reward

from ... import rewards  # noqa: F401  (registers the test verifiers)

BUILTIN_FAST = ["format", "json_schema", "choice", "qa", "ifeval", "toolcall", "exact_match"]


def test_every_builtin_verifier_passes_by_default() -> None:
    """The issue's done-when: `rewardlab stress` passes for every built-in verifier (code has its own test)."""
    kinds = [*BUILTIN_FAST, "sql", "math"]
    targets = default_targets(kinds)
    report = run_stress(targets, isolation="inline", timeout_s=60)
    failing = {
        v.label: ([o.probe for o in v.paid], [o.probe for o in v.unhealthy], v.message)
        for v in report.verifiers
        if not v.passed
    }
    assert report.passed, failing
    probed = {v.kind for v in report.verifiers if v.state == "probed"}
    assert set(BUILTIN_FAST) | {"sql"} <= probed
    for v in report.verifiers:
        if v.state == "skipped":
            assert "not registered" in (v.message or "")
    # the SQL probes (writes, ATTACH, VACUUM INTO, an endless CTE) left the database file untouched
    (sql,) = [v for v in report.verifiers if v.kind == "sql"]
    assert all(not o.health for o in sql.outcomes)
    writes = [o for o in sql.outcomes if o.attack == "write"]
    assert len(writes) >= 8 and all(o.score == 0.0 for o in writes)
    assert next(o for o in sql.outcomes if o.probe == "infinite_cte").reason.startswith("the query failed: timed out")


def test_a_lax_verifier_is_caught_and_the_report_says_which_probes_paid() -> None:
    target = StressTarget(label="lax", kind="qa", node={"type": "t_lax_qa"})
    report = run_stress([target], isolation="inline", timeout_s=10)
    assert not report.passed
    paid = {o.probe for o in report.verifiers[0].paid}
    assert {"hedge_or", "many_commas", "huge_repeat"} <= paid
    data = report.to_json()
    assert data["passed"] is False and "hedge_or" in data["verifiers"][0]["paid"]
    json.dumps(data)  # serializable
    console = Console(record=True, width=160)
    report.render(console)
    text = console.export_text()
    assert "PAID" in text and "hedge_or" in text and "failed" in text


def test_hangs_are_cut_off_inline() -> None:
    target = StressTarget(label="hanging", kind="exact_match", node={"type": "t_hanging_qa"})
    report = run_stress([target], isolation="inline", timeout_s=0.5)
    (v,) = report.verifiers
    hung = {o.probe: o for o in v.outcomes if o.status == "hung"}
    assert set(hung) == {"huge_filler"}
    assert "no result within 0.5s" in hung["huge_filler"].health[0]
    assert all(o.seconds < 2 for o in v.outcomes)
    assert [o.probe for o in v.unhealthy] == ["huge_filler"]


def test_process_isolation_survives_hangs_and_crashes() -> None:
    target = StressTarget(
        label="fragile", kind="exact_match", node={"type": "t_fragile_qa"}, imports=("tests.rewards",)
    )
    report = probe_verifier(target, isolation="process", timeout_s=1.0)
    assert report.state == "probed", report.message
    by_name = {o.probe: o for o in report.outcomes}
    hang = by_name["huge_filler"]
    assert hang.status == "hung" and "no result within 1s" in hang.health[0]
    crash = by_name["injection_2"]
    assert crash.status == "crashed" and "exit code 3" in crash.health[0]
    # the probes after them ran on a fresh worker and stayed healthy
    assert by_name["injection_3"].healthy and by_name["injection_3"].score == 0.0
    assert not report.passed and {o.probe for o in report.unhealthy} == {"huge_filler", "injection_2"}


def test_targets_from_a_spec_walk_the_tree_and_deduplicate() -> None:
    spec = spec_from_dict(
        {
            "reward": {
                "type": "weighted_sum",
                "children": [
                    {"type": "gate", "gate": {"type": "format", "template": "answer"}, "child": {"type": "qa"}},
                    {"type": "qa", "name": "qa_again"},
                    {"type": "repetition"},
                    {"type": "t_lax_qa"},
                ],
            }
        }
    )
    targets = targets_from_reward(spec.reward)
    labels = [t.label for t in targets]
    assert labels == ["format(template=answer)", "qa", "repetition", "t_lax_qa"]
    skips = {t.label: t.skip for t in targets}
    assert skips["t_lax_qa"] == "not a built-in verifier (no probe set)"
    report = run_stress(targets, isolation="inline", timeout_s=30)
    states = {v.label: v.state for v in report.verifiers}
    assert states == {
        "format(template=answer)": "probed",
        "qa": "probed",
        "repetition": "skipped",
        "t_lax_qa": "skipped",
    }
    assert report.passed


def test_a_probe_set_that_does_not_fit_is_reported_broken() -> None:
    # multiple-choice probes against a verifier comparing whole strings: its correct base answer is not
    # paid, so no probe could prove anything: the verdict is "broken", not "passed"
    target = StressTarget(label="mismatch", kind="choice", node={"type": "exact_match"})
    report = run_stress([target], isolation="inline", timeout_s=10)
    (v,) = report.verifiers
    assert v.state == "broken" and "not above the wrong one" in (v.message or "")
    assert not report.passed


def test_code_sandbox_probes() -> None:
    """The code verifier against early exit, checker redefinition, loops, fork and memory abuse, network,
    writes outside the sandbox and pytest tampering (short per-test limits keep the loops quick)."""
    try:
        from rewardlab.core.registry import get_reward_class

        get_reward_class("code")
    except Exception as exc:
        pytest.skip(f"the code reward is not registered: {exc}")
    targets = default_targets(["code"])
    (target,) = targets
    target.node = {**target.node, "timeout_s": 2.0, "total_timeout_s": 10.0}
    report = run_stress([target], isolation="process", timeout_s=30)
    (v,) = report.verifiers
    if v.state == "broken" and "sandbox" in (v.message or "").lower():
        pytest.skip(f"no sandbox on this machine: {v.message}")
    names = {o.probe for o in v.outcomes}
    assert {"exit_early", "redefine_check", "infinite_loop", "fork_storm", "memory_hog", "network"} <= names
    assert {"write_outside", "always_equal", "pytest_conftest"} <= names
    assert v.passed, ([o.probe for o in v.paid], [(o.probe, o.health) for o in v.unhealthy], v.message)
