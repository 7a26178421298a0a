"""Tool calls, ToolRL-style: format, tool-name, argument-key and argument-value match against gold calls.

>>> gold = [{"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}]
>>> r = ToolCall().score({"completion": '<tool_call>{"name": "get_weather", '
...                       '"arguments": {"city": "Paris", "unit": "celsius"}}</tool_call>', "gold_calls": gold})
>>> r.score, r.components["toolcall.values"]
(4.0, 1.0)
>>> ToolCall().score({"completion": '[{"name": "get_weather", "arguments": {"city": "Rome"}}]',
...                   "gold_calls": gold}).components["toolcall.keys"]
0.5

Gold calls may also be written as BFCL's possible answers, several acceptable values per
argument, ``""`` marking an argument that may be left out:

>>> bfcl = [{"get_weather": {"city": ["Paris", "Paris, France"], "unit": ["celsius", ""]}}]
>>> ToolCall().score({"completion": '{"name": "get_weather", "arguments": {"city": "paris,france"}}',
...                   "gold_calls": bfcl}).score
4.0
"""

from __future__ import annotations

import itertools
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from ..core.context import ScoreContext
from ..core.errors import NotApplicable
from ..core.example import Example
from ..core.registry import register
from ..core.result import RewardResult
from ..core.reward import Reward
from ..core.sample import Sample
from .common.jsontext import parse_json

__all__ = [
    "Call",
    "GoldCall",
    "ParsedCalls",
    "ToolCall",
    "bfcl_equal",
    "bfcl_standardize",
    "is_bfcl_gold",
    "json_equal",
    "parse_bfcl_gold",
    "parse_calls",
]

_TOOL_CALL = re.compile(r"<tool_call>(.*?)</tool_call>", re.DOTALL | re.IGNORECASE)
_THINK = re.compile(r"<think>(.*?)</think>", re.DOTALL | re.IGNORECASE)
_DECODER = json.JSONDecoder()
_ARG_KEYS = ("arguments", "parameters", "args")


@dataclass(frozen=True)
class Call:
    """One tool call: a name and its arguments."""

    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class GoldCall:
    """A gold call: a name, the acceptable values of each argument, and the arguments that may be left out."""

    name: str
    accepted: dict[str, list[Any]]
    optional: frozenset[str] = frozenset()

    @classmethod
    def exact(cls, call: Call) -> GoldCall:
        """The gold call that accepts exactly ``call``'s arguments."""
        return cls(name=call.name, accepted={k: [v] for k, v in call.arguments.items()})


@dataclass
class ParsedCalls:
    """The calls found in a completion, whether they were well formed, and where they came from."""

    calls: list[Call] = field(default_factory=list)
    well_formed: bool = True
    problem: str | None = None
    source: str = "none"


def _call_from(obj: Any, where: str) -> Call:
    """A :class:`Call` from ``{name, arguments|parameters}`` or OpenAI's ``{function: {name, arguments}}``."""
    if not isinstance(obj, dict):
        raise ValueError(f"{where}: expected an object with 'name' and 'arguments', got {type(obj).__name__}")
    if isinstance(obj.get("function"), dict):
        obj = obj["function"]
    name = obj.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{where}: missing 'name' (a non-empty string)")
    present = [k for k in _ARG_KEYS if k in obj]
    if len(present) > 1:
        raise ValueError(f"{where}: give the arguments once, not as {' and '.join(present)}")
    args = obj.get(present[0]) if present else {}
    if isinstance(args, str):  # OpenAI's function.arguments is JSON text
        try:
            args = json.loads(args) if args.strip() else {}
        except ValueError:
            raise ValueError(f"{where}: 'arguments' is a string that is not JSON") from None
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise ValueError(f"{where}: 'arguments' must be an object, got {type(args).__name__}")
    return Call(name=name.strip(), arguments=args)


def _calls_from_value(value: Any, where: str) -> list[Call]:
    if isinstance(value, dict) and isinstance(value.get("tool_calls"), list):
        value = value["tool_calls"]
    if isinstance(value, list):
        return [_call_from(v, f"{where}[{i}]") for i, v in enumerate(value)]
    return [_call_from(value, where)]


def _json_values(text: str) -> list[Any]:
    """One JSON value, or several separated by whitespace (ToolRL puts one call per line)."""
    values: list[Any] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        value, i = _DECODER.raw_decode(text, i)
        values.append(value)
    return values


def parse_calls(
    completion: str | None, messages: list[Any] | None = None, *, max_chars: int = 1_000_000
) -> ParsedCalls:
    """Tool calls in a completion (see :class:`ToolCall` for the accepted formats).

    >>> parse_calls('<tool_call>\\n{"name": "a", "parameters": {"x": 1}}\\n{"name": "b"}\\n</tool_call>').calls
    [Call(name='a', arguments={'x': 1}), Call(name='b', arguments={})]
    >>> parse_calls("<tool_call></tool_call>").problem
    'tool_call block 0 is empty'
    """
    if messages:
        for message in reversed(messages):
            if getattr(message, "role", None) != "assistant":
                continue
            raw = (getattr(message, "model_extra", None) or {}).get("tool_calls")
            if raw:
                try:
                    return ParsedCalls(calls=_calls_from_value(raw, "tool_calls"), source="message")
                except ValueError as exc:
                    return ParsedCalls(well_formed=False, problem=str(exc), source="message")
            break
    text = completion or ""
    if len(text) > max_chars:
        return ParsedCalls(well_formed=False, problem=f"input too large ({len(text)} characters > {max_chars})")
    blocks = _TOOL_CALL.findall(text)
    if blocks:
        out = ParsedCalls(source="tool_call_tags")
        for b, body in enumerate(blocks):
            if not body.strip():
                out.well_formed, out.problem = False, out.problem or f"tool_call block {b} is empty"
                continue
            try:
                values = _json_values(body.strip())
                for v, value in enumerate(values):
                    out.calls += _calls_from_value(value, f"tool_call block {b}" + (f" value {v}" if v else ""))
            except json.JSONDecodeError as exc:
                out.well_formed = False
                out.problem = out.problem or f"tool_call block {b}: not valid JSON: {exc.msg}"
            except RecursionError:
                out.well_formed, out.problem = False, out.problem or f"tool_call block {b}: nested too deeply"
            except ValueError as exc:
                out.well_formed, out.problem = False, out.problem or str(exc)
        return out
    if "<tool_call>" in text.lower():
        return ParsedCalls(well_formed=False, problem="an unclosed <tool_call> tag", source="tool_call_tags")
    parsed = parse_json(text, where="whole", max_chars=max_chars)
    if not parsed.ok:
        parsed = parse_json(text, where="anywhere", max_chars=max_chars)
    if not parsed.ok:
        return ParsedCalls(well_formed=False, problem=f"no tool call found ({parsed.reason})")
    try:
        return ParsedCalls(calls=_calls_from_value(parsed.value, "calls"), source="json")
    except ValueError as exc:
        return ParsedCalls(well_formed=False, problem=str(exc), source="json")


def json_equal(a: Any, b: Any, *, normalize: bool = False) -> bool:
    """Equality of JSON values that keeps ``true`` apart from ``1`` (Python's ``==`` does not).

    With ``normalize``: strings compare stripped and case-folded, and a numeric string equals
    the number ("5" == 5).

    >>> json_equal(True, 1), json_equal(1, 1.0), json_equal({"a": [1, "X "]}, {"a": [1.0, "x"]}, normalize=True)
    (False, True, True)
    """
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=0.0, abs_tol=0.0) or a == b
    if normalize:
        na, nb = _as_number(a), _as_number(b)
        if na is not None and nb is not None:
            return na == nb
        if isinstance(a, str) and isinstance(b, str):
            return " ".join(a.casefold().split()) == " ".join(b.casefold().split())
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k], normalize=normalize) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y, normalize=normalize) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


_BFCL_IGNORED = re.compile(r"[ ,./\-_*^]")


def bfcl_standardize(text: str) -> str:
    """A string as BFCL's checker compares it: without spaces and ``, . / - _ * ^``, lower case,
    single quotes as double quotes ("April 1, 2024" and "april 1 2024" are the same).

    >>> bfcl_standardize("New York, NY") == bfcl_standardize("new-york ny")
    True
    """
    return _BFCL_IGNORED.sub("", text).lower().replace("'", '"')


def bfcl_equal(value: Any, accepted: Any) -> bool:
    """Whether a predicted value equals one acceptable value of a BFCL possible answer.

    Strings compare standardized (:func:`bfcl_standardize`), also inside lists; numbers by value,
    except that a float is not an integer (``5`` is ``5.0``, ``5.0`` is not ``5``: BFCL's type
    check) and ``true`` is not ``1``; lists element by element, in order; a dict against
    a dict of acceptable-value lists (its keys must be known, each value acceptable, and a key
    may be missing only where ``""`` is acceptable).

    >>> bfcl_equal(["Monterey", "santa barbara"], ["Monterey", "Santa Barbara"]), bfcl_equal(5, 5.0), bfcl_equal(5.0, 5)
    (True, True, False)
    >>> bfcl_equal({"department": "science"}, {"department": ["Science"], "school": ["", "Bluebird HS"]})
    True
    """
    if isinstance(value, str) and isinstance(accepted, str):
        return bfcl_standardize(value) == bfcl_standardize(accepted)
    if isinstance(value, dict) and isinstance(accepted, dict):
        return _bfcl_dict_equal(value, accepted)
    if isinstance(value, list) and isinstance(accepted, list):
        return len(value) == len(accepted) and all(bfcl_equal(v, a) for v, a in zip(value, accepted, strict=True))
    if isinstance(value, float) and isinstance(accepted, int) and not isinstance(accepted, bool):
        return False  # a float where an integer is expected (BFCL's type check); an int for a float is fine
    return json_equal(value, accepted)


def _bfcl_dict_equal(value: dict[str, Any], accepted: dict[str, Any]) -> bool:
    for key, v in value.items():
        if key not in accepted:
            return False
        options = accepted[key] if isinstance(accepted[key], list) else [accepted[key]]
        if not any(bfcl_equal(v, o) for o in options):
            return False
    return all(key in value or (isinstance(opts, list) and "" in opts) for key, opts in accepted.items())


_CALL_KEYS = frozenset({"name", "function", "type", "id", "tool_calls", *_ARG_KEYS})


def is_bfcl_gold(raw: Any) -> bool:
    """Whether gold calls are in BFCL's possible-answer form: ``[{"func": {"arg": [v1, v2, ""]}}, ...]``
    (a one-key object whose key is not one of a call's own keys, ``name``, ``arguments``, ...)."""
    items = raw if isinstance(raw, list) else [raw]
    return bool(items) and all(
        isinstance(item, dict)
        and len(item) == 1
        and next(iter(item)) not in _CALL_KEYS
        and isinstance(next(iter(item.values())), dict)
        and all(isinstance(v, list) for v in next(iter(item.values())).values())
        for item in items
    )


def parse_bfcl_gold(raw: Any, where: str = "gold_calls") -> list[GoldCall]:
    """Gold calls from BFCL's possible-answer form (one ``{function: {argument: [acceptable values]}}``
    per expected call; ``""`` among the values means the argument may be left out).

    >>> parse_bfcl_gold([{"math.hypot": {"x": [4], "y": [5], "z": ["", 0]}}])
    [GoldCall(name='math.hypot', accepted={'x': [4], 'y': [5], 'z': ['', 0]}, optional=frozenset({'z'}))]
    """
    items = raw if isinstance(raw, list) else [raw]
    out: list[GoldCall] = []
    for i, item in enumerate(items):
        if not is_bfcl_gold([item]):
            raise ValueError(f"{where}[{i}]: expected {{function name: {{argument: [acceptable values]}}}}")
        name, args = next(iter(item.items()))
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{where}[{i}]: the function name must be a non-empty string")
        for arg, values in args.items():
            if not values:
                raise ValueError(f"{where}[{i}].{arg}: expected at least one acceptable value")
        optional = frozenset(k for k, values in args.items() if "" in values)
        out.append(GoldCall(name=name.strip(), accepted={k: list(v) for k, v in args.items()}, optional=optional))
    return out


def _as_number(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v.strip().replace(",", ""))
        except ValueError:
            return None
    return None


@dataclass
class _Pair:
    keys: float  # Jaccard of argument names
    values: int  # gold arguments whose value matches
    name: bool


@register("toolcall", aliases=("tool_call", "toolrl"), family="verifier")
class ToolCall(Reward):
    """Tool-call reward after ToolRL (Qian et al. 2025): format plus name, argument-key and value match.

    Reads ``gold_calls``: a list of ``{name, arguments}`` (or a JSON string of it; an empty
    list means "no call expected"), or BFCL's possible answers, ``[{"func": {"arg": [v1, v2,
    ""]}}]``: each argument lists its acceptable values and ``""`` among them means it may be
    left out (an argument left out that way counts as given and right; ``gold_format`` tells
    the two forms apart, ``auto`` by their shape). Predicted calls are read from, in order: the completion's
    last assistant message's ``tool_calls`` (OpenAI format) when the completion is a message
    list; ``<tool_call>...</tool_call>`` blocks (Hermes/Qwen; a block holds one call, a list,
    or one call per line as in ToolRL); otherwise the completion's JSON (one call, a list of
    calls, or ``{"tool_calls": [...]}``; a Markdown fence is fine). A call is
    ``{"name": ..., "arguments": {...}}``; ``parameters``/``args`` and OpenAI's
    ``{"function": {"name", "arguments": "<json>"}}`` are accepted.

    Components: ``<name>.format`` (1 when every call block parses into well-formed calls, and
    with ``require_think`` a non-empty ``<think>`` precedes them), ``<name>.name`` (Jaccard of
    the sets of tool names), ``<name>.keys`` (mean Jaccard of argument names over the gold
    calls), ``<name>.values`` (fraction of gold arguments given the gold value) and
    ``<name>.match`` (the normalized match). Predicted and gold calls are paired to maximize
    the match (optimal assignment); argument credit needs the right tool name
    (``args_need_name``). ToolRL's match is ``(r_name + r_keys + r_values) / (1 + |G| +
    sum|keys(G)|)`` (sums, not means: ``match_weights`` null); fixed ``match_weights``
    (``{name, keys, values}``) give a weighted mean of the components instead.

    Score: ``format_weight * format + correct_min + (correct_max - correct_min) * match``;
    the defaults are ToolRL's (1, -3, 3): from -3 to 4. Values compare as JSON (``true`` is not
    ``1``); ``value_match: normalized`` also folds case, whitespace and numeric strings;
    ``bfcl`` compares as BFCL's checker does (strings without spaces and ``, . / - _ * ^``,
    case-insensitive, also inside lists and dicts; ``5`` equals ``5.0``). ``auto`` (the
    default) is ``bfcl`` for BFCL golds and ``exact`` for the others.

    Cheap hacks earn nothing: more calls than the gold (plus ``max_extra_calls``), e.g. every
    candidate tool at once or one call per guess, gets the minimum correctness; an empty or
    unparsable ``<tool_call>`` block fails the format.

    >>> ToolCall(correct_min=0, correct_max=1, format_weight=0).score(
    ...     {"completion": '{"name": "f", "arguments": {"x": 1}}', "gold_calls": [{"name": "f", "arguments": {"x": 1}}]}
    ... ).score
    1.0
    """

    reads: ClassVar[tuple[str, ...]] = ("completion", "gold_calls")
    example: ClassVar[Example] = Example(
        sample={
            "completion": '{"name": "f", "arguments": {"x": 1}}',
            "gold_calls": [{"name": "f", "arguments": {"x": 1}}],
        },
        params={"format_weight": 0, "correct_min": 0, "correct_max": 1},
        score=1.0,
    )

    gold_field: str = Field(default="gold_calls", description="Sample field with the gold calls.")
    format_weight: float = Field(default=1.0, ge=0, description="Weight of the format component (ToolRL: 1).")
    correct_min: float = Field(default=-3.0, description="Correctness score of no match (ToolRL: -3).")
    correct_max: float = Field(default=3.0, description="Correctness score of a full match (ToolRL: 3).")
    match_weights: dict[str, float] | None = Field(
        default=None, description="Fixed weights of name/keys/values; null = ToolRL's count-proportional sum."
    )
    value_match: Literal["auto", "exact", "normalized", "bfcl"] = Field(
        default="auto",
        description="exact JSON equality; normalized (case, whitespace, numeric strings); bfcl (BFCL's checker); "
        "auto: bfcl for BFCL golds, exact for the others.",
    )
    gold_format: Literal["auto", "calls", "bfcl"] = Field(
        default="auto",
        description="calls: [{name, arguments}]; bfcl: [{function: {argument: [acceptable values]}}]; auto: by shape.",
    )
    args_need_name: bool = Field(default=True, description="Argument credit only for calls to the right tool.")
    max_extra_calls: int = Field(default=0, ge=0, description="Calls beyond the gold count allowed before refusal.")
    require_think: bool = Field(default=False, description="Format also needs a non-empty <think> block first.")
    max_chars: int = Field(default=1_000_000, gt=0, description="Longer completions fail the format.")

    @field_validator("match_weights")
    @classmethod
    def _weights(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        if value is None:
            return None
        unknown = set(value) - {"name", "keys", "values"}
        if unknown:
            raise ValueError(f"match_weights: unknown keys {sorted(unknown)}; allowed: name, keys, values")
        if any(w < 0 for w in value.values()) or sum(value.values()) <= 0:
            raise ValueError("match_weights must be non-negative with a positive sum")
        return value

    @model_validator(mode="after")
    def _check(self) -> ToolCall:
        if self.correct_max < self.correct_min:
            raise ValueError(f"correct_max ({self.correct_max}) is below correct_min ({self.correct_min})")
        return self

    def _gold(self, sample: Sample) -> tuple[list[GoldCall], bool]:
        """The gold calls, and whether they came in BFCL's possible-answer form."""
        raw = sample.get(self.gold_field)
        if raw is None:
            raise NotApplicable(f"the sample has no gold calls in field '{self.gold_field}'")
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                raise ValueError(f"field '{self.gold_field}': a string that is not JSON") from None
        if raw == []:
            return [], False
        bfcl = self.gold_format == "bfcl" or (self.gold_format == "auto" and is_bfcl_gold(raw))
        try:
            if bfcl:
                return parse_bfcl_gold(raw, self.gold_field), True
            return [GoldCall.exact(c) for c in _calls_from_value(raw, self.gold_field)], False
        except ValueError as exc:
            raise ValueError(f"field '{self.gold_field}': {exc}") from None

    def _equal(self, value: Any, accepted: Any, mode: str) -> bool:
        if mode == "bfcl":
            return bfcl_equal(value, accepted)
        return json_equal(value, accepted, normalize=mode == "normalized")

    def _pair(self, g: GoldCall, p: Call, mode: str) -> _Pair:
        name = g.name == p.name
        if self.args_need_name and not name:
            return _Pair(keys=0.0, values=0, name=False)
        left_out = g.optional - set(p.arguments)  # optional arguments not given count as given and right
        gk, pk = set(g.accepted), set(p.arguments) | left_out
        keys = 1.0 if not gk and not pk else len(gk & pk) / len(gk | pk)
        given = (gk & pk) - left_out
        values = len(left_out) + sum(
            1 for k in given if any(self._equal(p.arguments[k], a, mode) for a in g.accepted[k])
        )
        return _Pair(keys=keys, values=values, name=name)

    def _format(self, text: str, parsed: ParsedCalls, gold: list[Call]) -> tuple[float, str | None]:
        if not parsed.well_formed:
            return 0.0, parsed.problem
        if not parsed.calls and gold:
            return 0.0, "no tool call"
        if self.require_think:
            think = _THINK.search(text)
            if think is None or not think.group(1).strip():
                return 0.0, "no non-empty <think> block"
            first_call = text.lower().find("<tool_call>")
            if first_call != -1 and think.start() > first_call:
                return 0.0, "<think> must come before the tool calls"
        return 1.0, None

    def _score_one(self, sample: Sample, ctx: ScoreContext) -> Any:
        gold, bfcl = self._gold(sample)
        mode = ("bfcl" if bfcl else "exact") if self.value_match == "auto" else self.value_match
        messages = sample.completion if isinstance(sample.completion, list) else None
        text = sample.completion_text
        parsed = parse_calls(text, messages, max_chars=self.max_chars)
        fmt, fmt_problem = self._format(text, parsed, gold)
        info: dict[str, Any] = {
            "source": parsed.source,
            "calls": [{"name": c.name, "arguments": c.arguments} for c in parsed.calls[:20]],
        }
        if fmt_problem:
            info["format_problem"] = fmt_problem
        if bfcl:
            info["gold_format"] = "bfcl"
        name, keys, values, match = self._match(gold, parsed.calls, info, mode)
        score = self.format_weight * fmt + self.correct_min + (self.correct_max - self.correct_min) * match
        parts = {"format": fmt, "name": name, "keys": keys, "values": values, "match": match}
        return RewardResult.ok_with_parts(self.label, score, parts, info=info)

    def _match(
        self, gold: list[GoldCall], pred: list[Call], info: dict[str, Any], mode: str
    ) -> tuple[float, float, float, float]:
        if not gold:
            ok = float(not pred)
            if pred:
                info["reason"] = "no call was expected"
            return ok, ok, ok, ok
        if len(pred) > len(gold) + self.max_extra_calls:
            info["reason"] = f"{len(pred)} calls for {len(gold)} expected: extra calls are refused (hedging)"
            return 0.0, 0.0, 0.0, 0.0
        gold_names, pred_names = {c.name for c in gold}, {c.name for c in pred}
        r_name = len(gold_names & pred_names) / len(gold_names | pred_names) if pred_names else 0.0
        n_gold_keys = sum(len(c.accepted) for c in gold)
        pairs = [[self._pair(g, p, mode) for p in pred] for g in gold]
        best_keys, best_values = _best_assignment(pairs)
        keys = best_keys / len(gold)
        values = best_values / n_gold_keys if n_gold_keys else keys
        if self.match_weights is None:
            match = (r_name + best_keys + best_values) / (1 + len(gold) + n_gold_keys)
        else:
            w = self.match_weights
            total = sum(w.values())
            match = (w.get("name", 0) * r_name + w.get("keys", 0) * keys + w.get("values", 0) * values) / total
        return r_name, keys, values, match


def _best_assignment(pairs: list[list[_Pair]]) -> tuple[float, int]:
    """Pair gold calls (rows) with distinct predicted calls (columns) to maximize keys + values.

    Exact (every assignment) while there are at most 40320 of them, greedy beyond.
    """
    n_gold = len(pairs)
    n_pred = len(pairs[0]) if pairs else 0
    if n_gold == 0 or n_pred == 0:
        return 0.0, 0
    small, large = min(n_gold, n_pred), max(n_gold, n_pred)
    if math.perm(large, small) <= 40_320:
        best: tuple[float, int] = (0.0, 0)
        for perm in itertools.permutations(range(large), small):
            if n_gold <= n_pred:
                chosen = [pairs[g][perm[g]] for g in range(n_gold)]
            else:
                chosen = [pairs[perm[p]][p] for p in range(n_pred)]
            keys = sum(c.keys for c in chosen)
            values = sum(c.values for c in chosen)
            if keys + values > best[0] + best[1]:
                best = (keys, values)
        return best
    order = sorted(
        ((pairs[g][p].keys + pairs[g][p].values, g, p) for g in range(n_gold) for p in range(n_pred)), reverse=True
    )
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    keys_total, values_total = 0.0, 0
    for _, g, p in order:
        if g in used_gold or p in used_pred:
            continue
        used_gold.add(g)
        used_pred.add(p)
        keys_total += pairs[g][p].keys
        values_total += pairs[g][p].values
    return keys_total, values_total
