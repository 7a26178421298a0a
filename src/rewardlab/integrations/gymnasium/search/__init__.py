"""``rewardlab reward-search``: reward code written by a language model (or read from files), run
only in the sandbox, scored by training a small policy with it, refined by reflection.

- :mod:`.tasks`: the environments and how candidates are trained and judged on them;
- :mod:`.fitness`: screen, smoke test, training, success rate; failure statuses;
- :mod:`.proposer`: candidates from files or an OpenAI-compatible endpoint, Eureka's reflection;
- :mod:`.loop`: the rounds, the run directory and its report.

It lives with the gymnasium integration because every part of it is about environments (their
description, observation layout, trainers and success metrics); ``loop/`` is about sampling and
selecting language-model completions.
"""

from .fitness import Candidate, Evaluation, evaluate_candidate
from .loop import SearchResult, reward_search
from .proposer import FileProposer, LLMProposer, ProposerError, reflection
from .tasks import TASKS, SearchTask, get_task

__all__ = [
    "TASKS",
    "Candidate",
    "Evaluation",
    "FileProposer",
    "LLMProposer",
    "ProposerError",
    "SearchResult",
    "SearchTask",
    "evaluate_candidate",
    "get_task",
    "reflection",
    "reward_search",
]
