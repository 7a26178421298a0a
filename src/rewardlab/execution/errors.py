"""Errors of the execution layer.

A task's own exception is re-raised as it was; these describe what happened *around* the task:
the worker died, the input was too big, the result could not come back. A timeout is
:class:`rewardlab.core.errors.RewardTimeout` (a ``BaseException``, so that ``except Exception``
in user code cannot swallow it).

>>> str(InputTooLarge(3_000_000, 1_048_576))
'task input is 3000000 bytes pickled; the pool accepts at most 1048576 (max_input_bytes)'
"""

from __future__ import annotations

from ..core.errors import RewardlabError, RewardTimeout

__all__ = ["InputTooLarge", "OutputTooLarge", "PoolClosed", "RemoteError", "RewardTimeout", "WorkerCrashed"]


class WorkerCrashed(RewardlabError):
    """The worker process running the task died (segfault, out of memory, killed).

    ``reason`` says how it died (``"killed by SIGSEGV"``, ``"exit code 1"``) when known.
    The pool replaces the worker; the next task runs normally.
    """

    def __init__(self, message: str, *, reason: str | None = None, pid: int | None = None) -> None:
        self.reason = reason
        self.pid = pid
        super().__init__(message)


class InputTooLarge(RewardlabError, ValueError):
    """The pickled arguments of a task exceed the pool's ``max_input_bytes``; nothing was sent."""

    def __init__(self, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(f"task input is {size} bytes pickled; the pool accepts at most {limit} (max_input_bytes)")


class OutputTooLarge(RewardlabError):
    """The pickled result of a task exceeds the pool's ``max_output_bytes``."""


class PoolClosed(RewardlabError):
    """The pool was closed; create a new one (or use ``default_pool()``)."""


class RemoteError(RewardlabError):
    """A task raised an exception that could not be sent back as it was (it does not pickle).

    ``type_name`` is the original exception's qualified type name; ``remote_traceback`` its traceback.
    """

    def __init__(self, type_name: str, message: str, remote_traceback: str = "") -> None:
        self.type_name = type_name
        self.remote_traceback = remote_traceback
        super().__init__(f"{type_name}: {message}" if message else type_name)

    def __reduce__(self):  # keep it picklable with its fields
        return (type(self), (self.type_name, str(self).partition(": ")[2], self.remote_traceback))
