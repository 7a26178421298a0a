"""verl custom reward file: give this file's path as ``custom_reward_function.path``.

verl loads the file by path and calls ``compute_score`` (or ``compute_score_batch`` with
``reward_model.reward_manager=batch``). Configure the reward with
``custom_reward_function.reward_kwargs`` (``spec``, ``urls``, ``token``, ``answer_field``,
``on_missing``) or the environment (``REWARDLAB_SPEC`` / ``REWARDLAB_URL`` / ``REWARDLAB_TOKEN``).
Print the path with ``python -m rewardlab.integrations.verl``.
"""

from rewardlab.integrations.verl import compute_score, compute_score_batch

__all__ = ["compute_score", "compute_score_batch"]
