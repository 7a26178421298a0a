"""The consensus reward model: a linear Bradley-Terry head on each response's length and on its
agreement with the other responses to the same prompt. ``rewardlab train bt`` trains it from
candidate lists with scores by default; ``rm:DIR`` scores with it (reward ``consensus_model``).

Importing this package registers the reward; numpy is all it needs (no torch).
"""

from .agreement import Vocabulary, group_agreement, words_of
from .features import FEATURES, group_features
from .folder import CONSENSUS_FILE, ConsensusModelData, ConsensusModelError, is_consensus_model_dir, load_model
from .reward import ConsensusModel
from .train import ConsensusReport, ConsensusTrainConfig, train_consensus

__all__ = [
    "CONSENSUS_FILE",
    "FEATURES",
    "ConsensusModel",
    "ConsensusModelData",
    "ConsensusModelError",
    "ConsensusReport",
    "ConsensusTrainConfig",
    "Vocabulary",
    "group_agreement",
    "group_features",
    "is_consensus_model_dir",
    "load_model",
    "train_consensus",
    "words_of",
]
