"""Questions about a reward tree: which nodes normalize over a batch, which sample fields it
reads, and the spec of one named node (``component=NAME``).

>>> from rewardlab.core.spec import spec_from_dict
>>> spec = spec_from_dict({"group_key": "qid", "reward": {"type": "group_norm", "name": "adv", "child": {
...     "type": "weighted_sum", "name": "total", "children": [{"type": "exact_match", "answer_field": "gold"}]}}})
>>> [n.label for n in normalizing_nodes(spec.reward)]
['adv']
>>> fields_read(spec.reward, group_key=spec.group_key)
['completion', 'gold', 'qid']
>>> total = spec_component(spec, "total")
>>> total.name, total.component_names, normalizing_nodes(total.reward)
('total', ['total', 'exact_match'], [])
"""

from __future__ import annotations

from typing import Any

from ..core.errors import SpecError
from ..core.reward import Reward
from ..core.spec import Spec

__all__ = ["component_labels", "fields_read", "find_node", "normalizing_nodes", "reference_fields", "spec_component"]

# Fields every sample has (or that never name a reference): not "references" a trainer must send.
_BASE_FIELDS = ("prompt", "completion")


def normalizing_nodes(reward: Reward) -> list[Reward]:
    """The batch-dependent nodes of a tree (group, batch and running normalization), outermost first."""
    return [r for r in reward.walk() if r.batch_dependent]


def component_labels(reward: Reward) -> list[str]:
    """Labels a caller can select with ``component=NAME``: the leaves and every named node."""
    out: list[str] = []
    for r in reward.walk():
        if (not r.sub_rewards() or r.name) and r.label not in out:
            out.append(r.label)
    return out


def find_node(reward: Reward, name: str) -> Reward:
    """The node labelled ``name`` (a leaf or a named composite); ``SpecError`` naming the choices otherwise."""
    for r in reward.walk():
        if r.label == name and (r.name or not r.sub_rewards()):
            return r
    raise SpecError(
        f"the spec has no component named '{name}'",
        path="component",
        expected="the name of a node of the spec",
        allowed=component_labels(reward),
    )


def spec_component(spec: Spec, name: str | None) -> Spec:
    """The spec of one named node: ``component='total'`` serves a weighted sum without the group
    normalization around it, so one spec file serves a trainer (which normalizes itself) and
    offline analysis. ``None`` or the spec's own root returns ``spec`` unchanged."""
    if not name or (spec.reward.label == name and spec.reward.name):
        return spec
    node = find_node(spec.reward, name)
    if node is spec.reward:
        return spec
    return Spec(
        node,
        name=name,
        description=f"component '{name}' of {spec.name}",
        group_key=spec.group_key,
        source=spec.source,
    )


def _node_fields(node: Reward) -> list[str]:
    reads = list(node.sample_fields())
    for fname, finfo in type(node).model_fields.items():
        if not fname.endswith("_field"):
            continue
        default = finfo.default
        actual: Any = getattr(node, fname, None)
        if isinstance(default, str) and default in reads:
            reads.remove(default)
        if isinstance(actual, str) and actual and actual not in reads:
            reads.append(actual)
    if node.batch_dependent:
        key = getattr(node, "group_key", None)
        if isinstance(key, str) and key not in reads:
            reads.append(key)
    return reads


def fields_read(reward: Reward, *, group_key: str | None = None) -> list[str]:
    """Sample fields the tree reads (the rewards' declared ``reads``, with their ``*_field``
    parameters applied, and the group keys), sorted; ``group_key`` is the spec's or the call's."""
    out: set[str] = set()
    for node in reward.walk():
        out.update(_node_fields(node))
        if node.batch_dependent and "group_key" in type(node).model_fields and not getattr(node, "group_key", None):
            out.add(group_key or "prompt")  # grouped by the call's key, else by the prompt
    return sorted(out)


def reference_fields(reward: Reward) -> list[str]:
    """Fields the leaves read besides the prompt and the completion: the references a caller sends
    (``answer``, ``tests``, ...). Group keys are not references."""
    out: set[str] = set()
    for node in reward.walk():
        if node.batch_dependent:
            continue
        out.update(f for f in _node_fields(node) if f not in _BASE_FIELDS)
    return sorted(out)
