"""scripts/install-system-deps.sh, run against a fake system: what it installs as root, what it
says without root or sudo, that it is silent and does nothing when everything is there, and
that it never fails."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "install-system-deps.sh"


def _tool(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)


@pytest.fixture
def system(tmp_path: Path) -> Path:
    """A PATH holding only what the script needs, a fake `apt-get` that logs its calls and
    'installs' by creating the commands, and a fake `id` (uid from $FAKE_UID)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("mktemp", "rm", "env", "cat", "touch", "chmod"):
        found = shutil.which(name)
        assert found, name
        os.symlink(found, bin_dir / name)
    _tool(bin_dir, "id", 'echo "${FAKE_UID:-0}"')
    _tool(
        bin_dir,
        "apt-get",
        f'echo "$@" >> {tmp_path}/apt.log\n'
        'if [ "$1" = "-q" ]; then shift; fi\n'
        'case "$*" in *install*) for p in "$@"; do case "$p" in '
        f"bubblewrap) touch {bin_dir}/bwrap; chmod +x {bin_dir}/bwrap;; "
        f"chromium) touch {bin_dir}/chromium; chmod +x {bin_dir}/chromium;; "
        f"redis-server) touch {bin_dir}/redis-server; chmod +x {bin_dir}/redis-server;; "
        "esac; done;; esac",
    )
    return tmp_path


def _run(system: Path, **env: str) -> subprocess.CompletedProcess[str]:
    bash = shutil.which("bash")
    assert bash
    return subprocess.run(
        [bash, str(SCRIPT)],
        capture_output=True,
        text=True,
        env={"PATH": str(system / "bin"), "TMPDIR": str(system), **env},
        timeout=60,
    )


def test_as_root_it_installs_what_is_missing_then_does_nothing(system: Path) -> None:
    first = _run(system)
    assert first.returncode == 0
    assert "installing bubblewrap chromium redis-server" in first.stderr and "installed" in first.stderr
    calls = (system / "apt.log").read_text()
    assert "install -y --no-install-recommends bubblewrap chromium redis-server" in calls
    again = _run(system)
    assert again.returncode == 0 and again.stderr == ""  # idempotent and quiet
    assert (system / "apt.log").read_text() == calls  # apt-get not called again


def test_without_root_or_sudo_it_says_the_install_line(system: Path) -> None:
    done = _run(system, FAKE_UID="1000")
    assert done.returncode == 0
    assert "not root and no passwordless sudo: run `sudo apt-get install -y bubblewrap chromium redis-server`" in (
        done.stderr
    )
    assert not (system / "apt.log").exists()


def test_it_can_be_turned_off_and_never_fails(system: Path) -> None:
    assert _run(system, REWARDLAB_SYSTEM_DEPS="0").stderr == ""
    (system / "bin" / "apt-get").write_text("#!/bin/sh\nexit 100\n")  # apt fails (no network, locked)
    failed = _run(system)
    assert failed.returncode == 0 and "could not install" in failed.stderr and "apt-get install -y" in failed.stderr
