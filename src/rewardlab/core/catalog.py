"""What ``rewardlab list`` shows of each registered reward: its family, summary, the sample
fields it reads, and its parameters with their types, defaults and descriptions.

>>> from rewardlab.core.registry import get_reward_class
>>> info = describe(get_reward_class("exact_match"))
>>> info.name, info.family
('exact_match', 'verifier')
>>> [p.name for p in info.params if p.name == "ignore_case"]
['ignore_case']
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

from pydantic_core import PydanticUndefined

from .registry import aliases_of, registered_classes
from .reward import Reward
from .spec import is_reward_field

__all__ = ["COMMON_PARAMS", "ParamInfo", "RewardInfo", "describe", "list_rewards"]


@dataclass
class ParamInfo:
    name: str
    type: str
    default: Any
    required: bool
    description: str


@dataclass
class RewardInfo:
    name: str
    family: str
    summary: str
    reads: tuple[str, ...]
    params: list[ParamInfo] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)


COMMON_PARAMS = frozenset(Reward.model_fields)
"""Parameters every reward has (``name``, ``weight``, ``on_error``): not listed per reward."""


def describe(cls: type[Reward]) -> RewardInfo:
    """What `rewardlab list` shows for one reward class."""
    doc = inspect.getdoc(cls) or ""
    summary = doc.strip().split("\n\n", 1)[0].replace("\n", " ") if doc else ""
    params = []
    for pname, f in cls.model_fields.items():
        if pname in COMMON_PARAMS:
            continue
        required = f.is_required()
        default: Any
        if required:
            default = None
        elif f.default_factory is not None:
            default = f.default_factory()  # type: ignore[call-arg]
        else:
            default = None if f.default is PydanticUndefined else f.default
        params.append(
            ParamInfo(
                name=pname,
                type=_type_name(f.annotation),
                default=default,
                required=required,
                description=f.description or "",
            )
        )
    return RewardInfo(
        name=cls.type_name,
        family=cls.family,
        summary=summary,
        reads=tuple(getattr(cls, "reads", ())),
        params=params,
        aliases=aliases_of(cls.type_name),
    )


def list_rewards() -> list[RewardInfo]:
    """Every registered reward, sorted by family then name."""
    infos = [describe(cls) for cls in registered_classes()]
    return sorted(infos, key=lambda i: (i.family, i.name))


def _type_name(annotation: Any) -> str:
    if is_reward_field(annotation):
        text = repr(annotation)
        return "list[reward]" if "list" in text else "reward"
    if isinstance(annotation, type):
        return annotation.__name__
    text = str(annotation).replace("typing.", "")
    for prefix in ("rewardlab.core.policy.", "rewardlab.core.reward.", "Annotated["):
        text = text.replace(prefix, "")
    return text
