"""Running untrusted Python programs: isolation, a fork server, and remote calls into the program.

Importing this package is light: the exceptions (:mod:`.errors`) load with it, the client and
the isolation on first use of their names. (The wire contract in :mod:`.protocol` is imported by
:mod:`rewardlab.execution.wire`, which the client imports.)

>>> from rewardlab.execution.sandbox import Sandbox, SandboxLimits, detect_isolation
"""

from __future__ import annotations

from typing import Any

from . import errors
from .errors import *  # noqa: F403  (the sandbox's exceptions, listed in errors.__all__)

_LAZY = {
    "DEFAULT_PRELOAD": ".client",
    "Sandbox": ".client",
    "SandboxLimits": ".client",
    "StdioRun": ".client",
    "ISOLATION_LEVELS": ".isolation",
    "IsolationPlan": ".isolation",
    "IsolationUnavailable": ".isolation",
    "available_isolation": ".isolation",
    "detect_isolation": ".isolation",
}

__all__ = sorted([*errors.__all__, *_LAZY])


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
