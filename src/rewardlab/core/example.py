"""What a reward class declares about itself for the checks every registered reward goes through.

Each registered reward class sets ``example: ClassVar[Example]``: one sample it scores, the
parameters that build it for that sample and the score it gives. The test over every
registered reward (``tests/test_every_reward.py``, in the spirit of gymnasium's environment
checker) builds the reward from ``{"type": <name>, **params}``, scores the sample, rebuilds it
from ``to_spec()``, pickles it, and compares batch results with single results.

>>> ex = Example(sample={"completion": "4", "answer": "4"}, score=1.0)
>>> ex.node("exact_match")
{'type': 'exact_match'}
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Example"]


@dataclass(frozen=True)
class Example:
    """One sample a reward scores, how to build the reward for it, and what the checks may do.

    - ``sample``: the sample (a dict, as a caller sends it); ``params``: the reward's parameters;
    - ``score``: the score the reward gives ``sample`` (``None``: not checked, e.g. an untrained
      model's score);
    - ``batch``: the other samples of the batch ``sample`` is scored in (a batch statistic needs
      them; ``sample``'s score is read from the batch);
    - ``stateful``: why a sample's score depends on what the reward scored before (an intrinsic
      bonus, a running statistic): batch and single results are then not compared;
    - ``setup``: writes what building needs (a tiny model folder) under the folder it is given
      and returns parameters to add to ``params``;
    - ``skip``: why scoring the example is too costly for the check (a model to load, a network
      to reach): the reward is still built, rebuilt from its spec and pickled, but not scored;
    - ``build``: ``False`` when even building needs what the check cannot make cheaply (a trained
      folder); ``skip`` then says why, and only the declarations are checked.
    """

    sample: dict[str, Any]
    params: dict[str, Any] = field(default_factory=dict)
    score: float | None = None
    batch: tuple[dict[str, Any], ...] = ()
    stateful: str = ""
    setup: Callable[[Path], dict[str, Any]] | None = None
    skip: str = ""
    build: bool = True

    def node(self, type_name: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """The spec node that builds the example's reward (``extra``: parameters from ``setup``)."""
        return {"type": type_name, **self.params, **(extra or {})}
