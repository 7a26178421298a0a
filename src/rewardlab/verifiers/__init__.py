"""Rule-based ("verifiable") rewards. Each module registers its rewards on import; heavy
backends (math-verify, sqlglot, the sandbox) are imported only when a reward runs.
"""

from .choice import Choice
from .code import CodeReward
from .exact_match import ExactMatch
from .format import Format
from .ifeval import IFEval
from .json_schema import JsonSchema
from .length import Length, LengthBand, Overlong
from .majority import MajorityVote
from .math import MathAnswer
from .qa import QA
from .repetition import Repetition
from .sql import Sql
from .toolcall import ToolCall

__all__ = [
    "QA",
    "Choice",
    "CodeReward",
    "ExactMatch",
    "Format",
    "IFEval",
    "JsonSchema",
    "Length",
    "LengthBand",
    "MajorityVote",
    "MathAnswer",
    "Overlong",
    "Repetition",
    "Sql",
    "ToolCall",
]
