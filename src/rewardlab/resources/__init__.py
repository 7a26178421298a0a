"""Files shipped inside the package: the example spec and samples used by `rewardlab demo`."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["example_path"]


def example_path(name: str) -> Path:
    """Path of a bundled example file (``math_grpo.yaml``, ``samples.jsonl``)."""
    path = Path(str(files(__name__).joinpath("examples", name)))
    if not path.exists():
        raise FileNotFoundError(f"no bundled example named '{name}'")
    return path
