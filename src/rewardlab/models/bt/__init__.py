"""Scalar (Bradley-Terry) reward models: the network, its folder format, and fast scoring.

- :mod:`.network`: a backbone with a linear head giving one score per head;
- :mod:`.checkpoint`: the reward-model folder (``reward_model.json`` + one Hugging Face folder
  and a head per ensemble member, safetensors only) and loading it back;
- :mod:`.scorer`: deterministic, length-bucketed batch scoring under ``torch.inference_mode``.

Training lives in :mod:`rewardlab.models.training`; the reward that scores with a trained
folder is :class:`rewardlab.models.reward_model.RewardModel` (``rm:DIR``). This package imports
torch, so import it only where a model is used.
"""
