"""Looking at the host's processes: what a sandboxed run left behind, and the sandbox's own
processes (shared by the sandbox and remote-call tests)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path


def processes() -> Iterator[tuple[int, bytes, bytes]]:
    """(pid, /proc/PID/status, /proc/PID/cmdline) of every process (those that vanish are skipped)."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                status = Path(f"/proc/{entry}/status").read_bytes()
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            yield int(entry), status, cmdline


def live_sleepers(uid: int) -> list[str]:
    """PIDs of live (not zombie) ``sleep`` processes running as ``uid``."""
    return [
        str(pid)
        for pid, status, cmdline in processes()
        if f"\t{uid}\t".encode() in status and cmdline.startswith(b"sleep") and b"State:\tZ" not in status
    ]


def parent_of(status: bytes) -> int:
    """The parent pid in a /proc/PID/status text."""
    line = next(line for line in status.splitlines() if line.startswith(b"PPid:"))
    return int(line.split()[1])
