"""Running untrusted Python programs: isolation, a fork server, and remote calls into the program.

>>> from rewardlab.execution.sandbox import Sandbox, SandboxLimits, detect_isolation
"""

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
