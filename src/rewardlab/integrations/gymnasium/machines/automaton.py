"""Reward machines (Toro Icarte et al. 2018, 2022): a finite automaton over event labels whose
transitions pay rewards. Written as YAML, validated like reward specs: every problem names its
field (``transitions[2].to``) and says what was expected.

.. code-block:: yaml

    name: key-door-goal
    events: [key, door, goal]          # optional: formulas may use only these
    states: [start, has_key, inside, done]
    initial: start
    terminal: [done]
    default_reward: 0.0                # when no transition fires, the machine stays and pays this
    transitions:
      - {from: start, to: has_key, when: key, reward: 0.1}
      - {from: has_key, to: inside, when: door, reward: 0.1}
      - {from: inside, to: done, when: goal, reward: 1.0}

``when`` is a formula over the labels true at a step (``key``, ``!lava``, ``door & key``, ``true``;
see :mod:`.formula`). Refused: unknown states or events, states no path from ``initial`` reaches,
non-terminal states with no transition out (missing transitions), transitions out of a terminal
state, and two transitions out of one state that can fire on the same labels.

>>> m = machine_from_dict({"states": ["a", "b"], "initial": "a", "terminal": ["b"],
...                        "transitions": [{"from": "a", "to": "b", "when": "goal", "reward": 1}]})
>>> m.step("a", {"goal"}), m.step("a", set())
(('b', 1.0), ('a', 0.0))
>>> machine_from_dict({"states": ["a", "b"], "initial": "a", "terminal": ["b"],
...                    "transitions": [{"from": "a", "to": "c", "when": "goal"}]})
Traceback (most recent call last):
...
rewardlab.core.errors.SpecError: transitions[0].to: unknown state 'c'; expected one of the declared states; ...
"""

from __future__ import annotations

import difflib
import itertools
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ....core.errors import SpecError
from ....core.spec_file import read_spec_file
from .formula import Formula, FormulaError, parse_formula

__all__ = ["MachineTransition", "RewardMachine", "load_machine", "machine_from_dict"]

TOP_LEVEL = (
    "version",
    "name",
    "description",
    "events",
    "states",
    "initial",
    "terminal",
    "default_reward",
    "transitions",
)
TRANSITION_KEYS = ("from", "to", "when", "reward")
_MAX_EVENTS_CHECKED = 16  # ambiguity is checked over every label set of the two formulas' events


@dataclass(frozen=True)
class MachineTransition:
    source: str
    target: str
    when: str
    formula: Formula
    reward: float


@dataclass
class RewardMachine:
    """A validated reward machine. States are names; :attr:`states` fixes their indices."""

    states: list[str]
    initial: str
    terminal: frozenset[str]
    transitions: list[MachineTransition]
    default_reward: float = 0.0
    events: frozenset[str] = frozenset()
    name: str = "reward-machine"
    _out: dict[str, list[MachineTransition]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._out = {s: [t for t in self.transitions if t.source == s] for s in self.states}

    def index(self, state: str) -> int:
        return self.states.index(state)

    def is_terminal(self, state: str) -> bool:
        return state in self.terminal

    def step(self, state: str, labels: Iterable[str]) -> tuple[str, float]:
        """The next state and the reward when ``labels`` are true in ``state`` (a terminal state stays, paying 0)."""
        if state not in self._out:
            raise KeyError(f"unknown machine state {state!r}")
        if state in self.terminal:
            return state, 0.0
        true = frozenset(labels)
        for t in self._out[state]:
            if t.formula.holds(true):
                return t.target, t.reward
        return state, self.default_reward

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "events": sorted(self.events),
            "states": list(self.states),
            "initial": self.initial,
            "terminal": sorted(self.terminal),
            "default_reward": self.default_reward,
            "transitions": [
                {"from": t.source, "to": t.target, "when": t.when, "reward": t.reward} for t in self.transitions
            ],
        }


def load_machine(path: str | os.PathLike[str] | dict[str, Any]) -> RewardMachine:
    """A reward machine from a YAML/JSON file or a dict (errors name the file and the field)."""
    if isinstance(path, dict):
        return machine_from_dict(path)
    try:
        return machine_from_dict(read_spec_file(path), file=str(path))
    except SpecError as exc:
        raise exc.with_context(file=str(path)) from None


def _fail(message: str, path: str, file: str | None, **kw: Any) -> SpecError:
    return SpecError(message, path=path, file=file, **kw)


def _names(value: Any, path: str, file: str | None, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _fail(f"got {type(value).__name__}", path, file, expected=f"a list of {what} names")
    for i, v in enumerate(value):
        if v in value[:i]:
            raise _fail(f"'{v}' is listed twice", f"{path}[{i}]", file, expected=f"distinct {what} names")
    return list(value)


def _number(value: Any, path: str, file: str | None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _fail(f"got {value!r}", path, file, expected="a finite number")
    return float(value)


def machine_from_dict(data: Any, *, file: str | None = None) -> RewardMachine:
    """Validate a reward machine given as data (the parsed YAML)."""
    if not isinstance(data, dict):
        raise _fail(f"a reward machine must be a mapping, got {type(data).__name__}", "", file)
    for key in data:
        if key not in TOP_LEVEL:
            close = difflib.get_close_matches(str(key), TOP_LEVEL, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise _fail(f"unknown key '{key}'{hint}", str(key), file, allowed=TOP_LEVEL)
    for key in ("states", "initial", "transitions"):
        if key not in data:
            raise _fail(f"missing '{key}'", key, file, expected=_EXPECTED[key])
    states = _names(data["states"], "states", file, "state")
    if not states:
        raise _fail("no states", "states", file, expected="at least one state")
    initial = data["initial"]
    if initial not in states:
        raise _fail(
            f"unknown state {initial!r}", "initial", file, expected="one of the declared states", allowed=states
        )
    terminal = _names(data.get("terminal", []), "terminal", file, "state")
    for i, t in enumerate(terminal):
        if t not in states:
            raise _fail(
                f"unknown state '{t}'", f"terminal[{i}]", file, expected="one of the declared states", allowed=states
            )
    declared = _names(data["events"], "events", file, "event") if "events" in data else None
    default_reward = _number(data.get("default_reward", 0.0), "default_reward", file)
    raw = data["transitions"]
    if not isinstance(raw, list):
        raise _fail(f"got {type(raw).__name__}", "transitions", file, expected=_EXPECTED["transitions"])
    transitions = [_transition(t, f"transitions[{i}]", states, terminal, declared, file) for i, t in enumerate(raw)]
    _check_ambiguity(transitions, file)
    _check_reachability(states, initial, terminal, transitions, file)
    events = (
        frozenset(declared) if declared is not None else frozenset().union(*(t.formula.events() for t in transitions))
    )
    name = data.get("name", "reward-machine")
    if not isinstance(name, str):
        raise _fail(f"got {type(name).__name__}", "name", file, expected="a string")
    return RewardMachine(states, initial, frozenset(terminal), transitions, default_reward, events, name)


_EXPECTED = {
    "states": "a list of state names",
    "initial": "the name of the state the machine starts in",
    "transitions": "a list of {from, to, when, reward} mappings",
}


def _transition(
    node: Any, path: str, states: list[str], terminal: list[str], declared: list[str] | None, file: str | None
) -> MachineTransition:
    if not isinstance(node, dict):
        raise _fail(f"got {type(node).__name__}", path, file, expected="a mapping {from, to, when, reward}")
    for key in node:
        if key is True or key is False:  # YAML 1.1 reads a bare `on:` (or `yes:`, `off:`) as a boolean
            raise _fail(
                f"a key YAML reads as the boolean {key}", f"{path}", file, expected="'when' for the formula (not 'on')"
            )
        if key not in TRANSITION_KEYS:
            raise _fail(f"unknown key '{key}'", f"{path}.{key}", file, allowed=TRANSITION_KEYS)
    for key in ("from", "to", "when"):
        if key not in node:
            raise _fail(f"missing '{key}'", f"{path}.{key}", file, expected=_KEY_EXPECTED[key])
    for key in ("from", "to"):
        if node[key] not in states:
            raise _fail(
                f"unknown state {node[key]!r}",
                f"{path}.{key}",
                file,
                expected="one of the declared states",
                allowed=states,
            )
    if node["from"] in terminal:
        raise _fail(
            f"a transition out of the terminal state '{node['from']}'",
            f"{path}.from",
            file,
            expected="a non-terminal state (the machine stops in a terminal state)",
        )
    try:
        formula = parse_formula(node["when"])
    except FormulaError as exc:
        raise _fail(str(exc), f"{path}.when", file) from None
    if declared is not None:
        unknown = sorted(formula.events() - set(declared))
        if unknown:
            raise _fail(
                f"unknown event '{unknown[0]}'", f"{path}.when", file, expected="a declared event", allowed=declared
            )
    reward = _number(node.get("reward", 0.0), f"{path}.reward", file)
    return MachineTransition(node["from"], node["to"], node["when"], formula, reward)


_KEY_EXPECTED = {"from": "the source state", "to": "the target state", "when": "a formula over event labels"}


def _check_ambiguity(transitions: list[MachineTransition], file: str | None) -> None:
    for (i, a), (j, b) in itertools.combinations(enumerate(transitions), 2):
        if a.source != b.source or (a.target == b.target and a.reward == b.reward):
            continue
        events = sorted(a.formula.events() | b.formula.events())
        if len(events) > _MAX_EVENTS_CHECKED:
            continue
        for bits in itertools.product((False, True), repeat=len(events)):
            true = frozenset(e for e, on in zip(events, bits, strict=True) if on)
            if a.formula.holds(true) and b.formula.holds(true):
                shown = "{" + ", ".join(sorted(true)) + "}"
                raise _fail(
                    f"transitions[{i}] ({a.when!r}) and transitions[{j}] ({b.when!r}) out of '{a.source}' both fire on "
                    f"the labels {shown}",
                    f"transitions[{j}].when",
                    file,
                    expected="at most one transition out of a state for any labels (make the formulas exclusive)",
                )


def _check_reachability(
    states: list[str], initial: str, terminal: list[str], transitions: list[MachineTransition], file: str | None
) -> None:
    out: dict[str, set[str]] = {s: set() for s in states}
    for t in transitions:
        if t.target != t.source:
            out[t.source].add(t.target)
    seen, todo = {initial}, [initial]
    while todo:
        for nxt in out[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    for i, s in enumerate(states):
        if s not in seen:
            raise _fail(
                f"state '{s}' is unreachable from the initial state '{initial}'",
                f"states[{i}]",
                file,
                expected="every state reachable by some transitions",
            )
        if s not in terminal and not out[s]:
            raise _fail(
                f"missing transitions: state '{s}' is not terminal and has no transition to another state",
                f"states[{i}]",
                file,
                expected="a transition out of every non-terminal state (or list it under 'terminal')",
            )
