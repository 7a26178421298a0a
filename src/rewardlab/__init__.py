"""rewardlab: the reward layer for reinforcement learning of language models and agents.

Define, verify, learn, compose, evaluate and serve rewards with one contract::

    import rewardlab as rl
    spec = rl.resolve("examples/math_grpo.yaml")       # or a reward name: rl.resolve("exact_match")
    results = spec.score_batch([{"prompt": "2+2?", "completion": "4", "answer": "4"}])

Importing rewardlab is light: torch, transformers and the server stack load only when a reward
or command needs them.
"""

from .core import (
    ErrorPolicy,
    Message,
    Reward,
    RewardFailed,
    RewardlabError,
    RewardResult,
    Sample,
    ScoreContext,
    Spec,
    SpecError,
    Status,
    build_reward,
    function_reward,
    list_rewards,
    load_spec,
    register,
    resolve,
    spec_from_dict,
)

__version__ = "0.1.0"

__all__ = [
    "ErrorPolicy",
    "Message",
    "Reward",
    "RewardFailed",
    "RewardResult",
    "RewardlabError",
    "Sample",
    "ScoreContext",
    "Spec",
    "SpecError",
    "Status",
    "__version__",
    "build_reward",
    "function_reward",
    "list_rewards",
    "load_spec",
    "register",
    "resolve",
    "spec_from_dict",
]
