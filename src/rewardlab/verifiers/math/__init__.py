r"""Math answer verification: the ``math`` reward and the pieces it is built from.

One concern per module:

- :mod:`.extract` -- finding the final answer (``\boxed{}``, ``####``, "the answer is", ``A:``,
  the last number), in a configurable priority order;
- :mod:`.normalize` -- math delimiters, LaTeX clean-up, unicode (look-alike digits);
- :mod:`.literals` -- exact number literals for the fast path;
- :mod:`.reference` -- reading and classifying reference answers;
- :mod:`.guards` -- hedges, negations, restated questions;
- :mod:`.fast` -- deciding without sympy or a subprocess;
- :mod:`.symbolic` -- math-verify as a backend (runs only in pool workers);
- :mod:`.backend` -- the worker pool the symbolic jobs run in;
- :mod:`.modes` -- ``strict`` vs ``lenient``;
- :mod:`.grader` -- the steps, in order; :mod:`.errors` -- why an answer earned nothing;
- :mod:`.reward` -- :class:`MathAnswer`, registered as ``math``.

Nothing here imports math-verify or sympy in the calling process.
"""

from .errors import Reason
from .grader import Grade, GradeOptions, grade
from .modes import LENIENT, STRICT, Policy, policy_for
from .reward import MathAnswer

__all__ = ["LENIENT", "STRICT", "Grade", "GradeOptions", "MathAnswer", "Policy", "Reason", "grade", "policy_for"]
