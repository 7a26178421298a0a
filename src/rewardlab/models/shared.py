"""Loaded models shared by the whole process: rewards, specs and server workers that name the
same folder use one copy of its weights (scoring does not change them).

A :class:`SharedModels` keeps at most ``most`` models, the least recently used dropped. Its keys
hold what makes a copy different (folder, device, limits) and the folder's config stamp
(:func:`file_stamp`), so a folder saved again in place is loaded afresh.

>>> cache = SharedModels(most=1)
>>> cache.get(("a",), lambda: ["model a"]) is cache.get(("a",), lambda: ["another"])
True
>>> cache.get(("b",), lambda: ["model b"]) and ("a",) in cache
False
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Generic, TypeVar

__all__ = ["SharedModels", "file_stamp"]

T = TypeVar("T")


def file_stamp(path: str | os.PathLike[str]) -> int | None:
    """The modification time of ``path`` in nanoseconds; None when it is no file."""
    file = Path(path)
    return file.stat().st_mtime_ns if file.is_file() else None


class SharedModels(Generic[T]):
    """Process-wide loaded models by key; the lock is not held while a model loads."""

    def __init__(self, most: int) -> None:
        self.most = most
        self._items: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def get(self, key: Hashable, load: Callable[[], T]) -> T:
        """The model kept under ``key``, or ``load()``'s, then kept."""
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        loaded = load()
        with self._lock:
            self._items[key] = loaded
            self._items.move_to_end(key)
            while len(self._items) > self.most:
                self._items.popitem(last=False)
        return loaded
