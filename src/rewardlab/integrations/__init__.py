"""Adapters that drop rewardlab into TRL, verl and OpenRLHF unchanged, in process or through
``rewardlab serve`` (each module imports its framework only when called).

- :mod:`rewardlab.integrations.trl`: ``TRLReward`` / ``AsyncTRLReward``, GRPO ``reward_funcs``;
- :mod:`rewardlab.integrations.verl`: ``compute_score`` / ``compute_score_batch``
  (file for ``custom_reward_function.path``: ``python -m rewardlab.integrations.verl``);
- :mod:`rewardlab.integrations.openrlhf`: ``reward_func(queries, prompts, labels)`` and the
  ``/get_reward`` mapping (file for ``--remote_rm_url``: ``python -m rewardlab.integrations.openrlhf``).
"""
