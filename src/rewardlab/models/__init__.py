"""Learned rewards: backbones, Bradley-Terry models, process rewards, generative judges, implicit
rewards. Importing this package must stay light: torch and transformers load inside methods."""

# Each import registers rewards: `reward_model` and the `rm:` scheme; dpo_implicit,
# reference_likelihood; the judges; `prm` and the `prm:` scheme.
from . import implicit, judges, prm, reward_model  # noqa: F401
