"""Registers the agent rewards (imported by the registry on first lookup; light: no gymnasium, no torch).

``env_reward``, ``info_value``, ``obs_linear``, ``state_table`` (:mod:`.leaves`), ``state_shaping``
(:mod:`.shaping`), ``count_bonus``, ``simhash_bonus``, ``rnd_bonus``, ``icm_bonus``
(:mod:`.intrinsic`), ``reward_code`` (:mod:`.code`: reward functions written by a model, run in
the sandbox).
"""

from __future__ import annotations

from . import code, leaves, shaping
from .intrinsic import counts, icm, rnd

__all__ = ["code", "counts", "icm", "leaves", "rnd", "shaping"]
