"""Rule-based ("verifiable") rewards. Each module registers its rewards on import; heavy
backends (math-verify, sqlglot, the sandbox) are imported only when a reward runs.
"""

from .choice import Choice
from .exact_match import ExactMatch
from .format import Format
from .json_schema import JsonSchema
from .length import LengthBand, Overlong
from .math import MathAnswer
from .qa import QA
from .repetition import Repetition

__all__ = ["QA", "Choice", "ExactMatch", "Format", "JsonSchema", "LengthBand", "MathAnswer", "Overlong", "Repetition"]
