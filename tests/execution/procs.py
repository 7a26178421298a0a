"""Looking for processes a sandboxed run left behind (shared by the sandbox and remote-call tests)."""

from __future__ import annotations

import os
from pathlib import Path


def live_sleepers(uid: int) -> list[str]:
    """PIDs of live (not zombie) ``sleep`` processes running as ``uid``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                status = Path(f"/proc/{entry}/status").read_text()
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if f"\t{uid}\t" in status and cmdline.startswith(b"sleep") and "State:\tZ" not in status:
                found.append(entry)
    return found
