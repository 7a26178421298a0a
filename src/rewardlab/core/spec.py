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
``on_error`` are accepted by every reward; a reward's field typed :data:`RewardNode` takes a
built reward or such a node. Unnamed leaves that share a type are labelled ``type``,
``type_2``, ... . Errors name the file, the path to the field, what was expected and
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
from collections.abc import Iterable, Iterator
from typing import Annotated, Any, get_args, get_origin

import yaml
from pydantic import BeforeValidator, ValidationError

from .context import ScoreContext
from .errors import ParameterError, SpecError, UnknownRewardError
from .registry import get_reward_class, registered_names, resolve_scheme
from .result import RewardResult
from .reward import Reward
from .sample import Sample
from .spec_file import check_spec_values, read_spec_file

__all__ = [
    "RewardNode",
    "Spec",
    "build_reward",
    "is_reward_field",
    "load_spec",
    "resolve",
    "spec_from_dict",
    "spec_problems",
]

SPEC_VERSION = 1
TOP_LEVEL_KEYS = ("version", "name", "description", "reward", "group_key")
SPEC_SUFFIXES = (".yaml", ".yml", ".json")


# ---- spec nodes: where a reward stands inside another reward ---------------------------------
def is_reward_field(annotation: Any) -> bool:
    """Whether a field's annotation holds rewards (``Reward``, ``list[Reward]``, optional ...)."""
    if isinstance(annotation, type) and issubclass(annotation, Reward):
        return True
    origin = get_origin(annotation)
    if origin is Annotated:
        return is_reward_field(get_args(annotation)[0])
    return any(is_reward_field(arg) for arg in get_args(annotation)) if origin is not None else False


def _coerce_reward(value: Any) -> Any:
    """Let a spec node (a dict or a name) stand where a reward is expected."""
    if isinstance(value, Reward):
        return value
    if isinstance(value, (dict, str)):
        return build_reward(value)
    return value


RewardNode = Annotated[Reward, BeforeValidator(_coerce_reward)]
"""A field type for sub-rewards: accepts a built reward, a spec node dict, or a reward name."""


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
    cls, type_name, params = _node_class(node, path)
    fields = cls.model_fields
    for key in params:
        if key not in fields:
            raise _unknown_parameter(key, type_name, fields, path)
    for key, value in list(params.items()):
        if is_reward_field(fields[key].annotation):
            if isinstance(value, list):
                params[key] = [_build(v, f"{path}.{key}[{i}]") for i, v in enumerate(value)]
            elif value is not None:
                params[key] = _build(value, f"{path}.{key}")
    try:
        return cls(**params)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        message, where = _validation_problem(errors[0], path, type_name)
        if len(errors) > 1:
            message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''} in this node)"
        raise ParameterError(message, path=where) from None
    except SpecError as exc:
        raise exc.with_context(prefix=path) from None


def _node_class(node: dict[str, Any], path: str) -> tuple[type[Reward], str, dict[str, Any]]:
    """The class a node's ``type`` names, that name, and the node's parameters (a ``SCHEME:ARG``
    type expanded into its node, whose keys the node's own keys override)."""
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
    return cls, type_name, params


def _unknown_parameter(key: Any, type_name: str, fields: Iterable[str], path: str) -> ParameterError:
    close = difflib.get_close_matches(str(key), list(fields), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return ParameterError(
        f"unknown parameter '{key}' of reward '{type_name}'{hint}", path=f"{path}.{key}", allowed=list(fields)
    )


def _validation_problem(error: Any, path: str, type_name: str) -> tuple[str, str]:
    """A pydantic error of a node as (message, path of the field)."""
    loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"])
    message = str(error["msg"])
    if error["type"] == "missing":
        message = f"missing required parameter of reward '{type_name}'"
    elif "input" in error and error["type"] not in ("value_error", "assertion_error"):
        message = f"{message} (got {_short(error['input'])})"
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return message, f"{path}{loc}"


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
    for problem in _unknown_top_level_keys(data, file):
        raise problem
    if "reward" not in data:
        raise SpecError("missing 'reward'", file=file, path="reward", expected="the reward tree of the spec")
    version = data.get("version", SPEC_VERSION)
    if version != SPEC_VERSION:
        raise SpecError(f"unsupported spec version {version!r}", file=file, path="version", expected=f"{SPEC_VERSION}")
    for problem in _text_field_problems(data, file):
        raise problem
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


def _unknown_top_level_keys(data: dict[str, Any], file: str | None) -> Iterator[SpecError]:
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            close = difflib.get_close_matches(str(key), TOP_LEVEL_KEYS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            yield SpecError(f"unknown top-level key '{key}'{hint}", file=file, path=str(key), allowed=TOP_LEVEL_KEYS)


def _text_field_problems(data: dict[str, Any], file: str | None) -> Iterator[SpecError]:
    for key in ("name", "description", "group_key"):
        if data.get(key) is not None and not isinstance(data[key], str):
            yield SpecError(f"got {type(data[key]).__name__}", file=file, path=key, expected="a string")


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
    return spec_from_dict(read_spec_file(path), file=str(path))


# ---- every problem at once (``rewardlab validate``) ------------------------------------------------
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
    problems.extend(_unknown_top_level_keys(data, file))
    version = data.get("version", SPEC_VERSION)
    if version != SPEC_VERSION:
        problems.append(SpecError(f"unsupported spec version {version!r}", file=file, path="version"))
    problems.extend(_text_field_problems(data, file))
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
    try:
        cls, type_name, params = _node_class(node, path)
    except SpecError as exc:
        return [exc]
    problems: list[SpecError] = []
    fields = cls.model_fields
    for key in list(params):
        if key not in fields:
            problems.append(_unknown_parameter(key, type_name, fields, path))
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
            message, where = _validation_problem(error, path, type_name)
            problems.append(ParameterError(message, path=where))
    except SpecError as exc:
        problems.append(exc.with_context(prefix=path))
    except Exception:  # a constructor that needs real children (or files) to run: checked when built
        pass
    return problems


def _stand_in() -> Reward:
    return get_reward_class("length")(unit="chars")


def looks_like_spec_path(reference: str) -> bool:
    return reference.endswith(SPEC_SUFFIXES) or os.path.sep in reference or os.path.isfile(reference)


def resolve(reference: str | Reward | Spec | dict[str, Any], *, params: dict[str, Any] | None = None) -> Spec:
    """A spec from ``-r``: a spec file path, a reward name, or ``SCHEME:ARG`` (e.g. ``rm:DIR``); also a
    parsed spec (a dict, as a trainer's config hands it over), a reward or a spec.

    ``params`` set parameters of a named reward (``rewardlab score -r math -p mode=lenient``).

    >>> resolve("exact_match", params={"ignore_case": False}).reward.ignore_case
    False
    >>> resolve({"type": "math", "mode": "lenient"}).reward.mode
    'lenient'
    """
    if isinstance(reference, Spec):
        return reference
    if isinstance(reference, Reward):
        return Spec(reference)
    if isinstance(reference, dict):
        if params:
            raise SpecError("parameters apply to a named reward, not to a spec given as a dict")
        return spec_from_dict(reference)
    if not isinstance(reference, str):
        raise SpecError(
            f"cannot resolve a {type(reference).__name__} into a reward spec",
            expected="a spec file path, a reward name, SCHEME:ARG, a spec dict, a Reward or a Spec",
        )
    if looks_like_spec_path(reference) and resolve_scheme(reference) is None:
        if params:
            raise SpecError("parameters (-p) apply to a named reward, not to a spec file", file=reference)
        return load_spec(reference)
    node: dict[str, Any] = {"type": reference, **(params or {})}
    check_spec_values({"reward": node})
    reward = build_reward(node, path="reward")
    check_spec_values({"reward": reward.to_spec()})
    return Spec(reward, name=reference)
