"""Where rewardlab keeps its files: the store (runs, cache) and converted model copies.

``REWARDLAB_HOME`` overrides the default ``~/.rewardlab``.

>>> import os
>>> os.environ["REWARDLAB_HOME"] = "/tmp/rl-home-doc"
>>> str(rewardlab_home())
'/tmp/rl-home-doc'
>>> del os.environ["REWARDLAB_HOME"]
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir", "rewardlab_home"]


def rewardlab_home() -> Path:
    """The root folder of rewardlab's own files (created on first use by whoever writes there)."""
    env = os.environ.get("REWARDLAB_HOME")
    return Path(env).expanduser() if env else Path.home() / ".rewardlab"


def cache_dir(*parts: str) -> Path:
    """A sub-folder of the home for derived files (e.g. ``cache_dir("models")``), created."""
    path = rewardlab_home().joinpath("cache", *parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
