"""Reward models in the standard Hugging Face formats: the ones people already have.

- :mod:`rewardlab.models.folders` (outside this package, so `rm:` and `prm:` can use it): what a
  folder is, ``rm:DIR`` / ``prm:DIR`` pick the reward from its files;
- :mod:`.loading`: one loaded copy per process of a classification folder;
- :mod:`.inputs` / :mod:`.classify`: sequence-classification inputs as model cards build them,
  and batched forward passes equal to the model's own;
- :mod:`.reward`: ``hf_reward_model`` (one logit, a chosen head or a weighted sum of several);
- :mod:`.steps` / :mod:`.prm`: ``hf_prm``, a token-classification process reward model whose
  folder says how steps are marked;
- :mod:`.save`: a folder of that format from an embedded backbone (for trying it, and tests).

Importing this package is light: torch and transformers load when a model is first used.
"""

from __future__ import annotations

from .prm import HFProcessReward
from .reward import HFRewardModel

__all__ = ["HFProcessReward", "HFRewardModel"]
