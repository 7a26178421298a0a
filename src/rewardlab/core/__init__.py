"""The reward contract: samples, results, the reward base class, the registry, errors and specs.

``core`` imports nothing else from rewardlab; everything else is built on it.
"""

from .context import ScoreContext
from .errors import (
    InputError,
    NotApplicable,
    ParameterError,
    RewardFailed,
    RewardlabError,
    RewardTimeout,
    SpecError,
    UnknownRewardError,
)
from .policy import ErrorPolicy
from .registry import get_reward_class, list_rewards, register, register_resolver, registered_names
from .result import RewardResult, Status
from .reward import Reward, RewardNode
from .sample import Message, Sample, as_samples
from .spec import Spec, build_reward, load_spec, resolve, spec_from_dict

__all__ = [
    "ErrorPolicy",
    "InputError",
    "Message",
    "NotApplicable",
    "ParameterError",
    "Reward",
    "RewardFailed",
    "RewardNode",
    "RewardResult",
    "RewardTimeout",
    "RewardlabError",
    "Sample",
    "ScoreContext",
    "Spec",
    "SpecError",
    "Status",
    "UnknownRewardError",
    "as_samples",
    "build_reward",
    "get_reward_class",
    "list_rewards",
    "load_spec",
    "register",
    "register_resolver",
    "registered_names",
    "resolve",
    "spec_from_dict",
]
