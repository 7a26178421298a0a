"""Lazy package exports: a package names what it offers, and each name's module loads on first use.

A package's ``__init__`` keeps a table ``{name: ".module"}`` and hands it to :func:`lazy_exports`,
which returns the module-level ``__getattr__`` and ``__dir__`` (PEP 562). A loaded name is kept in
the package's namespace, so the module is imported once.

>>> import types, sys
>>> pkg = types.ModuleType("lazy_demo")
>>> sys.modules["lazy_demo"] = pkg
>>> pkg.__getattr__, pkg.__dir__ = lazy_exports("lazy_demo", {"dumps": "json"})
>>> pkg.dumps([1])
'[1]'
>>> del sys.modules["lazy_demo"]
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, names: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package`` for the lazily loaded ``names``
    (``{name: module}``, the module relative to ``package`` when it starts with a dot)."""
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(module, package), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(names))

    return __getattr__, __dir__
