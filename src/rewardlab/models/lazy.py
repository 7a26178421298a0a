"""Rewards whose models load on first use: once per reward object, by one thread at a time, and
never pickled (an unpickled copy loads its own on first use; the loaders share models within
the process).

>>> class Doubler(LazyModelReward):
...     '''Pays twice the completion's length, with a "model" loaded on first use.'''
...     _model: Any = PrivateAttr(default=None)
...     _model_attrs: ClassVar[tuple[str, ...]] = ("_model",)
...     def _score_one(self, sample, ctx):
...         return self._load_once("_model", lambda: (lambda text: 2.0 * len(text)))(sample.completion_text)
>>> r = Doubler()
>>> r._model is None, r.score({"completion": "abc"}).score, r._model is None
(True, 6.0, False)
>>> Doubler._transient_private_attrs()  # left out of pickles
('_load_lock', '_model')
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, TypeVar

from pydantic import PrivateAttr

from ..core.errors import NotApplicable
from ..core.reward import Outcome, Reward
from ..core.sample import Sample

__all__ = ["LazyModelReward", "split_completions"]

T = TypeVar("T")


class LazyModelReward(Reward):
    """Base of rewards that hold models loaded on first use (not registered itself).

    A subclass keeps each model in a private attribute (``None`` until loaded, or a dict of
    them), lists those attributes in ``_model_attrs`` (they are left out of pickles) and loads
    with :meth:`_load_once`; ``_load_lock`` guards any other loading it does.
    """

    _model_attrs: ClassVar[tuple[str, ...]] = ()

    _load_lock: Any = PrivateAttr(default_factory=threading.Lock)

    @classmethod
    def _transient_private_attrs(cls) -> tuple[str, ...]:
        return ("_load_lock", *cls._model_attrs)

    def _load_once(self, attr: str, load: Callable[[], T]) -> T:
        """The value of private attribute ``attr``, made with ``load()`` the first time."""
        value = getattr(self, attr)
        if value is None:
            with self._load_lock:
                value = getattr(self, attr)
                if value is None:
                    value = load()
                    setattr(self, attr, value)
        return value  # type: ignore[no-any-return]


def split_completions(
    samples: Sequence[Sample], reason: str = "the sample has no completion to score"
) -> tuple[list[Outcome], list[int]]:
    """The outcome slots of a batch, ``NotApplicable(reason)`` where a sample has no completion,
    and the indices of the samples a model can score.

    >>> out, usable = split_completions([Sample(completion="hi"), Sample(prompt="no answer")])
    >>> usable, out[0], str(out[1])
    ([0], None, 'the sample has no completion to score')
    """
    out: list[Outcome] = [None] * len(samples)
    usable = []
    for i, s in enumerate(samples):
        if s.completion is None:
            out[i] = NotApplicable(reason)
        else:
            usable.append(i)
    return out, usable
