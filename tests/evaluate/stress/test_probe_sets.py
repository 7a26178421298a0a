"""The probe catalogs: every built-in verifier kind has a fair probe set that adapts to its configuration."""

from __future__ import annotations

import pytest

from rewardlab.core.spec import build_reward
from rewardlab.evaluate.stress import Unprobeable
from rewardlab.evaluate.stress.catalog import BUILDERS, DEFAULT_CONFIGS, build_probe_set
from rewardlab.evaluate.stress.probe import ATTACKS, CORRECT, WRONG, Probe

REQUIRED_ATTACKS = {"empty", "injection"}


@pytest.mark.parametrize("config", [c for c in DEFAULT_CONFIGS if c["type"] not in ("code",)], ids=str)
def test_default_configs_have_fair_probe_sets(config: dict) -> None:
    try:
        reward = build_reward(dict(config))
    except Exception as exc:  # a kind another capability has not registered yet
        pytest.skip(f"{config['type']}: {exc}")
    probe_set = build_probe_set(config["type"], reward)
    try:
        names = [p.name for p in probe_set.probes]
        assert len(names) == len(set(names)), "probe names must be unique"
        assert len(probe_set.probes) >= 10
        attacks = {p.attack for p in probe_set.probes}
        assert attacks >= REQUIRED_ATTACKS and attacks <= set(ATTACKS)
        assert probe_set.correct != probe_set.wrong
        # the correct base answer is paid and the wrong one is not: the probe set fits the verifier
        correct = reward.score(probe_set.sample(probe_set.correct))
        wrong = reward.score(probe_set.sample(probe_set.wrong))
        assert correct.score is not None and wrong.score is not None and correct.score > wrong.score
        for p in probe_set.probes:
            assert p.ceiling in (WRONG, CORRECT) or isinstance(p.ceiling, str)
    finally:
        probe_set.close()


def test_math_probes_cover_the_issue_list() -> None:
    names = {p.name for p in build_probe_set("math", _math()).probes}
    assert {"hedge_or", "many_numbers", "restate", "empty_box", "nested_empty_box", "huge_number"} <= names
    assert {"hedge_lookalike", "injection_1", "no_content_tags"} <= names


def _math():  # type: ignore[no-untyped-def]
    try:
        return build_reward({"type": "math"})
    except Exception as exc:
        pytest.skip(f"math is not registered: {exc}")


def test_probe_sets_adapt_to_the_configuration() -> None:
    tagged = build_probe_set("exact_match", build_reward({"type": "exact_match", "extract": "answer_tag"}))
    assert tagged.correct == "<answer>Paris</answer>"
    renamed = build_probe_set("qa", build_reward({"type": "qa", "answer_field": "gold"}))
    assert renamed.base["gold"] == "Paris" and "answer" not in renamed.base
    single = build_probe_set("format", build_reward({"type": "format", "template": "answer"}))
    assert "reversed" not in {p.name for p in single.probes}


@pytest.mark.parametrize(
    ("kind", "node", "why"),
    [
        ("exact_match", {"type": "exact_match", "extract": "regex", "pattern": "(x)"}, "extract='regex'"),
        ("format", {"type": "format", "pattern": "x+"}, "custom 'pattern'"),
        ("json_schema", {"type": "json_schema", "fixed_schema": {"type": "array"}}, "fixed_schema"),
        ("overlong", {"type": "overlong", "max_length": 10, "buffer": 2}, "length penalty"),
    ],
)
def test_unprobeable_configurations_say_why(kind: str, node: dict, why: str) -> None:
    with pytest.raises(Unprobeable, match=why):
        build_probe_set(kind, build_reward(node))


def test_probe_validation_and_catalog_coverage() -> None:
    with pytest.raises(ValueError, match="unknown attack"):
        Probe("x", "nonsense", "")
    assert set(BUILDERS) >= {"math", "code", "format", "json_schema", "choice", "qa", "sql", "ifeval", "toolcall"}
