"""Labelling functions: which events are true at a step, for a reward machine.

A labeller is any callable ``(obs, action, next_obs, info) -> set of event names``.
:class:`InfoLabels` reads them from the env's ``info``: a list of names (``info["events"] =
["key"]``) or a mapping of names to booleans (``{"key": True, "door": False}``).

>>> InfoLabels()(None, None, None, {"events": ["key", "door"]}) == {"key", "door"}
True
>>> InfoLabels(key="flags")(None, None, None, {"flags": {"key": True, "lava": False}}) == {"key"}
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

__all__ = ["InfoLabels", "Labeller", "labeller"]

Labeller = Callable[[Any, Any, Any, Mapping[str, Any]], "set[str] | frozenset[str]"]


class InfoLabels:
    """Events from ``info[key]``: a list of event names, or a mapping name -> bool. A missing key means no event."""

    def __init__(self, key: str = "events") -> None:
        self.key = key

    def __call__(self, obs: Any, action: Any, next_obs: Any, info: Mapping[str, Any]) -> frozenset[str]:
        value = info.get(self.key)
        if value is None:
            return frozenset()
        if isinstance(value, str):
            return frozenset([value])
        if isinstance(value, Mapping):
            return frozenset(str(k) for k, v in value.items() if bool(v))
        if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
            return frozenset(str(v) for v in value)
        raise TypeError(f"info['{self.key}'] must be a list of event names or a mapping of names to booleans")

    def __repr__(self) -> str:
        return f"InfoLabels(key={self.key!r})"


def labeller(spec: Labeller | str | None) -> Labeller:
    """A labeller from a callable, an info key, or None (``info["events"]``)."""
    if spec is None:
        return InfoLabels()
    if isinstance(spec, str):
        return InfoLabels(spec)
    if callable(spec):
        return spec
    raise TypeError(f"a labeller is a callable (obs, action, next_obs, info) -> events, or an info key; got {spec!r}")
