"""A gymnasium transition as a rewardlab sample, and how rewards read its fields.

A transition sample has the fields ``obs``, ``action``, ``next_obs``, ``reward`` (the
environment's own reward), ``terminated``, ``truncated`` and ``info`` (the env's info dict);
any reward of a spec can read them. Observations stay as the env returned them (numpy arrays,
ints, dicts). A *state* sample (what a potential scores) has just ``obs``.

>>> s = transition_sample([0.0, 1.0], 1, [0.5, 1.0], 0.0, False, False, {"events": ["key"]})
>>> read_field(s, "info.events"), read_field(s, "next_obs")
(['key'], [0.5, 1.0])
>>> state_key(np.array([1, 2])), state_key(3)
((1, 2), 3)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ...core.sample import Sample

__all__ = [
    "TRANSITION_FIELDS",
    "as_vector",
    "env_info",
    "read_field",
    "state_key",
    "state_sample",
    "transition_sample",
]

TRANSITION_FIELDS = ("obs", "action", "next_obs", "reward", "terminated", "truncated", "info")


def transition_sample(
    obs: Any,
    action: Any,
    next_obs: Any,
    reward: float,
    terminated: bool,
    truncated: bool,
    info: Mapping[str, Any] | None,
    **extra: Any,
) -> Sample:
    """One transition ``(s, a, s', r, terminated, truncated, info)`` as a sample (``extra``: more fields)."""
    return Sample.model_validate(
        {
            "obs": obs,
            "action": _plain(action),
            "next_obs": next_obs,
            "reward": float(reward),
            "terminated": bool(terminated),
            "truncated": bool(truncated),
            "info": dict(info or {}),
            **extra,
        }
    )


def state_sample(obs: Any, **extra: Any) -> Sample:
    """A state as a sample (field ``obs``): what a potential function scores."""
    return Sample.model_validate({"obs": obs, **extra})


def _plain(value: Any) -> Any:
    """A numpy scalar as a Python number (a discrete action reads as an ``int``)."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def read_field(sample: Sample, path: str) -> Any:
    """A sample's field by a dotted path (``next_obs``, ``info.events``, ``obs.position``).

    Raises ``KeyError`` naming the missing part."""
    head, _, rest = path.partition(".")
    if not sample.has(head):
        raise KeyError(f"the sample has no field '{head}'")
    value = sample.get(head)
    walked = head
    for part in rest.split(".") if rest else []:
        walked += "." + part
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, (list, tuple, np.ndarray)) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise KeyError(f"the sample has no field '{walked}'")
    return value


def as_vector(value: Any, *, what: str = "observation") -> np.ndarray:
    """A flat float64 vector from a number, a sequence or an array (a dict observation: its values
    in key order, each flattened). Raises ``ValueError`` for non-numbers or non-finite values."""
    if isinstance(value, Mapping):
        parts = [as_vector(value[k], what=f"{what}.{k}") for k in sorted(value)]
        return np.concatenate(parts) if parts else np.zeros(0)
    try:
        arr = np.asarray(value, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be numbers, got {type(value).__name__}") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} holds a non-finite number")
    return arr


def state_key(value: Any) -> Any:
    """A hashable key for a discrete state: a number stays a number, an array or a list becomes a
    tuple of Python numbers, a dict a sorted tuple of (key, state_key) pairs."""
    if isinstance(value, Mapping):
        return tuple((k, state_key(value[k])) for k in sorted(value))
    if isinstance(value, np.ndarray):
        return tuple(value.ravel().tolist()) if value.ndim else value.item()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return tuple(state_key(v) for v in value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("a state holds a non-finite number")
    return value


def env_info(info: Mapping[str, Any], index: int) -> dict[str, Any]:
    """The info of sub-environment ``index`` from a vector env's info (arrays with ``_key`` masks)."""
    out: dict[str, Any] = {}
    for key, value in info.items():
        if key.startswith("_"):
            continue
        mask = info.get(f"_{key}")
        if mask is not None and not bool(np.asarray(mask)[index]):
            continue
        if isinstance(value, Mapping):
            out[key] = env_info(value, index)
        else:
            try:
                out[key] = value[index]
            except (TypeError, IndexError, KeyError):
                out[key] = value
    return out
