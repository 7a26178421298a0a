"""The judge backend interface: chat requests in, texts or choice log-probabilities out.

A backend answers a whole batch at once and never loses one request's answer to another's
failure: each slot of the returned list is the answer or the exception for that request.

- :meth:`JudgeBackend.complete`: the assistant's reply text (greedy by default);
- :meth:`JudgeBackend.choose`: ``log p(choice)`` of each of a few short answers as the reply's
  first token(s) (``"A"``/``"B"``, ``"Yes"``/``"No"``, ``"1"``..``"9"``), for verdicts read
  from probabilities instead of parsed from text.

Both go through the response cache when the backend has one (see :mod:`..cache`).
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..cache import ResponseCache

__all__ = ["BackendError", "ChatRequest", "JudgeBackend"]


class BackendError(Exception):
    """A judge backend could not produce an answer (HTTP error, retries exhausted, bad response)."""


@dataclass(frozen=True)
class ChatRequest:
    """One judge call: chat messages and decoding parameters."""

    messages: tuple[tuple[str, str], ...]
    """(role, content) pairs."""
    max_tokens: int = 256
    temperature: float = 0.0

    @classmethod
    def of(cls, messages: Sequence[dict[str, str]], **kw: Any) -> ChatRequest:
        return cls(tuple((m["role"], m["content"]) for m in messages), **kw)

    def as_dicts(self) -> list[dict[str, str]]:
        return [{"role": r, "content": c} for r, c in self.messages]


@dataclass
class JudgeBackend(ABC):
    """Base of the local and HTTP backends: caching around ``_complete`` / ``_choose``."""

    cache: ResponseCache | None = field(default=None, repr=False)

    @property
    @abstractmethod
    def identity(self) -> str:
        """What identifies the model for the cache (never secrets)."""

    @abstractmethod
    def _complete(self, requests: Sequence[ChatRequest]) -> list[str | BaseException]: ...

    @abstractmethod
    def _choose(self, requests: Sequence[ChatRequest], choices: Sequence[str]) -> list[list[float] | BaseException]: ...

    def _key(self, op: str, request: ChatRequest, extra: Any = None) -> str:
        payload = {
            "backend": self.identity,
            "op": op,
            "messages": request.messages,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "extra": extra,
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def _cached(self, op: str, requests: Sequence[ChatRequest], compute: Any, extra: Any = None) -> list[Any]:
        # Sampled replies are not cached: a second call must draw again.
        use_cache = self.cache is not None
        keys = [self._key(op, r, extra) if use_cache and r.temperature == 0 else None for r in requests]
        found = self.cache.get_many([k for k in keys if k]) if self.cache is not None else {}
        out: list[Any] = [None] * len(requests)
        todo = []
        for i, key in enumerate(keys):
            if key is not None and key in found:
                out[i] = json.loads(found[key])
            else:
                todo.append(i)
        if todo:
            fresh = compute([requests[i] for i in todo])
            store = {}
            for i, value in zip(todo, fresh, strict=True):
                out[i] = value
                if keys[i] is not None and not isinstance(value, BaseException):
                    store[keys[i]] = json.dumps(value)
            if store and self.cache is not None:
                self.cache.put_many(store)
        return out

    def complete(self, requests: Sequence[ChatRequest]) -> list[str | BaseException]:
        """The reply text of every request (or the exception that request ended with)."""
        return self._cached("complete", requests, self._complete)

    def choose(self, requests: Sequence[ChatRequest], choices: Sequence[str]) -> list[list[float] | BaseException]:
        """``log p(choice)`` as the start of the reply, for every request and choice."""
        choices = list(choices)
        return self._cached("choose", requests, lambda rs: self._choose(rs, choices), extra=choices)
