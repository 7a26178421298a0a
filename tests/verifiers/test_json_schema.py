"""The `json_schema` reward: conformance, strictness, and errors that name the schema problem."""

from __future__ import annotations

import json

import pytest

from rewardlab.core.result import Status
from rewardlab.verifiers import JsonSchema

SCHEMA = {
    "type": "object",
    "required": ["name", "age"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "age": {"type": "integer", "minimum": 0},
        "email": {"type": "string", "format": "email"},
    },
    "additionalProperties": False,
}


def score(completion: str, schema: object = SCHEMA, **params: object):  # type: ignore[no-untyped-def]
    return JsonSchema(**params).score({"completion": completion, "schema": schema})


@pytest.mark.parametrize(
    ("completion", "expected"),
    [
        ('{"name": "Ada", "age": 36}', 1.0),
        ('```json\n{"name": "Ada", "age": 36, "email": "ada@example.org"}\n```', 1.0),
        ('{"name": "Ada", "age": "36"}', 0.0),
        ('{"name": "", "age": 36}', 0.0),
        ('{"name": "Ada", "age": -1}', 0.0),
        ('{"name": "Ada", "age": 36, "extra": 1}', 0.0),
        ('{"name": "Ada", "age": 36, "email": "not-an-email"}', 0.0),
        ("{}", 0.0),
        ("[]", 0.0),
        ("null", 0.0),
        (json.dumps(SCHEMA), 0.0),  # the schema echoed back
        ('[{"name": "Ada", "age": 36}]', 0.0),
        ('{"name": "Ada", "age": "x", "age": 36}', 0.0),  # duplicate key
        ('{"name": "Ada", "age": NaN}', 0.0),
        ("", 0.0),
    ],
)
def test_conformance(completion: str, expected: float) -> None:
    assert score(completion).score == expected


def test_components_and_error_paths() -> None:
    r = score('{"name": "Ada", "age": "x"}')
    assert r.components == {"json_schema": 0.0, "json_schema.json": 1.0, "json_schema.schema": 0.0}
    assert r.info["errors"] == ["$.age: 'x' is not of type 'integer'"]
    r = score("not json")
    assert r.components["json_schema.json"] == 0.0
    ok = score('{"name": "Ada", "age": 36}')
    assert ok.components == {"json_schema": 1.0, "json_schema.json": 1.0, "json_schema.schema": 1.0}


def test_empty_value_refused_even_when_the_schema_allows_it() -> None:
    lax = {"type": "object"}
    assert score("{}", lax).score == 0.0
    assert score("{}", lax).info["reason"] == "empty JSON value"
    assert score("{}", lax, allow_empty=True).score == 1.0


def test_partial_credit_and_options() -> None:
    assert score('{"name": "Ada"}', json_credit=0.2).score == 0.2
    assert score('{"name": "Ada", "age": 36, "email": "x"}', check_formats=False).score == 1.0
    assert score('Sure: {"name": "Ada", "age": 36}', where="anywhere").score == 1.0
    assert JsonSchema(fixed_schema=SCHEMA).score({"completion": '{"name": "Ada", "age": 1}'}).score == 1.0
    # the schema may be JSON text in the sample, and may use an older draft
    assert score('{"name": "Ada", "age": 36}', json.dumps(SCHEMA)).score == 1.0
    draft4 = {"$schema": "http://json-schema.org/draft-04/schema#", "type": "integer", "maximum": 3}
    assert score("4", draft4).score == 0.0


def test_bad_schemas_are_errors_that_say_why() -> None:
    r = score("{}", {"type": "objet"})
    assert r.status is Status.ERROR and "field 'schema': not a valid JSON Schema" in (r.error or "")
    r = score('{"a": 1}', {"properties": {"a": {"$ref": "http://example.com/remote.json"}}})
    assert r.status is Status.ERROR and "remote $ref targets are not fetched" in (r.error or "")
    r = score("{}", "{not json")
    assert r.status is Status.ERROR and "not valid JSON" in (r.error or "")
    assert JsonSchema().score({"completion": "{}"}).status is Status.NOT_APPLICABLE
    with pytest.raises(ValueError, match="not a valid JSON Schema"):
        JsonSchema(fixed_schema={"type": 3})
