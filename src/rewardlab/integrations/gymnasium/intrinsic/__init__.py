"""Intrinsic rewards with one lifecycle (:mod:`.base`): counts (exact and SimHash, :mod:`.counts`),
Random Network Distillation (:mod:`.rnd`) and the Intrinsic Curiosity Module (:mod:`.icm`).

torch loads only when RND or ICM first builds its networks.
"""

from .base import IntrinsicReward, RunningVectorStats, learners_in
from .counts import CountBonus, SimHashBonus
from .icm import ICMBonus
from .rnd import RNDBonus

__all__ = ["CountBonus", "ICMBonus", "IntrinsicReward", "RNDBonus", "RunningVectorStats", "SimHashBonus", "learners_in"]
