"""JSON Schema conformance of the completion's JSON value.

>>> schema = {"type": "object", "required": ["name", "age"],
...           "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}}}
>>> r = JsonSchema()
>>> r.score({"completion": '{"name": "Ada", "age": 36}', "schema": schema}).score
1.0
>>> r.score({"completion": "{}", "schema": schema}).info["errors"]
["$: 'name' is a required property", "$: 'age' is a required property"]
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, ClassVar

from pydantic import Field, model_validator

from ..core.context import ScoreContext
from ..core.errors import NotApplicable
from ..core.example import Example
from ..core.registry import register
from ..core.result import RewardResult
from ..core.reward import Reward
from ..core.sample import Sample
from .common.jsontext import Where, is_empty_value, parse_json

__all__ = ["JsonSchema", "compile_schema"]

_MAX_MESSAGE = 200


def _import_jsonschema() -> Any:
    try:
        import jsonschema
    except ImportError as exc:  # pragma: no cover - jsonschema is in the `verifiers` extra
        raise RuntimeError(
            "the json_schema reward needs the 'jsonschema' package: pip install 'rewardlab[verifiers]'"
        ) from exc
    return jsonschema


@lru_cache(maxsize=256)
def _compile(canonical: str, check_formats: bool) -> Any:
    jsonschema = _import_jsonschema()
    import referencing

    schema = json.loads(canonical)
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        where = _path(exc.absolute_path)
        raise ValueError(f"not a valid JSON Schema ({cls.__name__}): {where}: {_short(exc.message)}") from None
    # An empty registry: `$ref` to a remote URL is unresolvable instead of fetched.
    return cls(
        schema,
        registry=referencing.Registry(),
        format_checker=cls.FORMAT_CHECKER if check_formats else None,
    )


def compile_schema(schema: Any, *, check_formats: bool = True) -> Any:
    """A cached jsonschema validator for ``schema`` (a dict, a bool, or its JSON text).

    Raises ``ValueError`` naming the problem when ``schema`` is not a valid JSON Schema.
    Remote ``$ref`` targets are never fetched.
    """
    if isinstance(schema, str):
        try:
            schema = json.loads(schema)
        except ValueError as exc:
            raise ValueError(f"not valid JSON: {exc}") from None
    if not isinstance(schema, (dict, bool)):
        raise ValueError(f"expected a JSON Schema object, got {type(schema).__name__}")
    return _compile(json.dumps(schema, sort_keys=True), check_formats)


def _path(parts: Any) -> str:
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def _error_order(error: Any) -> tuple[int, str]:
    """Shallow violations first; equal depths keep the validator's order."""
    return len(error.absolute_path), str(list(error.absolute_path))


def _short(text: str) -> str:
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


@register("json_schema", aliases=("jsonschema",), family="verifier")
class JsonSchema(Reward):
    """1.0 when the completion is one JSON value that conforms to a JSON Schema, else 0.0.

    The schema comes from the sample's ``schema`` field (a JSON Schema object or its JSON
    text), or from the ``fixed_schema`` parameter for every sample. The JSON is found as in
    ``format`` (``where``: the whole completion, optionally in one Markdown fence; ``fenced``;
    ``anywhere``), parsed strictly (no NaN, no duplicate keys, bounded size and depth), and
    validated with the schema's own draft (``$schema``; default 2020-12), formats checked.
    Remote ``$ref`` targets are never fetched.

    Cheap hacks earn nothing: an empty value (``{}``, ``[]``, ``""``, ``null``, or only empty
    members) earns 0 even when the schema would accept it (``allow_empty`` to pay it), and
    ``{}`` fails any schema with required fields. Components: ``<name>.json`` (the text is
    valid JSON) and ``<name>.schema`` (it conforms). ``json_credit`` pays valid JSON that fails
    the schema (default 0). ``info['errors']`` lists the first violations by JSON path.

    >>> JsonSchema(fixed_schema={"type": "array", "minItems": 2}).score({"completion": "[1]"}).info["errors"]
    ['$: [1] is too short']
    """

    reads: ClassVar[tuple[str, ...]] = ("completion", "schema")
    example: ClassVar[Example] = Example(
        sample={"completion": '{"a": 1}', "schema": {"type": "object", "required": ["a"]}}, score=1.0
    )

    fixed_schema: dict[str, Any] | bool | None = Field(
        default=None, description="A JSON Schema used for every sample instead of the sample's schema field."
    )
    schema_field: str = Field(default="schema", description="Sample field holding the schema.")
    where: Where = Field(default="whole", description="Where the JSON is: whole, fenced or anywhere.")
    allow_empty: bool = Field(default=False, description="Pay an empty value ({}, [], '', null) the schema accepts.")
    json_credit: float = Field(
        default=0.0, ge=0.0, le=1.0, description="Score of valid JSON that does not conform (partial credit)."
    )
    check_formats: bool = Field(default=True, description="Check 'format' keywords (email, date, uri, ...).")
    max_errors: int = Field(default=5, ge=1, description="How many violations to list in info['errors'].")
    max_chars: int = Field(default=1_000_000, gt=0, description="Longer completions earn 0.")

    @model_validator(mode="after")
    def _check(self) -> JsonSchema:
        if self.fixed_schema is not None:
            compile_schema(self.fixed_schema, check_formats=self.check_formats)
        return self

    def _validator(self, sample: Sample) -> Any:
        if self.fixed_schema is not None:
            return compile_schema(self.fixed_schema, check_formats=self.check_formats)
        raw = sample.get(self.schema_field)
        if raw is None:
            raise NotApplicable(f"the sample has no JSON Schema in field '{self.schema_field}'")
        try:
            return compile_schema(raw, check_formats=self.check_formats)
        except ValueError as exc:
            raise ValueError(f"field '{self.schema_field}': {exc}") from None

    def _score_one(self, sample: Sample, ctx: ScoreContext) -> Any:
        validator = self._validator(sample)
        parsed = parse_json(sample.completion_text, where=self.where, max_chars=self.max_chars)
        if not parsed.ok:
            return self._result(0.0, json_ok=False, schema_ok=False, info={"reason": parsed.reason})
        value = parsed.value
        try:
            errors = sorted(validator.iter_errors(value), key=_error_order)
        except Exception as exc:  # e.g. a $ref to a remote document, which is never fetched
            where = "fixed_schema" if self.fixed_schema is not None else f"field '{self.schema_field}'"
            text = _short(str(exc) or type(exc).__name__)
            raise ValueError(
                f"{where}: the schema cannot be applied: {text} (remote $ref targets are not fetched)"
            ) from None
        messages = [f"{_path(e.absolute_path)}: {_short(e.message)}" for e in errors[: self.max_errors]]
        info: dict[str, Any] = {}
        if messages:
            info["errors"] = messages
            info["error_count"] = len(errors)
            info["reason"] = f"does not conform to the schema ({len(errors)} violation{'s' * (len(errors) > 1)})"
            return self._result(self.json_credit, json_ok=True, schema_ok=False, info=info)
        if not self.allow_empty and is_empty_value(value):
            info["reason"] = "empty JSON value"
            return self._result(0.0, json_ok=True, schema_ok=True, info=info)
        return self._result(1.0, json_ok=True, schema_ok=True, info=info)

    def _result(self, score: float, *, json_ok: bool, schema_ok: bool, info: dict[str, Any]) -> RewardResult:
        parts = {"json": float(json_ok), "schema": float(schema_ok)}
        return RewardResult.ok_with_parts(self.label, score, parts, info=info)
