"""Specs as data: loading, validation errors a person can act on, labels, hashes, resolution."""

from __future__ import annotations

from pathlib import Path

import pytest

from rewardlab.core import ParameterError, SpecError, UnknownRewardError, load_spec, resolve, spec_from_dict

from .. import rewards  # noqa: F401  (registers the test rewards)


def write(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_example_spec_validates(examples: Path) -> None:
    spec = load_spec(examples / "math_grpo.yaml")
    assert spec.name == "math-grpo-demo"
    assert {"format", "accuracy", "repetition", "overlong", "advantage"} <= set(spec.component_names)
    assert len(spec.hash) == 16


def test_unknown_reward_name_has_path_suggestion_and_allowed(tmp_path: Path) -> None:
    p = write(tmp_path, "reward:\n  type: weighted_sum\n  children:\n    - type: exact_mtch\n")
    with pytest.raises(UnknownRewardError) as exc:
        load_spec(p)
    text = str(exc.value)
    assert str(p) in text
    assert "reward.children[0].type" in text
    assert "did you mean 'exact_match'" in text
    assert "allowed:" in text and "weighted_sum" in text


def test_bad_parameter_type_names_the_field(tmp_path: Path) -> None:
    p = write(tmp_path, "reward:\n  type: weighted_sum\n  children:\n    - {type: exact_match, weight: heavy}\n")
    with pytest.raises(ParameterError) as exc:
        load_spec(p)
    assert "reward.children[0].weight" in str(exc.value)
    assert "valid number" in str(exc.value) and "'heavy'" in str(exc.value)


def test_unknown_parameter_lists_allowed_names() -> None:
    with pytest.raises(ParameterError) as exc:
        spec_from_dict({"reward": {"type": "exact_match", "ignorecase": True}})
    assert "did you mean 'ignore_case'" in str(exc.value)
    assert "allowed:" in str(exc.value) and "extract" in str(exc.value)


def test_missing_required_parameter() -> None:
    with pytest.raises(ParameterError) as exc:
        spec_from_dict({"reward": {"type": "overlong", "buffer": 3}})
    assert "reward.max_length" in str(exc.value) and "missing required parameter" in str(exc.value)


def test_cross_field_validation_message() -> None:
    with pytest.raises(ParameterError) as exc:
        spec_from_dict({"reward": {"type": "overlong", "max_length": 3, "buffer": 5}})
    assert "buffer (5) cannot exceed max_length (3)" in str(exc.value)


def test_bad_enum_value_lists_choices() -> None:
    with pytest.raises(ParameterError) as exc:
        spec_from_dict({"reward": {"type": "group_norm", "method": "zcore", "child": "exact_match"}})
    assert "reward.method" in str(exc.value) and "'zscore'" in str(exc.value)


def test_missing_type_and_wrong_node_shape() -> None:
    with pytest.raises(SpecError, match=r"reward.children\[1\]: missing 'type'"):
        spec_from_dict({"reward": {"type": "sum", "children": ["exact_match", {"name": "x"}]}})
    with pytest.raises(SpecError, match="expected a reward"):
        spec_from_dict({"reward": 5})


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    p = write(tmp_path, "reward:\n  type: exact_match\n   bad: [\n")
    with pytest.raises(SpecError) as exc:
        load_spec(p)
    assert "not valid YAML" in str(exc.value) and "line" in str(exc.value)


def test_empty_missing_and_non_mapping_files(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="empty"):
        load_spec(write(tmp_path, ""))
    with pytest.raises(SpecError, match="no such file"):
        load_spec(tmp_path / "nope.yaml")
    with pytest.raises(SpecError, match="must be a mapping"):
        load_spec(write(tmp_path, "- a\n- b\n"))


def test_unknown_top_level_key() -> None:
    with pytest.raises(SpecError) as exc:
        spec_from_dict({"reward": "exact_match", "groupkey": "x"})
    assert "did you mean 'group_key'" in str(exc.value)


def test_duplicate_explicit_names_are_errors() -> None:
    with pytest.raises(SpecError, match="two rewards are named 'a'"):
        spec_from_dict(
            {
                "reward": {
                    "type": "sum",
                    "children": [
                        {"type": "exact_match", "name": "a"},
                        {"type": "format", "name": "a", "template": "answer"},
                    ],
                }
            }
        )


def test_unnamed_leaves_of_one_type_get_distinct_labels() -> None:
    spec = spec_from_dict(
        {
            "reward": {
                "type": "sum",
                "children": [
                    {"type": "format", "template": "answer"},
                    {"type": "format", "template": "think"},
                    "exact_match",
                ],
            }
        }
    )
    assert spec.component_names == ["format", "format_2", "exact_match"]
    r = spec.score({"completion": "<think>x</think><answer>y</answer>", "answer": "z"})
    assert r.components == {"format": 1.0, "format_2": 1.0, "exact_match": 0.0}


def test_hash_ignores_formatting_and_explicit_defaults_but_not_params(tmp_path: Path) -> None:
    a = load_spec(write(tmp_path, "reward: {type: exact_match}\n", "a.yaml"))
    b = load_spec(
        write(tmp_path, "# comment\nname: other\nreward:\n  type: exact_match\n  ignore_case: true\n", "b.yaml")
    )
    c = load_spec(write(tmp_path, "reward: {type: exact_match, ignore_case: false}\n", "c.yaml"))
    assert a.hash == b.hash != c.hash


def test_every_result_carries_the_spec_hash() -> None:
    spec = spec_from_dict({"reward": {"type": "sum", "children": ["exact_match", {"type": "t_field"}]}})
    results = spec.score_batch([{"completion": "a", "answer": "a", "value": 1}, {"completion": "a", "answer": "b"}])
    assert all(r.spec_hash == spec.hash for r in results)


def test_spec_round_trips_through_yaml(tmp_path: Path, examples: Path) -> None:
    spec = load_spec(examples / "math_grpo.yaml")
    again = load_spec(write(tmp_path, spec.to_yaml()))
    assert again.hash == spec.hash


def test_resolve_name_params_and_file(tmp_path: Path) -> None:
    assert resolve("exact_match").reward.type_name == "exact_match"
    assert resolve("em").reward.type_name == "exact_match"  # alias
    assert resolve("exact_match", params={"extract": "boxed"}).reward.extract == "boxed"
    p = write(tmp_path, "reward: exact_match\n")
    assert resolve(str(p)).source == str(p)
    with pytest.raises(SpecError, match="apply to a named reward"):
        resolve(str(p), params={"x": 1})


def test_resolve_a_spec_dict_and_refuse_other_types() -> None:
    # a trainer's config hands the parsed spec over as a dict
    node = resolve({"type": "exact_match", "extract": "boxed"})
    assert node.reward.type_name == "exact_match" and node.reward.extract == "boxed"
    whole = resolve({"reward": {"type": "math", "mode": "lenient"}, "name": "m"})
    assert whole.reward.mode == "lenient" and whole.name == "m"
    assert whole.hash == resolve({"reward": {"type": "math", "mode": "lenient"}, "name": "m"}).hash
    with pytest.raises(SpecError, match="apply to a named reward"):
        resolve({"type": "exact_match"}, params={"extract": "boxed"})
    with pytest.raises(SpecError, match="cannot resolve a int"):
        resolve(3)  # type: ignore[arg-type]


def test_a_node_can_be_the_whole_file(tmp_path: Path) -> None:
    assert load_spec(write(tmp_path, "type: exact_match\nname: em\n")).component_names == ["em"]
