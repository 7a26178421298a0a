"""Learned rewards: backbones, Bradley-Terry models, process rewards, generative judges, implicit
rewards. Importing this package must stay light: torch and transformers load inside methods."""

from . import implicit, judges  # noqa: F401  (register dpo_implicit, reference_likelihood, the judges)
