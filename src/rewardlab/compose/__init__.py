"""Composition as data: combinators, transforms, group/batch normalization and ensembles.

Every node here is a registered reward, so a spec composes them by name. Imports only ``core``.
"""

from .base import Combinator, Wrapper
from .combinators import Cascade, Gate, Lexicographic, Max, Min, Product, WeightedSum
from .ensemble import Ensemble, combine_members
from .group import BatchNorm, GroupNorm, RunningNorm
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
from .transforms import (
    PAR,
    Affine,
    Anneal,
    Center,
    Clip,
    LogSigmoid,
    PotentialShaping,
    log_sigmoid,
    shape_rewards,
    sigmoid,
)

__all__ = [
    "PAR",
    "Affine",
    "Anneal",
    "BatchNorm",
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
