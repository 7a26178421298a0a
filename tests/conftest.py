"""Shared test fixtures. Paths to the real data in ../shared/data are skipped-if-absent only
for the few tests that need them; everything else is self-contained."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("REWARDLAB_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def examples() -> Path:
    return REPO / "examples"
