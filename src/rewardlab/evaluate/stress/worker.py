"""The process a verifier is probed in: it builds the reward from its spec node and scores the
samples it is sent, one at a time, until told to stop. A probe that hangs it or kills it cannot
touch the runner, which kills the worker's whole process group and starts a fresh one.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

__all__ = ["worker_main"]


def worker_main(conn: Any, node: dict[str, Any], imports: tuple[str, ...] = ()) -> None:
    """Entry point of a spawned worker process (see :class:`~.runner.ProcessScorer`)."""
    if hasattr(os, "setsid"):
        with contextlib.suppress(OSError):
            os.setsid()  # its own process group: the runner can kill it and everything it started
    try:
        import importlib

        from rewardlab.core.spec import build_reward

        for module in imports:
            importlib.import_module(module)
        reward = build_reward(node)
    except BaseException as exc:  # report why, then exit
        conn.send(("error", f"cannot build the reward: {type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", None))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message[0] == "stop":
            return
        try:
            result = reward.score(message[1])
            conn.send(("ok", result.to_json_dict()))
        except BaseException as exc:
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
