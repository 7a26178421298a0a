"""Grading modes: ``strict`` (the default, for RL rewards) and ``lenient`` (for evaluation).

Both modes refuse what is not *an* answer: no answer, an empty or nested-empty box, a hedge
("3 or 4", "either 3 or 4", "3 or maybe 4", "probably 4"), a negated answer ("not 5"), a
restated question, a padded run of numbers, a list of values where one is expected. Both read one
value stated as an approximation (``\\approx 11``, ``x \\approx 11``, "about 11") as that value. They
differ in how much *form* they forgive:

=============================================  =======================  ===========================
situation                                      strict                   lenient
=============================================  =======================  ===========================
several different final answers (two boxes,    0 (``multiple_answers``) the last one is graded
"the answer is 3 ... the answer is 4")                                  (a self-correction), up to
                                                                        3 different ones; more: 0
explicit markers that disagree (``\\boxed{3}`` 0 (``multiple_answers``) the winning strategy's
but "#### 4")                                                           answer is graded
another answer opened at the very end and cut  0 (``multiple_answers``) the last answer given
off (``<answer>11</answer> ... <answer``)                               is graded
look-alike digits (``４``, ``٣``, ``𝟒``)         0 (``lookalike_digits``) read as ASCII digits
reference a plain number, answer an            0 (``not_a_number``)     checked symbolically
unevaluated expression (``2+3``, ``\\sqrt{4}``)
``10%`` against ``0.1`` / ``10``               ``10%`` = 10 only        either reading
rounded decimal (``0.33`` for ``1/3``)         0                        equal when it is the
                                                                        reference rounded to the
                                                                        digits written (>= 2
                                                                        significant digits)
=============================================  =======================  ===========================

Every row is also a parameter of the ``math`` reward, so either mode can be adjusted.

>>> policy_for("strict").max_distinct_answers, policy_for("lenient").max_distinct_answers
(1, 3)
>>> policy_for("strict", percent="both").percent
'both'
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

__all__ = ["LENIENT", "STRICT", "Mode", "Percent", "Policy", "Units", "policy_for"]

Mode = Literal["strict", "lenient"]
Percent = Literal["number", "fraction", "both"]
Units = Literal["ignore", "match"]


@dataclass(frozen=True, slots=True)
class Policy:
    """The knobs a mode sets (see the module table)."""

    mode: Mode
    max_distinct_answers: int
    """How many different final answers are tolerated (the last is graded); more earn nothing."""
    cross_check: bool
    """Numbers given by different explicit markers must agree."""
    lookalike_digits: Literal["reject", "fold"]
    require_number: bool
    """When the reference is a plain number, the answer must be a number literal."""
    percent: Percent
    """``number``: 10% means 10; ``fraction``: 10% means 0.1; ``both``: either."""
    rounding: bool
    """Accept a decimal that is the reference rounded to the digits written."""
    units: Units = "ignore"
    """``ignore``: units and currencies never decide; ``match``: when both sides name one, they must agree."""
    rel_tol: float = 1e-9
    """Relative tolerance of numeric equality (absorbs float noise like 0.30000000000000004)."""


STRICT = Policy(
    mode="strict",
    max_distinct_answers=1,
    cross_check=True,
    lookalike_digits="reject",
    require_number=True,
    percent="number",
    rounding=False,
)
LENIENT = Policy(
    mode="lenient",
    max_distinct_answers=3,
    cross_check=False,
    lookalike_digits="fold",
    require_number=False,
    percent="both",
    rounding=True,
)
_PRESETS: dict[str, Policy] = {"strict": STRICT, "lenient": LENIENT}


def policy_for(mode: str, **overrides: Any) -> Policy:
    """The preset of ``mode`` with the given fields replaced (``None`` values are ignored)."""
    try:
        base = _PRESETS[mode]
    except KeyError:
        raise ValueError(f"unknown mode '{mode}'; expected 'strict' or 'lenient'") from None
    changes = {k: v for k, v in overrides.items() if v is not None}
    return replace(base, **changes) if changes else base
