"""Strict JSON parsing and the `format` reward's JSON template (tag/regex templates: test_basic_verifiers.py)."""

from __future__ import annotations

import pytest

from rewardlab.verifiers import Format
from rewardlab.verifiers.common.jsontext import is_empty_value, parse_json


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('{"a": 1}', {"a": 1}),
        ("  [1, 2]  ", [1, 2]),
        ('```json\n{"a": [true, null]}\n```', {"a": [True, None]}),
        ("```\n42\n```", 42),
        ('"text"', "text"),
    ],
)
def test_parse_whole_accepts_one_value_optionally_fenced(text: str, value: object) -> None:
    parsed = parse_json(text)
    assert parsed.ok and parsed.value == value


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty completion"),
        ('{"a": 1} {"b": 2}', "Extra data"),
        ('{"a": NaN}', "NaN is not valid JSON"),
        ('{"a": Infinity}', "Infinity is not valid JSON"),
        ('{"a": 1, "a": 2}', "duplicate key 'a'"),
        ('Sure: {"a": 1}', "Expecting value"),
        ("[" * 10_000 + "]" * 10_000, "nested deeper than 64 levels"),
        ('{"a": 1', "Expecting"),
    ],
)
def test_parse_whole_refuses_ambiguous_or_invalid_json(text: str, reason: str) -> None:
    parsed = parse_json(text)
    assert not parsed.ok
    assert reason in (parsed.reason or "")


def test_parse_anywhere_and_fenced() -> None:
    assert parse_json('Sure! {"a": 1} Hope it helps.', where="anywhere").value == {"a": 1}
    assert parse_json('{"a": 1} and again {"a": 1}', where="anywhere").value == {"a": 1}  # same value twice
    assert "2 different JSON values" in (parse_json('{"a": 1} or {"a": 2}', where="anywhere").reason or "")
    assert parse_json("text\n```json\n[1]\n```\nmore", where="fenced").value == [1]
    assert not parse_json("no fence", where="fenced").ok
    assert "input too large" in (parse_json("[" + "1," * 600_000 + "1]").reason or "")
    with pytest.raises(ValueError, match="unknown JSON location"):
        parse_json("{}", where="nowhere")  # type: ignore[arg-type]


def test_is_empty_value() -> None:
    assert is_empty_value({"a": {"b": [" "]}})
    assert not is_empty_value({"a": False})
    assert not is_empty_value([0])


@pytest.mark.parametrize(
    ("completion", "score", "reason"),
    [
        ('{"answer": 4}', 1.0, None),
        ('```json\n{"answer": 4}\n```', 1.0, None),
        ("[1, 2, 3]", 1.0, None),
        ("{}", 0.0, "empty JSON value"),
        ("[]", 0.0, "empty JSON value"),
        ('""', 0.0, "empty JSON value"),
        ("null", 0.0, "empty JSON value"),
        ('{"answer": ""}', 0.0, "empty JSON value"),
        ("The answer is 4.", 0.0, "not valid JSON"),
        ('{"answer": 4} {"answer": 5}', 0.0, "not valid JSON"),
        ('{"answer": 5, "answer": 4}', 0.0, "duplicate key"),
    ],
)
def test_format_json_template(completion: str, score: float, reason: str | None) -> None:
    result = Format(template="json").score({"completion": completion})
    assert result.score == score
    if reason:
        assert reason in result.info["reason"]


def test_format_json_options() -> None:
    assert Format(template="json", require_content=False).score({"completion": "{}"}).score == 1.0
    assert Format(template="json", json_where="anywhere").score({"completion": 'Here: {"a": 1}'}).score == 1.0
    assert Format(template="json").score({"completion": 'Here: {"a": 1}'}).score == 0.0
    assert Format(template="json", max_chars=10).score({"completion": '{"a": "long text"}'}).score == 0.0
    # the JSON template is a template like the others: exactly one of template/tags/pattern
    with pytest.raises(ValueError, match="exactly one"):
        Format(template="json", pattern="x")
    assert Format(template="json").to_spec(minimal=True) == {"type": "format", "template": "json"}
