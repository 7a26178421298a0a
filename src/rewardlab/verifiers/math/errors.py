"""Why a math answer earned nothing: a closed set of reasons, each with a sentence for people.

Every result of the ``math`` reward that is not fully correct carries ``info['reason']`` (one of
:class:`Reason`) and ``info['detail']`` (what exactly was found). The reasons are stable strings,
so logs and dashboards can count them.

>>> Reason.HEDGED.value
'hedged'
>>> explain(Reason.EMPTY_ANSWER)
'the final answer is empty'
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Reason", "SymbolicUnavailable", "explain"]


class Reason(StrEnum):
    """Why an answer was not paid (or, for ``NOT_EQUAL``, why it was judged wrong)."""

    NO_ANSWER = "no_answer"
    EMPTY_ANSWER = "empty_answer"
    NESTED_BOX = "nested_box"
    MULTIPLE_ANSWERS = "multiple_answers"
    MULTIPLE_CANDIDATES = "multiple_candidates"
    PADDING = "padding"
    HEDGED = "hedged"
    NEGATED = "negated"
    RESTATED_QUESTION = "restated_question"
    LOOKALIKE_DIGITS = "lookalike_digits"
    ANSWER_TOO_LONG = "answer_too_long"
    NOT_A_NUMBER = "not_a_number"
    RELATION = "relation"
    UNPARSEABLE = "unparseable"
    SYMBOLIC_DISABLED = "symbolic_disabled"
    NOT_EQUAL = "not_equal"

    def __str__(self) -> str:
        return self.value


_TEXT: dict[Reason, str] = {
    Reason.NO_ANSWER: "no final answer was found in the completion",
    Reason.EMPTY_ANSWER: "the final answer is empty",
    Reason.NESTED_BOX: r"a \boxed{} holds another \boxed{} next to other content (or is nested too deep)",
    Reason.MULTIPLE_ANSWERS: "the completion gives several different final answers",
    Reason.MULTIPLE_CANDIDATES: "the answer lists several values where one is expected",
    Reason.PADDING: "the completion is padded with many candidate numbers",
    Reason.HEDGED: "the answer hedges between values ('A or B', 'maybe')",
    Reason.NEGATED: "the answer is negated ('not 5', 'wrong')",
    Reason.RESTATED_QUESTION: "the answer restates the question instead of answering it",
    Reason.LOOKALIKE_DIGITS: "the answer uses non-ASCII look-alike digits",
    Reason.ANSWER_TOO_LONG: "the extracted answer is longer than max_answer_chars",
    Reason.NOT_A_NUMBER: "the reference is a number but the answer is not a single number",
    Reason.RELATION: "the answer is a relation (x <= 0, f(u) - f(v) < 0), not the value that was asked for",
    Reason.UNPARSEABLE: "the answer could not be parsed as mathematics",
    Reason.SYMBOLIC_DISABLED: "deciding needs the symbolic path, which is disabled (symbolic=false)",
    Reason.NOT_EQUAL: "the answer is not equivalent to any reference",
}


def explain(reason: Reason) -> str:
    """A sentence a person can read for ``reason``."""
    return _TEXT[reason]


class SymbolicUnavailable(RuntimeError):
    """The symbolic backend (math-verify) is not installed; install ``rewardlab[verifiers]``."""
