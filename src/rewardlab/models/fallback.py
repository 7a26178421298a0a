"""One sample that a model cannot take fails alone, not its whole batch.

A learned reward scores a batch in one forward pass, so an error raised for one sample (text the
tokenizer refuses, a chat template that breaks on a strange message) used to fail every sample of
the batch -- and on the server, where requests of different clients are merged into one batch,
every client's samples. :func:`batch_fallback` wraps a model reward's ``_score_batch``: when the
batch raises, it is split in halves and each half scored again, down to single samples, so the
samples that can be scored are, and only the culprits carry the error.

The model is loaded (``ready``) before the batch is tried, outside the fallback: a model that
cannot load fails the batch at once instead of being loaded again for every half.

>>> class Picky:
...     calls = 0
...     @batch_fallback()
...     def _score_batch(self, samples, ctx):
...         Picky.calls += 1
...         if "bad" in samples:
...             raise ValueError("cannot tokenize 'bad'")
...         return [len(s) for s in samples]
>>> out = Picky()._score_batch(["a", "bb", "bad", "cccc"], None)
>>> out[:2], str(out[2]), out[3]
([1, 2], "cannot tokenize 'bad'", 4)
>>> Picky.calls  # the batch, its two halves, the failing half's two singles
5
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

__all__ = ["batch_fallback"]

log = logging.getLogger("rewardlab.models")

F = TypeVar("F", bound=Callable[..., Sequence[Any]])


def batch_fallback(ready: Callable[[Any], Any] | None = None) -> Callable[[F], F]:
    """Decorate ``_score_batch(self, samples, ctx)``: a batch that raises is scored by halves.

    ``ready(self)`` loads the model first (its errors are not retried).
    """

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def wrapper(self: Any, samples: list[Any], ctx: Any) -> Sequence[Any]:
            if ready is not None:
                ready(self)
            try:
                return method(self, samples, ctx)
            except Exception as exc:
                if len(samples) <= 1:
                    raise
                log.warning(
                    "%s: a batch of %d failed (%s: %s); scoring it by halves so that only the failing samples fail",
                    type(self).__name__,
                    len(samples),
                    type(exc).__name__,
                    exc,
                )
                return _by_halves(method, self, samples, ctx)

        return wrapper  # type: ignore[return-value]

    return decorate


def _by_halves(method: Callable[..., Sequence[Any]], owner: Any, samples: list[Any], ctx: Any) -> list[Any]:
    out: list[Any] = []
    mid = len(samples) // 2
    pending = [samples[:mid], samples[mid:]]  # the whole batch already failed
    while pending:  # iterative, in order: the parts still to score
        part = pending.pop(0)
        try:
            out.extend(method(owner, part, ctx))
        except Exception as exc:
            if len(part) == 1:
                out.append(exc)
            else:
                mid = len(part) // 2
                pending[0:0] = [part[:mid], part[mid:]]
    return out
