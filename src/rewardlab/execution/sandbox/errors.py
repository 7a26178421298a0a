"""What can go wrong when running an untrusted program.

``ProgramFault`` and its subclasses derive from ``BaseException`` on purpose: test code often
wraps a call in ``try: ... except Exception:``, and a program that crashes, hangs or sends a
forged object must never be turned into a passing test by such a handler.

>>> issubclass(ProgramTimeout, Exception), issubclass(ProgramError, Exception)
(False, True)
"""

from __future__ import annotations

from ...core.errors import RewardlabError

__all__ = [
    "ProgramDied",
    "ProgramError",
    "ProgramFault",
    "ProgramLoadError",
    "ProgramObjectRefused",
    "ProgramProtocolError",
    "ProgramTimeout",
    "SandboxError",
    "StaleProgramObject",
]


class SandboxError(RewardlabError):
    """The sandbox itself could not be started or stopped (not the program's fault)."""


class ProgramFault(BaseException):
    """The program under test misbehaved in a way that must end the current test."""


class ProgramTimeout(ProgramFault):
    """The program did not answer before the test's deadline; it was killed."""


class ProgramDied(ProgramFault):
    """The program process exited or crashed (``status``: exit code / signal as words)."""

    def __init__(self, message: str, status: str | None = None) -> None:
        self.status = status
        super().__init__(message)


class ProgramProtocolError(ProgramFault):
    """The program sent something that is not a well-formed answer (e.g. forged messages)."""


class ProgramObjectRefused(ProgramFault):
    """The program returned an object that is not plain data while objects are not allowed."""


class StaleProgramObject(ProgramFault):
    """An object of an earlier program process was used after the program was restarted."""


class ProgramError(Exception):
    """Base class of exceptions re-created from exceptions the program raised.

    Built-in exception types come back as themselves (``ValueError`` stays ``ValueError``); a
    class the program defined comes back as a subclass of ``ProgramError`` and of its nearest
    built-in base, with the same name. ``program_traceback`` holds the program's traceback.
    """

    program_traceback: str = ""


class ProgramLoadError(RewardlabError):
    """The program failed before its tests could run (syntax error, exception at import, exit)."""

    def __init__(self, message: str, *, kind: str, traceback: str = "") -> None:
        self.kind = kind  # "error" | "timeout" | "crash"
        self.traceback = traceback
        super().__init__(message)
