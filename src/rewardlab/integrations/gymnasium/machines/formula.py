"""Propositional formulas over event labels, for reward machine transitions: ``key``, ``!door``,
``key & door``, ``goal | (door & !lava)``, ``true``. Parsed once into a tree; evaluated against
the set of labels true at a step. No ``eval``.

>>> f = parse_formula("goal | (door & !lava)")
>>> f.holds({"door"}), f.holds({"door", "lava"}), sorted(f.events())
(True, False, ['door', 'goal', 'lava'])
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

__all__ = ["Formula", "FormulaError", "parse_formula"]

_TOKEN = re.compile(r"\s*(?:([A-Za-z_][A-Za-z0-9_.-]*)|(.))")


class FormulaError(ValueError):
    """A formula that does not parse (the message says where)."""


@dataclass(frozen=True)
class Formula:
    """A node: ``op`` is ``event`` (``name`` set), ``true``, ``not``, ``and`` or ``or``."""

    op: str
    name: str = ""
    args: tuple[Formula, ...] = ()

    def holds(self, labels: Iterable[str] | set[str] | frozenset[str]) -> bool:
        """Whether the formula is true when exactly ``labels`` are true."""
        true = labels if isinstance(labels, (set, frozenset)) else set(labels)
        return self._eval(true)

    def _eval(self, true: set[str] | frozenset[str]) -> bool:
        if self.op == "event":
            return self.name in true
        if self.op == "true":
            return True
        if self.op == "not":
            return not self.args[0]._eval(true)
        if self.op == "and":
            return all(a._eval(true) for a in self.args)
        return any(a._eval(true) for a in self.args)

    def events(self) -> set[str]:
        """The event names the formula mentions."""
        if self.op == "event":
            return {self.name}
        return set().union(*(a.events() for a in self.args)) if self.args else set()


def parse_formula(text: str) -> Formula:
    """Parse ``text`` (operators ``!``, ``&``, ``|``, parentheses; ``true``); raises :class:`FormulaError`."""
    if not isinstance(text, str) or not text.strip():
        raise FormulaError("an empty formula; expected an event name or an expression such as 'key & !door'")
    tokens: list[str] = []
    for m in _TOKEN.finditer(text):
        token = m.group(1) or m.group(2)
        if token is None:
            continue
        if m.group(2) is not None and token not in "!&|()":
            raise FormulaError(f"unexpected character {token!r} at {m.start(2)} in {text!r}")
        tokens.append(token)
    parser = _Parser(tokens, text)
    tree = parser.disjunction()
    if parser.pos != len(tokens):
        raise FormulaError(f"unexpected {tokens[parser.pos]!r} in {text!r}")
    return tree


class _Parser:
    def __init__(self, tokens: list[str], text: str) -> None:
        self.tokens, self.text, self.pos = tokens, text, 0

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _joined(self, symbol: str, op: str, operand: Callable[[], Formula]) -> Formula:
        """``operand (symbol operand)*``: the one operand, or an ``op`` formula of all of them."""
        parts = [operand()]
        while self._peek() == symbol:
            self.pos += 1
            parts.append(operand())
        return parts[0] if len(parts) == 1 else Formula(op, args=tuple(parts))

    def disjunction(self) -> Formula:
        return self._joined("|", "or", self.conjunction)

    def conjunction(self) -> Formula:
        return self._joined("&", "and", self.unary)

    def unary(self) -> Formula:
        token = self._peek()
        if token is None:
            raise FormulaError(f"{self.text!r} ends where an event name was expected")
        self.pos += 1
        if token == "!":
            return Formula("not", args=(self.unary(),))
        if token == "(":
            inner = self.disjunction()
            if self._peek() != ")":
                raise FormulaError(f"missing ')' in {self.text!r}")
            self.pos += 1
            return inner
        if token in "&|)":
            raise FormulaError(f"unexpected {token!r} in {self.text!r}")
        if token == "true":
            return Formula("true")
        return Formula("event", name=token)
