"""Composition as data: combinators, transforms, group/batch normalization and ensembles.

Every node here is a registered reward, so a spec composes them by name. Imports only ``core``.

- :mod:`.base`: combinators' shared machinery (:class:`Combinator`: several children);
- :mod:`.wrappers`: the two wrapper kinds, one hook each (:class:`Wrapper` transforms a score,
  :class:`BatchWrapper` computes a batch or group statistic);
- :mod:`.combinators`, :mod:`.ensemble`: weighted sums, gates, products ..., ensembles;
- :mod:`.transforms`: clip, affine, centring, PAR, log-sigmoid, annealing (wrappers);
- :mod:`.group` (with :mod:`.normalize`, the array functions): group, batch and running
  normalization (batch wrappers);
- :mod:`.shaping`: potential-based shaping of step rewards;
- :mod:`.noise`: label noise (flip or perturb a score with probability p, seeded per sample);
- :mod:`.introspect`: questions about a tree (which nodes normalize, which fields it reads).
"""

from .base import Combinator
from .combinators import Cascade, Gate, Lexicographic, Max, Min, Product, WeightedSum
from .ensemble import Ensemble, combine_members
from .group import BatchNorm, GroupNorm, RunningNorm
from .noise import Noise
from .normalize import (
    RunningMeanStd,
    group_center,
    group_ids,
    group_rank,
    group_winrate,
    group_zscore,
    rloo,
    whiten,
)
from .shaping import PotentialShaping, shape_rewards
from .transforms import PAR, Affine, Anneal, Center, Clip, LogSigmoid, log_sigmoid, sigmoid
from .wrappers import BatchWrapper, Wrapper

__all__ = [
    "PAR",
    "Affine",
    "Anneal",
    "BatchNorm",
    "BatchWrapper",
    "Cascade",
    "Center",
    "Clip",
    "Combinator",
    "Ensemble",
    "Gate",
    "GroupNorm",
    "Lexicographic",
    "LogSigmoid",
    "Max",
    "Min",
    "Noise",
    "PotentialShaping",
    "Product",
    "RunningMeanStd",
    "RunningNorm",
    "WeightedSum",
    "Wrapper",
    "combine_members",
    "group_center",
    "group_ids",
    "group_rank",
    "group_winrate",
    "group_zscore",
    "log_sigmoid",
    "rloo",
    "shape_rewards",
    "sigmoid",
    "whiten",
]
