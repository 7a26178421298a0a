"""A spec file read strictly: YAML (or JSON) text to data, refusing what would be silently wrong.

PyYAML keeps the last of two equal keys, expands aliases without limit and follows alias cycles;
a spec with one of those, nesting deeper than 64 levels, a NaN or infinite number, or text that
is not Unicode is a :class:`~rewardlab.core.errors.SpecError` here, with its line or field path.

>>> parse_spec_text("reward: {type: exact_match, name: a}")
{'reward': {'type': 'exact_match', 'name': 'a'}}
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from .errors import SpecError
from .inputs import MAX_DEPTH, find_problem, format_loc

__all__ = ["MAX_SPEC_VALUES", "check_spec_values", "parse_spec_text", "read_spec_file"]

MAX_SPEC_VALUES = 100_000
"""Most values a spec may hold once its YAML aliases are expanded (a 'billion laughs' file is refused)."""


class _YamlProblem(Exception):
    def __init__(self, message: str, mark: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key given twice in one mapping (PyYAML keeps the last silently)."""

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:  # an unhashable key: reported when the mapping is built
                    continue
                if first is not None:
                    raise _YamlProblem(f"the key {key!r} is given twice (first on line {first})", key_node.start_mark)
                seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def _check_nodes(root: Any) -> None:
    """Refuse alias cycles, alias expansion past MAX_SPEC_VALUES and nesting past MAX_DEPTH."""
    sizes: dict[int, int] = {}
    state: dict[int, int] = {}  # 1: on the current path, 2: done
    stack: list[tuple[Any, bool, int]] = [(root, False, 1)]
    while stack:
        node, leaving, depth = stack.pop()
        key = id(node)
        children: list[Any] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        if leaving:
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            if sizes[key] > MAX_SPEC_VALUES:
                raise _YamlProblem(f"aliases expand the spec to more than {MAX_SPEC_VALUES} values", node.start_mark)
            state[key] = 2
            continue
        if state.get(key) == 2:
            continue
        if state.get(key) == 1:
            raise _YamlProblem("an alias refers to a node that contains it (a cycle)", node.start_mark)
        if depth > MAX_DEPTH:
            raise _YamlProblem(f"nested deeper than {MAX_DEPTH} levels", node.start_mark)
        state[key] = 1
        stack.append((node, True, depth))
        stack.extend((c, False, depth + 1) for c in children)


def parse_spec_text(text: str, *, file: str | None = None) -> Any:
    """The data of a YAML (or JSON) spec, read strictly: a duplicate key, an alias cycle, an alias
    bomb or nesting deeper than 64 levels is a :class:`SpecError` with its line, not a traceback
    or a silently dropped value.

    >>> parse_spec_text("reward: {type: exact_match, name: a}")
    {'reward': {'type': 'exact_match', 'name': 'a'}}
    >>> parse_spec_text("reward: exact_match\\nreward: format\\n")
    Traceback (most recent call last):
    ...
    rewardlab.core.errors.SpecError: line 2, column 1: the key 'reward' is given twice (first on line 1)
    >>> parse_spec_text("reward: &r {type: clip, child: *r}")
    Traceback (most recent call last):
    ...
    rewardlab.core.errors.SpecError: line 1, column 9: an alias refers to a node that contains it (a cycle)
    """
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_nodes(node)
        return loader.construct_document(node)
    except _YamlProblem as exc:
        where = f"line {exc.mark.line + 1}, column {exc.mark.column + 1}" if exc.mark is not None else None
        raise SpecError(exc.message, file=file, path=where) from None
    except RecursionError:
        raise SpecError(f"nested too deeply (at most {MAX_DEPTH} levels)", file=file) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(f"not valid YAML: {problem}", file=file, path=where) from None
    finally:
        loader.dispose()


def check_spec_values(data: Any, *, file: str | None = None) -> None:
    """Refuse NaN and infinite numbers (a NaN weight makes every score NaN), text that is not
    Unicode and nesting past 64 levels anywhere in a spec, with the path of the field.

    >>> check_spec_values({"reward": {"type": "weighted_sum", "children": [{"type": "em", "weight": float("inf")}]}})
    Traceback (most recent call last):
    ...
    rewardlab.core.errors.SpecError: reward.children[0].weight: inf is not a finite number ...
    """
    problem = find_problem(data, max_depth=MAX_DEPTH, finite=True)
    if problem is not None:
        raise SpecError(problem.message, file=file, path=format_loc(problem.loc) or None)


def read_spec_file(path: str | os.PathLike[str]) -> Any:
    """The parsed YAML/JSON of a spec file (``SpecError`` when it cannot be read or parsed)."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError("no such file", file=file) from None
    except OSError as exc:
        raise SpecError(f"cannot read: {exc.strerror}", file=file) from None
    data = parse_spec_text(text, file=file)
    if data is None:
        raise SpecError("the file is empty", file=file, expected="a mapping with at least a 'reward' key")
    return data
