"""Instruction following (IFEval-style): verifiable constraints and the ``ifeval`` reward.

One concern per module: :mod:`.base` (constraint base class, registry, relations,
validation), :mod:`.text` (words, sentences, paragraphs, bullets), :mod:`.counts` (count
constraints), :mod:`.content` (keywords, postscript, fixed answers), :mod:`.shape` (JSON,
title, quotes, start/end, case, commas), :mod:`.language` (a small language identifier),
:mod:`.reward` (the reward).
"""

from . import content, counts, language, shape  # noqa: F401  (each registers its constraints)
from .base import CONSTRAINTS, Constraint, parse_constraints
from .reward import IFEval

__all__ = ["CONSTRAINTS", "Constraint", "IFEval", "parse_constraints"]
