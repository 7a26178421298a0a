"""The calls into the program that an assert-style test will make, known before it runs.

A test unit (see :func:`~rewardlab.verifiers.code.units.split_assert_units`) usually calls the
program's function with literal arguments and compares the answer: ``assert candidate([1, 2]) == 3``.
When every call a unit makes into the program is of that kind -- a name called with literal
arguments, evaluated whatever the answers are -- and the unit touches nothing else of the
program, the checker can send the calls of a whole run of such units at once and read each
answer when the test asks for it (pipelining): one round trip instead of one per call. The
program executes the same calls in the same order; only the waiting changes.

:func:`plan_unit` is the static half (per test suite, cached); the checker confirms at run time
that the callees really are the program's functions and that the names the unit reads are not
(:func:`runtime_calls`).

>>> plan = plan_unit("assert candidate([1, 2]) == 3\\nassert abs(candidate([0], k=2) - 0.5) < 1e-6")
>>> [(c.callee, c.args, c.kwargs) for c in plan.calls]
[('candidate', ([1, 2],), ()), ('candidate', ([0],), (('k', 2),))]
>>> plan_unit("for x in range(3):\\n    assert candidate(x) == x") is None
True
>>> plan_unit("assert candidate(1) == 1 or candidate(2) == 2") is None  # the second call may not happen
True
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from typing import Any

from .units import unit_statements

__all__ = ["SAFE_BUILTINS", "SAFE_MODULES", "PlannedCall", "UnitPlan", "plan_unit", "runtime_calls"]

# Builtins a pipelined unit may call: they compute on the (plain) answers and never call back
# into the program. A unit calling anything else -- a helper of the test module, a method --
# could call the program in ways not known in advance, so it runs one call at a time.
SAFE_BUILTINS = frozenset(
    {
        "abs",
        "all",
        "any",
        "bool",
        "dict",
        "enumerate",
        "float",
        "frozenset",
        "int",
        "isinstance",
        "len",
        "list",
        "max",
        "min",
        "range",
        "repr",
        "reversed",
        "round",
        "set",
        "sorted",
        "str",
        "sum",
        "tuple",
        "type",
        "zip",
    }
)
SAFE_MODULES = frozenset({"math"})  # module functions a unit may call (math.isclose, math.fabs, ...)


@dataclass(frozen=True)
class PlannedCall:
    """One call into the program: ``callee(*args, **dict(kwargs))`` with literal values."""

    callee: str
    args: tuple[Any, ...]
    kwargs: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class UnitPlan:
    """The program calls of one unit, in order, and what must hold at run time for them to be all."""

    calls: tuple[PlannedCall, ...]
    names: frozenset[str]  # every other name the unit reads: none may be the program's
    builtins: frozenset[str]  # builtins it calls: none may be shadowed
    modules: frozenset[str]  # modules whose functions it calls: each must be that module
    assigned: frozenset[str] = frozenset()  # names it binds (later units' plans may not rely on them)

    @property
    def reads(self) -> frozenset[str]:
        """Every name whose meaning at run time the plan relies on."""
        return self.names | self.builtins | self.modules | {call.callee for call in self.calls}


class _NotPlannable(Exception):
    pass


def _conditional(expr: ast.AST) -> set[int]:
    """ids of the nodes of ``expr`` that may or may not be evaluated (short circuits, branches,
    comprehensions and lambdas)."""
    out: set[int] = set()
    for node in ast.walk(expr):
        parts: list[ast.AST] = []
        if isinstance(node, ast.BoolOp):
            parts = list(node.values[1:])
        elif isinstance(node, ast.IfExp):
            parts = [node.body, node.orelse]
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Lambda)):
            parts = [node]
        elif isinstance(node, ast.Compare) and len(node.ops) > 1:
            parts = list(node.comparators[1:])
        for part in parts:
            out.update(id(n) for n in ast.walk(part))
    return out


def _literal(node: ast.expr) -> Any:
    if isinstance(node, ast.Starred):
        raise _NotPlannable
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise _NotPlannable from None


def _scan(
    expr: ast.expr, conditional: set[int], found: list[tuple[int, int, PlannedCall]], seen: dict[str, set]
) -> None:
    callees: set[int] = set()
    for node in ast.walk(expr):
        if isinstance(node, ast.NamedExpr):
            raise _NotPlannable  # an assignment inside the expression
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        callees.add(id(func))
        if isinstance(func, ast.Name) and func.id in SAFE_BUILTINS:
            seen["builtins"].add(func.id)
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in SAFE_MODULES:
            seen["modules"].add(func.value.id)
            callees.add(id(func.value))
        elif isinstance(func, ast.Name):
            if id(node) in conditional:
                raise _NotPlannable
            args = tuple(_literal(a) for a in node.args)
            if any(k.arg is None for k in node.keywords):
                raise _NotPlannable
            kwargs = tuple((str(k.arg), _literal(k.value)) for k in node.keywords)
            seen["callees"].add(func.id)
            found.append((node.lineno, node.col_offset, PlannedCall(func.id, args, kwargs)))
        else:
            raise _NotPlannable  # a method, a call of a call, ...: could reach the program
    for node in ast.walk(expr):
        if isinstance(node, ast.Name) and id(node) not in callees:
            seen["names"].add(node.id)


def _plan(source: str) -> UnitPlan:
    try:
        statements = unit_statements(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise _NotPlannable from None
    found: list[tuple[int, int, PlannedCall]] = []
    seen: dict[str, set] = {"builtins": set(), "modules": set(), "callees": set(), "names": set()}
    assigned: set[str] = set()
    for stmt in statements:
        if isinstance(stmt, ast.Assert):
            _scan(stmt.test, _conditional(stmt.test), found, seen)
            if stmt.msg is not None:  # evaluated only when the assert fails: no program call in it
                msg_calls: list[tuple[int, int, PlannedCall]] = []
                _scan(stmt.msg, _conditional(stmt.msg), msg_calls, seen)
                if msg_calls:
                    raise _NotPlannable
        elif isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) for t in stmt.targets):
            _scan(stmt.value, _conditional(stmt.value), found, seen)
            assigned.update(t.id for t in stmt.targets if isinstance(t, ast.Name))
        else:
            raise _NotPlannable  # loops, imports, function definitions, with, try, ...
    if assigned & (seen["callees"] | seen["builtins"] | seen["modules"]):
        raise _NotPlannable  # the unit rebinds something it calls
    found.sort(key=lambda item: (item[0], item[1]))  # source order is evaluation order here
    return UnitPlan(
        calls=tuple(call for _line, _col, call in found),
        names=frozenset(seen["names"] - assigned),
        builtins=frozenset(seen["builtins"]),
        modules=frozenset(seen["modules"]),
        assigned=frozenset(assigned),
    )


def plan_unit(source: str) -> UnitPlan | None:
    """The program calls a unit makes, in order; None when that cannot be known before it runs."""
    try:
        return _plan(source)
    except _NotPlannable:
        return None


def runtime_calls(plan: UnitPlan | None, namespace: dict[str, Any], is_program_function: Any) -> list[Any] | None:
    """The request messages of ``plan`` in the test namespace, or None when the unit must run one
    call at a time: a callee that is not one of the program's functions (``is_program_function``
    returns its target name, else None), a name the unit reads that is the program's, a shadowed
    builtin or module.

    >>> plan = plan_unit("assert f(2) == 3")
    >>> runtime_calls(plan, {"f": "proxy"}, lambda obj: "f" if obj == "proxy" else None)
    [('call', 'f', (2,), {})]
    >>> runtime_calls(plan, {"f": len}, lambda obj: None) is None
    True
    """
    if plan is None:
        return None
    for name in plan.builtins:
        if name in namespace:
            return None
    for name in plan.modules:
        if namespace.get(name) is not sys.modules.get(name):
            return None
    for name in plan.names:
        if name in namespace and is_program_function(namespace[name]) is not None:
            return None
    messages = []
    for call in plan.calls:
        target = is_program_function(namespace.get(call.callee))
        if target is None:
            return None
        messages.append(("call", target, call.args, dict(call.kwargs)))
    return messages
