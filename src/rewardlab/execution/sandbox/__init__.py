"""Running untrusted Python programs: isolation, a fork server, and remote calls into the program.

Importing this package is light (the names below load on first use): the wire contract in
:mod:`.protocol` is imported by :mod:`rewardlab.execution.wire`, which the client imports.

>>> from rewardlab.execution.sandbox import Sandbox, SandboxLimits, detect_isolation
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import DEFAULT_PRELOAD, Sandbox, SandboxLimits, StdioRun
    from .errors import (
        ProgramDied,
        ProgramError,
        ProgramFault,
        ProgramLoadError,
        ProgramObjectRefused,
        ProgramProtocolError,
        ProgramTimeout,
        SandboxError,
        StaleProgramObject,
    )
    from .isolation import ISOLATION_LEVELS, IsolationPlan, IsolationUnavailable, available_isolation, detect_isolation

_EXPORTS = {
    "DEFAULT_PRELOAD": ".client",
    "Sandbox": ".client",
    "SandboxLimits": ".client",
    "StdioRun": ".client",
    "ProgramDied": ".errors",
    "ProgramError": ".errors",
    "ProgramFault": ".errors",
    "ProgramLoadError": ".errors",
    "ProgramObjectRefused": ".errors",
    "ProgramProtocolError": ".errors",
    "ProgramTimeout": ".errors",
    "SandboxError": ".errors",
    "StaleProgramObject": ".errors",
    "ISOLATION_LEVELS": ".isolation",
    "IsolationPlan": ".isolation",
    "IsolationUnavailable": ".isolation",
    "available_isolation": ".isolation",
    "detect_isolation": ".isolation",
}

__all__ = [
    "DEFAULT_PRELOAD",
    "ISOLATION_LEVELS",
    "IsolationPlan",
    "IsolationUnavailable",
    "ProgramDied",
    "ProgramError",
    "ProgramFault",
    "ProgramLoadError",
    "ProgramObjectRefused",
    "ProgramProtocolError",
    "ProgramTimeout",
    "Sandbox",
    "SandboxError",
    "SandboxLimits",
    "StaleProgramObject",
    "StdioRun",
    "available_isolation",
    "detect_isolation",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
