"""Scalar (Bradley-Terry) reward models: the reward, the network, its folder, scoring and training.

Scoring with a trained folder:

- :mod:`.reward`: the ``reward_model`` reward (``rm:DIR``);
- :mod:`.network`: a backbone with a linear head giving one score per head;
- :mod:`.checkpoint`: the reward-model folder (``reward_model.json`` + one Hugging Face folder
  and a head per ensemble member, safetensors only) and loading it back;
- :mod:`.scorer`: deterministic, length-bucketed batch scoring under ``torch.inference_mode``.

Training one (``rewardlab train bt``):

- :mod:`.config`: the training parameters (validated, recorded in the model card);
- :mod:`.candidates`: candidate lists with scores (best-of-N data) made into pairs, their
  prompt-disjoint split and the defaults ``train bt`` uses for them;
- :mod:`.loss`: the pairwise loss with margin and reward-centring regularizer;
- :mod:`.batches`: length-bucketed, shuffled pair batches;
- :mod:`.trainer`: training one member (optimizer, schedule, accumulation, held-out accuracy);
- :mod:`.train`: the whole run (ensemble members or heads, saving, the card);
- :mod:`.features`: a linear probe's frozen-body features, computed once per distinct input;
- :mod:`.card`: what a run produced, ``MODEL_CARD.md`` and ``card.json``;
- :mod:`.progress`: the rich progress display.

Importing this package is light (it registers ``reward_model`` and the ``rm:`` scheme); the
modules that need torch import it themselves.
"""

from __future__ import annotations

from .reward import RewardModel

__all__ = ["RewardModel"]
