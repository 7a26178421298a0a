"""Specs: rewards and how they combine, as data (YAML or dicts), validated and content-hashed.

A spec file::

    version: 1
    name: math-grpo
    description: correctness gated by format, GRPO-normalized
    group_key: prompt            # optional: the field grouping completions of one prompt
    reward:
      type: group_norm
      method: zscore
      child:
        type: weighted_sum
        children:
          - {type: exact_match, name: accuracy, weight: 1.0}
          - {type: format, name: format, weight: 0.2, template: think_answer}

Every node is ``{type: NAME, <parameters>}`` (or just ``NAME``); ``name``, ``weight`` and
``on_error`` are accepted by every reward. Unnamed leaves that share a type are labelled
``type``, ``type_2``, ... . Errors name the file, the path to the field, what was expected and
the allowed names. The spec's hash covers everything that changes the numbers (the resolved
reward tree with defaults filled in, and ``group_key``), not its name or description.

>>> spec = spec_from_dict({"reward": {"type": "exact_match", "name": "em"}})
>>> spec.score({"completion": "Paris", "answer": "paris"}).score
1.0
>>> spec_from_dict({"reward": {"type": "exact_match", "wieght": 2}})
Traceback (most recent call last):
...
rewardlab.core.errors.ParameterError: reward.wieght: unknown parameter 'wieght' of reward 'exact_match' ...
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .context import ScoreContext
from .errors import ParameterError, SpecError, UnknownRewardError
from .inputs import MAX_DEPTH, find_problem, format_loc
from .registry import get_reward_class, registered_names, resolve_scheme
from .result import RewardResult
from .reward import Reward, is_reward_field
from .sample import Sample

__all__ = ["Spec", "build_reward", "load_spec", "resolve", "spec_from_dict", "spec_problems"]

SPEC_VERSION = 1
TOP_LEVEL_KEYS = ("version", "name", "description", "reward", "group_key")
SPEC_SUFFIXES = (".yaml", ".yml", ".json")


# ---- building one node ----------------------------------------------------------------------
def build_reward(node: Any, *, path: str = "reward", file: str | None = None) -> Reward:
    """Build a reward from a spec node: a name, ``SCHEME:ARG``, or ``{type: NAME, ...params}``."""
    try:
        return _build(node, path)
    except SpecError as exc:
        if file and not exc.file:
            raise exc.with_context(file=file) from None
        raise


def _build(node: Any, path: str) -> Reward:
    if isinstance(node, Reward):
        return node
    if isinstance(node, str):
        node = {"type": node}
    if not isinstance(node, dict):
        raise SpecError(
            f"got {type(node).__name__} {_short(node)}",
            path=path,
            expected="a reward: a name such as 'exact_match', or a mapping with a 'type' key",
        )
    if "type" not in node:
        raise SpecError(
            "missing 'type'",
            path=path,
            expected="the name of a registered reward",
            allowed=registered_names(),
        )
    type_name = node["type"]
    if not isinstance(type_name, str) or not type_name:
        raise SpecError(f"'type' must be a reward name, got {_short(type_name)}", path=f"{path}.type")
    params = {k: v for k, v in node.items() if k != "type"}
    scheme_node = resolve_scheme(type_name)
    if scheme_node is not None:
        type_name = scheme_node["type"]
        params = {**{k: v for k, v in scheme_node.items() if k != "type"}, **params}
    try:
        cls = get_reward_class(type_name)
    except UnknownRewardError as exc:
        raise UnknownRewardError(exc.message, path=f"{path}.type", expected=exc.expected, allowed=exc.allowed) from None

    fields = cls.model_fields
    for key in params:
        if key not in fields:
            close = difflib.get_close_matches(str(key), list(fields), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ParameterError(
                f"unknown parameter '{key}' of reward '{type_name}'{hint}",
                path=f"{path}.{key}",
                allowed=list(fields),
            )
    for key, value in list(params.items()):
        if is_reward_field(fields[key].annotation):
            if isinstance(value, list):
                params[key] = [_build(v, f"{path}.{key}[{i}]") for i, v in enumerate(value)]
            elif value is not None:
                params[key] = _build(value, f"{path}.{key}")
    try:
        return cls(**params)
    except ValidationError as exc:
        raise _from_validation(exc, path, type_name) from None
    except SpecError as exc:
        raise exc.with_context(prefix=path) from None


def _from_validation(exc: ValidationError, path: str, type_name: str) -> ParameterError:
    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"])
    message = first["msg"]
    if first["type"] == "missing":
        message = f"missing required parameter of reward '{type_name}'"
    elif "input" in first and first["type"] not in ("value_error", "assertion_error"):
        message = f"{message} (got {_short(first['input'])})"
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''} in this node)"
    return ParameterError(message, path=f"{path}{loc}")


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---- labels ------------------------------------------------------------------------------------
def _assign_labels(node: Any, path: str = "reward") -> Any:
    """Give unnamed leaves of the same type distinct labels; explicit duplicates are errors."""
    leaves: list[tuple[dict[str, Any], str]] = []
    _collect_leaves(node, path, leaves)
    explicit: dict[str, str] = {}
    for leaf, leaf_path in leaves:
        name = leaf.get("name")
        if isinstance(name, str):
            if name in explicit:
                raise SpecError(
                    f"two rewards are named '{name}' (also at {explicit[name]})",
                    path=f"{leaf_path}.name",
                    expected="distinct names: each name is a key of `components`",
                )
            explicit[name] = leaf_path
    counts = Counter(leaf["type"] for leaf, _ in leaves if "name" not in leaf)
    seen: Counter[str] = Counter()
    for leaf, _ in leaves:
        if "name" in leaf or counts[leaf["type"]] < 2:
            continue
        seen[leaf["type"]] += 1
        label = leaf["type"] if seen[leaf["type"]] == 1 else f"{leaf['type']}_{seen[leaf['type']]}"
        while label in explicit:
            label += "_"
        leaf["name"] = label
    return node


def _collect_leaves(node: Any, path: str, out: list[tuple[dict[str, Any], str]]) -> None:
    if not isinstance(node, dict) or not isinstance(node.get("type"), str):
        return
    scheme_node = resolve_scheme(node["type"])
    type_name = scheme_node["type"] if scheme_node else node["type"]
    try:
        cls = get_reward_class(type_name)
    except SpecError:
        return  # reported with its path when the node is built
    sub = [k for k, f in cls.model_fields.items() if is_reward_field(f.annotation) and k in node]
    if not sub or "name" in node:
        out.append((node, path))
    for key in sub:
        value = node[key]
        if isinstance(value, list):
            for i, v in enumerate(value):
                if isinstance(v, str):
                    value[i] = v = {"type": v}
                _collect_leaves(v, f"{path}.{key}[{i}]", out)
        else:
            if isinstance(value, str):
                node[key] = value = {"type": value}
            _collect_leaves(value, f"{path}.{key}", out)


# ---- reading YAML strictly -------------------------------------------------------------------
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


# ---- the spec --------------------------------------------------------------------------------
class Spec:
    """A validated reward spec: a reward tree, its content hash, and where it came from."""

    def __init__(
        self,
        reward: Reward,
        *,
        name: str | None = None,
        description: str | None = None,
        group_key: str | None = None,
        source: str | None = None,
    ) -> None:
        self.reward = reward
        self.name = name or reward.label
        self.description = description
        self.group_key = group_key
        self.source = source
        self.hash = spec_hash(reward, group_key=group_key)

    # -- scoring --
    def context(self, *, step: int | None = None, group_key: str | None = None, **extra: Any) -> ScoreContext:
        return ScoreContext(step=step, group_key=group_key or self.group_key, spec_hash=self.hash, extra=extra)

    def score_batch(
        self,
        samples: Iterable[Sample | dict[str, Any]],
        *,
        step: int | None = None,
        group_key: str | None = None,
        context: ScoreContext | None = None,
    ) -> list[RewardResult]:
        """Score samples with this spec; every result carries the spec's hash."""
        ctx = context or self.context(step=step, group_key=group_key)
        if ctx.spec_hash != self.hash:
            ctx = ctx.replace(spec_hash=self.hash)
        results = self.reward.score_batch(samples, ctx)
        for r in results:
            r.spec_hash = self.hash
        return results

    def score(self, sample: Sample | dict[str, Any], **kw: Any) -> RewardResult:
        return self.score_batch([sample], **kw)[0]

    async def ascore_batch(
        self, samples: Iterable[Sample | dict[str, Any]], *, step: int | None = None, group_key: str | None = None
    ) -> list[RewardResult]:
        ctx = self.context(step=step, group_key=group_key)
        results = await self.reward.ascore_batch(samples, ctx)
        for r in results:
            r.spec_hash = self.hash
        return results

    # -- description --
    @property
    def short_hash(self) -> str:
        return self.hash[:12]

    @property
    def component_names(self) -> list[str]:
        """The keys every result's ``components`` will have."""
        names: list[str] = []
        for r in self.reward.walk():
            if (not r.sub_rewards() or r.name) and r.label not in names:
                names.append(r.label)
        return names

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"version": SPEC_VERSION, "name": self.name}
        if self.description:
            data["description"] = self.description
        if self.group_key:
            data["group_key"] = self.group_key
        data["reward"] = self.reward.to_spec()
        return data

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    def __repr__(self) -> str:
        return f"Spec(name={self.name!r}, hash={self.short_hash}, reward={self.reward!r})"


def spec_hash(reward: Reward, *, group_key: str | None = None) -> str:
    """The content hash of a reward tree: equal for specs that produce the same numbers."""
    payload = {"version": SPEC_VERSION, "group_key": group_key, "reward": reward.to_spec()}
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def spec_from_dict(data: Any, *, file: str | None = None) -> Spec:
    """Validate a spec given as a dict (the parsed YAML)."""
    if not isinstance(data, dict):
        raise SpecError(
            f"a spec must be a mapping, got {type(data).__name__}",
            file=file,
            expected="a mapping with at least a 'reward' key",
        )
    check_spec_values(data, file=file)
    data = json.loads(json.dumps(data, default=str))  # private deep copy; labels are written into it
    if "reward" not in data and "type" in data:
        data = {"reward": data}
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            close = difflib.get_close_matches(str(key), TOP_LEVEL_KEYS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise SpecError(f"unknown top-level key '{key}'{hint}", file=file, path=str(key), allowed=TOP_LEVEL_KEYS)
    if "reward" not in data:
        raise SpecError("missing 'reward'", file=file, path="reward", expected="the reward tree of the spec")
    version = data.get("version", SPEC_VERSION)
    if version != SPEC_VERSION:
        raise SpecError(f"unsupported spec version {version!r}", file=file, path="version", expected=f"{SPEC_VERSION}")
    for key in ("name", "description", "group_key"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise SpecError(f"got {type(data[key]).__name__}", file=file, path=key, expected="a string")
    try:
        tree = _assign_labels(data["reward"])
        reward = build_reward(tree, path="reward")
        # Again on the built tree: pydantic turns a string such as "1e400" (YAML reads it as text) into inf.
        check_spec_values({"reward": reward.to_spec()})
    except SpecError as exc:
        raise exc.with_context(file=file) from None
    return Spec(
        reward,
        name=data.get("name"),
        description=data.get("description"),
        group_key=data.get("group_key"),
        source=file,
    )


def load_spec(path: str | os.PathLike[str] | dict[str, Any]) -> Spec:
    """Load and validate a YAML (or JSON) spec file, or a spec given as a dict (the parsed YAML).

    >>> load_spec({"reward": "exact_match"}).name
    'exact_match'
    >>> load_spec(["exact_match"])
    Traceback (most recent call last):
    ...
    rewardlab.core.errors.SpecError: load_spec takes a spec file path or a dict, got list; ...
    """
    if isinstance(path, dict):
        return spec_from_dict(path)
    if not isinstance(path, (str, os.PathLike)):
        raise SpecError(
            f"load_spec takes a spec file path or a dict, got {type(path).__name__}",
            expected="a path to a YAML/JSON file, or a mapping such as {'reward': {'type': 'exact_match'}}",
        )
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
    return spec_from_dict(data, file=file)


# ---- every problem at once (``rewardlab validate``) ------------------------------------------------
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


def spec_problems(data: Any, *, file: str | None = None) -> list[SpecError]:
    """Every problem of a spec given as data, not just the first: unknown keys and names, unknown
    or ill-typed parameters of every node (each node is checked with its children replaced by a
    valid stand-in, so one bad child does not hide its siblings' or parent's problems).

    >>> [e.path for e in spec_problems({"reward": {"type": "weighted_sum", "wieght": 1, "children": [
    ...     {"type": "mth"}, {"type": "exact_match", "ignore_case": "maybe"}]}})]
    ['reward.wieght', 'reward.children[0].type', 'reward.children[1].ignore_case']
    """
    problems: list[SpecError] = []
    if not isinstance(data, dict):
        return [SpecError(f"a spec must be a mapping, got {type(data).__name__}", file=file)]
    try:
        check_spec_values(data, file=file)
    except SpecError as exc:  # the walk below would not survive what this refuses (cycles, depth)
        return [exc]
    if "reward" not in data and "type" in data:
        data = {"reward": data}
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            close = difflib.get_close_matches(str(key), TOP_LEVEL_KEYS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(
                SpecError(f"unknown top-level key '{key}'{hint}", file=file, path=str(key), allowed=TOP_LEVEL_KEYS)
            )
    version = data.get("version", SPEC_VERSION)
    if version != SPEC_VERSION:
        problems.append(SpecError(f"unsupported spec version {version!r}", file=file, path="version"))
    for key in ("name", "description", "group_key"):
        if data.get(key) is not None and not isinstance(data[key], str):
            problems.append(SpecError(f"got {type(data[key]).__name__}", file=file, path=key, expected="a string"))
    if "reward" not in data:
        problems.append(SpecError("missing 'reward'", file=file, path="reward", expected="the reward tree"))
    else:
        tree = json.loads(json.dumps(data["reward"], default=str))
        try:
            _assign_labels(tree)
        except SpecError as exc:
            problems.append(exc.with_context(file=file))
        problems.extend(e.with_context(file=file) for e in _node_problems(tree, "reward"))
    if not problems:
        try:
            spec_from_dict(data, file=file)
        except SpecError as exc:  # what the node-by-node check cannot see (e.g. a duplicate label)
            problems.append(exc)
    return problems


def _node_problems(node: Any, path: str) -> list[SpecError]:
    if isinstance(node, str):
        node = {"type": node}
    if not isinstance(node, dict):
        return [
            SpecError(f"got {type(node).__name__} {_short(node)}", path=path, expected="a reward name or a mapping")
        ]
    if "type" not in node:
        return [SpecError("missing 'type'", path=path, expected="the name of a registered reward")]
    type_name = node["type"]
    if not isinstance(type_name, str) or not type_name:
        return [SpecError(f"'type' must be a reward name, got {_short(type_name)}", path=f"{path}.type")]
    params = {k: v for k, v in node.items() if k != "type"}
    scheme_node = resolve_scheme(type_name)
    if scheme_node is not None:
        type_name = scheme_node["type"]
        params = {**{k: v for k, v in scheme_node.items() if k != "type"}, **params}
    try:
        cls = get_reward_class(type_name)
    except UnknownRewardError as exc:
        return [UnknownRewardError(exc.message, path=f"{path}.type", expected=exc.expected, allowed=exc.allowed)]
    problems: list[SpecError] = []
    fields = cls.model_fields
    for key in list(params):
        if key not in fields:
            close = difflib.get_close_matches(str(key), list(fields), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(
                ParameterError(
                    f"unknown parameter '{key}' of reward '{type_name}'{hint}", path=f"{path}.{key}", allowed=fields
                )
            )
            del params[key]
    stand_in = None
    for key, value in list(params.items()):
        if not is_reward_field(fields[key].annotation):
            continue
        if isinstance(value, list):
            kids = []
            for i, v in enumerate(value):
                problems.extend(_node_problems(v, f"{path}.{key}[{i}]"))
                stand_in = stand_in or _stand_in()
                kids.append(stand_in.model_copy(update={"name": f"_stand_in_{key}_{i}"}))
            params[key] = kids
        elif value is not None:
            problems.extend(_node_problems(value, f"{path}.{key}"))
            params[key] = _stand_in().model_copy(update={"name": f"_stand_in_{key}"})
    try:
        cls(**params)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"])
            message = str(error["msg"])
            if error["type"] == "missing":
                message = f"missing required parameter of reward '{type_name}'"
            elif "input" in error and error["type"] not in ("value_error", "assertion_error"):
                message = f"{message} (got {_short(error['input'])})"
            if message.startswith("Value error, "):
                message = message[len("Value error, ") :]
            problems.append(ParameterError(message, path=f"{path}{loc}"))
    except SpecError as exc:
        problems.append(exc.with_context(prefix=path))
    except Exception:  # a constructor that needs real children (or files) to run: checked when built
        pass
    return problems


def _stand_in() -> Reward:
    return get_reward_class("length")(unit="chars")


def looks_like_spec_path(reference: str) -> bool:
    return reference.endswith(SPEC_SUFFIXES) or os.path.sep in reference or os.path.isfile(reference)


def resolve(reference: str | Reward | Spec, *, params: dict[str, Any] | None = None) -> Spec:
    """A spec from ``-r``: a spec file path, a reward name, or ``SCHEME:ARG`` (e.g. ``rm:DIR``).

    ``params`` set parameters of a named reward (``rewardlab score -r math -p mode=lenient``).

    >>> resolve("exact_match", params={"ignore_case": False}).reward.ignore_case
    False
    """
    if isinstance(reference, Spec):
        return reference
    if isinstance(reference, Reward):
        return Spec(reference)
    if looks_like_spec_path(reference) and resolve_scheme(reference) is None:
        if params:
            raise SpecError("parameters (-p) apply to a named reward, not to a spec file", file=reference)
        return load_spec(reference)
    node: dict[str, Any] = {"type": reference, **(params or {})}
    check_spec_values({"reward": node})
    reward = build_reward(node, path="reward")
    check_spec_values({"reward": reward.to_spec()})
    return Spec(reward, name=reference)
