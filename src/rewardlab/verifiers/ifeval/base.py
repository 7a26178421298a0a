"""Constraint base class, the constraint registry, relations, and validation of a ``constraints`` list.

A constraint is a small pydantic model (its fields are its arguments) with one method,
``check(response, prompt) -> (passed, detail)``. Constraints register under a short name
and, where one exists, under the IFEval instruction id (``length_constraints:number_words``)
with IFEval's argument names accepted as aliases, so rows of Google's IFEval data work as
``{"type": instruction_id, **kwargs}``.

>>> cs = parse_constraints([{"type": "word_count", "relation": "at least", "num_words": 3}])
>>> cs[0].check("one two three", "")
(True, '3 words (at least 3)')
>>> cs[0].is_vacuous
False
>>> parse_constraints([{"type": "word_count", "relation": "about", "num_words": 3}])
Traceback (most recent call last):
...
ValueError: constraints[0].relation: unknown relation 'about'; expected one of: <, <=, =, ==, >, >=, at least, ...
"""

from __future__ import annotations

import difflib
import operator
from collections.abc import Callable
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

__all__ = [
    "CONSTRAINTS",
    "Constraint",
    "CountConstraint",
    "Semantics",
    "compare",
    "constraint",
    "normalize_relation",
    "parse_constraint",
    "parse_constraints",
]

Semantics = Literal["ifeval", "rewardlab"]

C = TypeVar("C", bound=type["Constraint"])

# name or IFEval id -> (class, default arguments the alias implies)
CONSTRAINTS: dict[str, tuple[type[Constraint], dict[str, Any]]] = {}

_OPERATORS: dict[str, Callable[[int, int], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">=": operator.ge,
    ">": operator.gt,
    "==": operator.eq,
}
"""The canonical relation symbols and what they test."""
# every spelling of a relation (lower case, single spaces) -> its canonical symbol
_RELATIONS: dict[str, str] = {symbol: symbol for symbol in _OPERATORS} | {
    "less than": "<",
    "fewer than": "<",
    "at most": "<=",
    "at least": ">=",
    "more than": ">",
    "exactly": "==",
    "=": "==",
}
_SYMBOL_WORDS = {"<": "less than", "<=": "at most", ">=": "at least", ">": "more than", "==": "exactly"}


def normalize_relation(value: Any) -> str:
    """The canonical symbol (``<``, ``<=``, ``>=``, ``>``, ``==``) of a relation."""
    key = " ".join(str(value).lower().split())
    if key not in _RELATIONS:
        raise ValueError(f"unknown relation {value!r}; expected one of: {', '.join(sorted(_RELATIONS))}")
    return _RELATIONS[key]


def compare(count: int, relation: str, target: int) -> bool:
    """``count <relation> target`` for a canonical relation symbol."""
    return _OPERATORS[relation](count, target)


def relation_words(relation: str) -> str:
    return _SYMBOL_WORDS.get(relation, relation)


class Constraint(BaseModel):
    """One verifiable instruction. Subclasses declare fields (arguments) and implement :meth:`check`.

    ``semantics`` chooses how a constraint that IFEval also defines is judged: ``ifeval``
    exactly as Google's IFEval checker does (the default when the constraint is named by its
    IFEval id), ``rewardlab`` with rewardlab's stricter reading (the default for the short
    names: whole words, look-alike characters folded, empty placeholders, sections, titles
    and postscripts not counted, a hedge between allowed answers refused, ...). Each class
    says where the two differ.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    semantics: Semantics = Field(
        default="rewardlab", description="'ifeval' (Google's checker) or 'rewardlab' (stricter); see the class."
    )

    kind: ClassVar[str] = ""
    ifeval_id: ClassVar[str | None] = None
    summary: ClassVar[str] = ""
    # True when an empty or off-task response meets the constraint by default (no commas, an
    # upper bound on a count, forbidden words).
    vacuous: ClassVar[bool] = False

    @property
    def is_vacuous(self) -> bool:
        """Whether an empty or off-task response meets this constraint by default."""
        return type(self).vacuous

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        raise NotImplementedError


class CountConstraint(Constraint):
    """A constraint on a count: ``relation`` accepts IFEval's words ("less than", "at least") and symbols."""

    relation: str = ">="

    @field_validator("relation", mode="before")
    @classmethod
    def _relation(cls, value: Any) -> str:
        return normalize_relation(value)

    @property
    def is_vacuous(self) -> bool:
        return self.relation in ("<", "<=")

    def judge(self, count: int, target: int, what: str) -> tuple[bool, str]:
        return compare(count, self.relation, target), f"{count} {what} ({relation_words(self.relation)} {target})"


def constraint(
    kind: str, *, ifeval_id: str | None = None, ifeval_defaults: dict[str, Any] | None = None
) -> Callable[[C], C]:
    """Class decorator: register a constraint under ``kind`` (and its IFEval id)."""

    def decorate(cls: C) -> C:
        cls.kind = kind
        cls.ifeval_id = ifeval_id
        doc = (cls.__doc__ or "").strip().split("\n\n", 1)[0]
        cls.summary = " ".join(doc.split())
        CONSTRAINTS[kind] = (cls, {})
        if ifeval_id:
            CONSTRAINTS[ifeval_id] = (cls, {"semantics": "ifeval", **(ifeval_defaults or {})})
        return cls

    return decorate


def _describe_error(exc: ValidationError, index: int) -> str:
    err = exc.errors(include_url=False)[0]
    loc = ".".join(str(p) for p in err["loc"])
    where = f"constraints[{index}].{loc}" if loc else f"constraints[{index}]"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if err["type"] == "missing":
        msg = "missing required argument"
    elif err["type"] == "extra_forbidden":
        msg = "unknown argument"
    return f"{where}: {msg}"


def parse_constraint(item: Any, index: int = 0, *, semantics: Semantics | None = None) -> Constraint:
    """Validate one ``{type, ...arguments}``; errors name the constraint's index and field.

    ``semantics`` (when given) replaces the default the type implies; an explicit
    ``semantics`` argument in ``item`` wins over both.
    """
    if not isinstance(item, dict):
        raise ValueError(f"constraints[{index}]: expected a mapping with a 'type', got {type(item).__name__}")
    kind = item.get("type")
    if not isinstance(kind, str) or not kind:
        raise ValueError(f"constraints[{index}].type: missing; expected one of: {', '.join(sorted(CONSTRAINTS))}")
    if kind not in CONSTRAINTS:
        close = difflib.get_close_matches(kind, list(CONSTRAINTS), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ValueError(
            f"constraints[{index}].type: unknown constraint '{kind}'{hint}; known: "
            + ", ".join(sorted(k for k in CONSTRAINTS if ":" not in k))
        )
    cls, defaults = CONSTRAINTS[kind]
    if semantics is not None:
        defaults = {**defaults, "semantics": semantics}
    # IFEval rows carry every argument of every instruction, unused ones as null.
    args = {**defaults, **{k: v for k, v in item.items() if k != "type" and v is not None}}
    try:
        return cls.model_validate(args)
    except ValidationError as exc:
        raise ValueError(_describe_error(exc, index)) from None


def check_constraint_list(raw: Any) -> list[Any]:
    """``raw`` as a non-empty list of items (a single mapping is a list of one)."""
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"constraints: expected a non-empty list of {{type, ...arguments}}, got {type(raw).__name__}")
    return raw


def parse_constraints(raw: Any, *, semantics: Semantics | None = None) -> list[Constraint]:
    """Validate a list of ``{type, ...arguments}``; errors name the constraint's index and field."""
    return [parse_constraint(item, i, semantics=semantics) for i, item in enumerate(check_constraint_list(raw))]
