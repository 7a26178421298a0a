"""The reward contract: samples, results, the reward base class, the registry, errors and specs.

Read top to bottom: :mod:`.sample` and :mod:`.result` (what is scored, what comes back),
:mod:`.reward` (what a reward is), :mod:`.registry` (name -> class), :mod:`.spec` (rewards as
data: nodes, building, validation, hashing; :mod:`.spec_file` reads the text strictly) and
:mod:`.catalog` (what ``rewardlab list`` shows). :mod:`.example` is what every registered
reward declares for the checks they all go through; :mod:`.function` makes a reward of a plain
Python function (``{type: python, function: "pkg.module:func"}``).

``core`` imports nothing else from rewardlab; everything else is built on it.
"""

from .catalog import list_rewards
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
from .example import Example
from .function import PythonReward, function_reward
from .policy import ErrorPolicy
from .registry import get_reward_class, register, register_resolver, registered_names
from .result import RewardResult, Status
from .reward import Reward
from .sample import Message, Sample, as_samples
from .spec import RewardNode, Spec, build_reward, load_spec, resolve, spec_from_dict

__all__ = [
    "ErrorPolicy",
    "Example",
    "InputError",
    "Message",
    "NotApplicable",
    "ParameterError",
    "PythonReward",
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
    "function_reward",
    "get_reward_class",
    "list_rewards",
    "load_spec",
    "register",
    "register_resolver",
    "registered_names",
    "resolve",
    "spec_from_dict",
]
