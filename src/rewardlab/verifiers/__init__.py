"""Rule-based ("verifiable") rewards. Each module registers its rewards on import; heavy
backends (math-verify, sqlglot, the sandbox) are imported only when a reward runs.
"""

from .exact_match import ExactMatch
from .format import Format
from .length import LengthBand, Overlong
from .repetition import Repetition

__all__ = ["ExactMatch", "Format", "LengthBand", "Overlong", "Repetition"]
