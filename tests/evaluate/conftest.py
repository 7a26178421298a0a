"""Fixtures of the evaluation tests: an isolated REWARDLAB_HOME, the test rewards, the shared data."""

from __future__ import annotations

from pathlib import Path

import pytest

from .. import rewards  # noqa: F401  (registers the test rewards)


@pytest.fixture(autouse=True)
def rl_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "rlhome"
    monkeypatch.setenv("REWARDLAB_HOME", str(home))
    return home
