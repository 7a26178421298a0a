"""Running untrusted Python programs: isolation, a fork server, and remote calls into the program.

Importing this package is light: the exceptions (:mod:`.errors`) load with it, the client and
the isolation on first use of their names. (The wire contract in :mod:`.protocol` is imported by
:mod:`rewardlab.execution.wire`, which the client imports.)

>>> from rewardlab.execution.sandbox import Sandbox, SandboxLimits, detect_isolation
"""

from __future__ import annotations

from ...core.lazy import lazy_exports
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

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
