r"""Finding the final answer in a completion.

Strategies, tried in a configurable priority order (the default is :data:`DEFAULT_ORDER`); the
first strategy that finds anything wins and *all* of its matches are returned, so the grader can
tell one answer from several:

===============  ===========================================================================
``answer_tag``   the content of ``<answer>...</answer>`` (its ``\boxed{}`` if it holds one); an
                 ``<answer>`` never closed is *unfinished* (see below)
``boxed``        every top-level ``\boxed{...}`` / ``\fbox{...}`` / ``\framebox{...}``, braces
                 balanced (escaped ``\{ \}`` ignored). A box whose whole content is another box
                 is unwrapped (``\boxed{\boxed{5}}`` is ``5``, at most 8 levels); a box holding a
                 box *and* something else is flagged ``nested_box``; an empty box (also
                 ``\boxed{{}}``, ``\boxed{\boxed{}}``) is flagged ``empty_answer``, and empty
                 boxes are ignored when a non-empty one exists. A box whose brace never closes
                 after the last complete box is *unfinished* (see below).
                 (:mod:`rewardlab.verifiers.common.boxes`: every verifier reads boxes this way.)
``gsm8k``        the text after ``####`` on its line (GSM8K reference format)
``answer_is``    the rest of the sentence after "the answer is", "final answer:", "Answer =";
                 when that line is empty, the next non-empty line. An explanation after the
                 answer (", because ...", "since ...", "which ...") is cut off (and kept for
                 the hedge check)
``answer_line``  the text after ``A:`` at the start of a line (the GSM8K model solutions)
``last_math``    an unanchored final answer: a ray in words ("any real number greater than $3$"),
                 the main clause's value before a qualifying clause (", which ...", "for every
                 ..."), the last math span (``$...$``, ``$$...$$``, ``\(...\)``, ``\[...\]``) when
                 nothing numeric and at most a short sentence follows it (the kept one of
                 "$12$, not $13$"), else the end of the last sentence after "is", "are", "="
                 ("so the count is 2^(m+1).") or a whole short completion, when it reads as a
                 value (:func:`~.kinds.read_value`); prose never qualifies
``last_number``  the last number in the text (a fallback), never one from inside a larger
                 expression or a relation (``2^{n-1}``, ``< 0``). The numbers just before it that are
                 separated from it only by commas, spaces, "and", "or", "..." form a *run*: a run
                 with several values is flagged (``multiple_candidates``, ``hedged`` when joined
                 by "or", ``padding`` when it has 5 or more), and so is any completion holding a
                 run of 10 or more numbers. The sentence around the number is kept for the
                 hedge check.
===============  ===========================================================================

**Unfinished markers.** An ``<answer>`` opened and never closed, or a box whose brace never closes
(after the last complete box), was begun and not finished: the output was cut, or the closing was
forgotten. Its answer is the rest of the text up to the next opening of its kind (a closing tag
cut off at the end, ``</ans``, is dropped). It is a final answer like the others -- in
``<answer>11</answer> so <answer>12`` there are two different ones, as in ``\boxed{11} so
\boxed{12`` -- but it never makes its strategy win on its own: a completion whose only marker is
unfinished is read by the later strategies, as before (the unfinished answer still takes part in
the cross-check of explicit markers). One that holds nothing is no answer. A completion that
*ends* right after opening an answer (``<answer``, ``<answer>``, ``\boxed{``, blanks at most after
it) was cut off while giving its final answer: ``cut_off`` says so, and the grader counts it as
one more final answer, of unknown value (strict mode allows one final answer, so it pays nothing
for ``<answer>11</answer> ... 9 + 11 = 20 <answer``; lenient grades the last answer given).

**Markup is not mathematics.** For every strategy after ``answer_tag`` and ``boxed``, tags around
answers (``<answer>``, ``</think>``, ``<response>``, ``<br/>``), chat special tokens (``<|im_end|>``)
and an answer tag cut off at the end (``<ans``) are blanked: in ``<think>2 + 9 = 11</think>`` or
``so <answer>11`` the ``<`` and ``>`` are not relation signs.

Before searching, verbatim copies of the prompt (the whole prompt, or any of its sentences of
20 characters or more) are blanked out of the completion: numbers and "the answer is" from a
restated question are not answers. ``restated`` says whether anything was blanked.

Very long completions are searched in their last ``max_chars`` characters only.

>>> ex = extract(r"so $x=3$ and the total is \boxed{\frac{1}{2}}.")
>>> ex.strategy, [c.text for c in ex.candidates]
('boxed', ['\\frac{1}{2}'])
>>> [c.text for c in extract("First \\boxed{3}, then \\boxed{4}").candidates]
['3', '4']
>>> extract("Natalia sold 48 clips.\n#### 72").candidates[0].text
'72'
>>> extract(r"\boxed{}").candidates[0].problem
<Reason.EMPTY_ANSWER: 'empty_answer'>
>>> extract("The numbers are 1, 2, 3, 4 or 5").candidates[0].problem
<Reason.PADDING: 'padding'>
>>> [(c.text, c.unfinished) for c in extract("<answer>11</answer> so <answer>12</ans").candidates]
[('11', False), ('12', True)]
>>> ex = extract("<answer>11</answer> and so <answer")
>>> [c.text for c in ex.candidates], ex.cut_off
(['11'], True)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from ..common.boxes import BOX_COMMANDS, BOX_OPEN, is_blank, read_boxes, unfinished_boxes
from ..common.text import CUT_ANSWER_TAG
from .errors import Reason
from .kinds import read_value
from .literals import number_tokens, parse_number
from .normalize import clean_answer, strip_math_delimiters
from .numwords import words_head

__all__ = [
    "DEFAULT_ORDER",
    "EXPLICIT",
    "STRATEGIES",
    "Candidate",
    "Extraction",
    "Strategy",
    "blank_prompt",
    "box_groups",
    "extract",
    "joins_boxes",
]

Strategy = Literal["answer_tag", "boxed", "gsm8k", "answer_is", "answer_line", "last_math", "last_number"]
STRATEGIES: tuple[str, ...] = ("answer_tag", "boxed", "gsm8k", "answer_is", "answer_line", "last_math", "last_number")
DEFAULT_ORDER: tuple[str, ...] = STRATEGIES
EXPLICIT = frozenset(STRATEGIES) - {"last_math", "last_number"}
"""Strategies that read an explicit final-answer marker (everything but ``last_math`` and ``last_number``)."""

PADDING_RUN = 5
"""A run of this many numbers at the end is padding, not an answer."""
PADDING_ANYWHERE = 10
"""A run of this many numbers anywhere in the completion is padding."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """One possible final answer found in the completion."""

    text: str
    """The raw answer text (LaTeX kept; nested boxes unwrapped)."""
    strategy: str
    start: int = 0
    end: int = 0
    problem: Reason | None = None
    """Set when the candidate itself is unusable (empty, nested box, a padded run ...)."""
    context: str = ""
    """``last_number``: the sentence around the number; ``run_text``: see below."""
    run_text: str = ""
    """``last_number``: the whole run of numbers ending with this one (for collection references)."""
    unfinished: bool = False
    """An ``<answer>`` never closed, or a box whose brace never closes (see the module doc)."""


@dataclass(frozen=True, slots=True)
class Extraction:
    """What :func:`extract` found."""

    strategy: str | None
    candidates: tuple[Candidate, ...] = ()
    explicit: tuple[Candidate, ...] = ()
    """Candidates of every explicit strategy (not only the winner), for cross-checks."""
    restated: bool = False
    truncated: bool = False
    blanked_candidates: bool = False
    """Something was found only inside blanked copies of the prompt."""
    completion: str = ""
    """The text that was searched (prompt copies blanked), which candidates' positions index."""
    cut_off: bool = False
    """The text ends right after the opening of an answer (``<answer``, ``\\boxed{``): cut off while giving it."""
    notes: list[str] = field(default_factory=list)


# ---- boxes (read by :mod:`rewardlab.verifiers.common.boxes`) -----------------------------------
_BOX_PROBLEMS = {None: None, "empty": Reason.EMPTY_ANSWER, "nested": Reason.NESTED_BOX}


_BOX_HINT = "box"
assert all(_BOX_HINT in command for command in BOX_COMMANDS), "every box command must hold _BOX_HINT"


def _box_candidates(text: str, strategy: str, offset: int = 0, *, unfinished: bool = False) -> list[Candidate]:
    """The boxes of ``text``, then the unfinished ones after the last complete box (``unfinished``:
    every candidate is marked unfinished, as the boxes of an unclosed ``<answer>`` are)."""
    if _BOX_HINT not in text:  # no box command can be in it (a cheap test before the brace scan)
        return []
    found = read_boxes(text)
    out = [
        Candidate(b.text, strategy, offset + b.start, offset + b.end, _BOX_PROBLEMS[b.problem], unfinished=unfinished)
        for b in found
    ]
    if BOX_OPEN.search(text, max((b.end for b in found), default=0)) is None:
        return out  # no box opens after the last complete one (a cheap test before the scan)
    out.extend(
        Candidate(body, strategy, offset + start, offset + stop, unfinished=True)
        for start, stop, body in unfinished_boxes(text)
    )
    return out


_GAP_WRAPPERS = re.compile(
    r"\\(?:text|textbf|textrm|mathrm|mbox)\s*\{([^{}]*)\}|\\[()\[\]]|\$|\\q?quad|\\[,;:! ]|~|\\\\"
)
_GAP_STOP = re.compile(
    r"\b(?:or|no|not|nor|wait|actually|sorry|instead|but|maybe|perhaps|either|wrong|incorrect|correct(?:ion|ed)?)\b|\?",
    re.IGNORECASE,
)
_GAP_WORD = re.compile(r"[A-Za-z()]+")
MAX_GAP_WORDS = 5


def joins_boxes(gap: str) -> bool:
    r"""Whether the text between two boxes makes them one answer (``\boxed{1}, \boxed{2}``,
    ``\boxed{(2, 2)} \quad \text{and} \quad \boxed{(6, 2)}``, "... papers and ..."), not a
    correction or a hedge (``\boxed{3} wait \boxed{4}``, "or", "no").

    >>> joins_boxes(r" \quad \text{and} \quad "), joins_boxes(" wait, "), joins_boxes(" or ")
    (True, False, False)
    """
    plain = _GAP_WRAPPERS.sub(lambda m: f" {m.group(1) or ''} ", gap)
    if not plain.strip(" \t\n,;."):
        return True
    if _GAP_STOP.search(plain) or len(plain) > 80:
        return False
    words = _GAP_WORD.findall(plain)
    return len(words) <= MAX_GAP_WORDS and ("," in plain or any(w.lower() == "and" for w in words))


def box_groups(text: str, boxes: Sequence[tuple[int, int, str]]) -> list[list[tuple[int, int, str]]]:
    """Consecutive boxes joined by :func:`joins_boxes` gaps, in order."""
    groups: list[list[tuple[int, int, str]]] = []
    for box in boxes:
        if groups and joins_boxes(text[groups[-1][-1][1] : box[0]]):
            groups[-1].append(box)
        else:
            groups.append([box])
    return groups


# ---- line and phrase markers --------------------------------------------------------------------
_TAG = re.compile(r"<answer>((?:(?!<answer>).)*?)</answer>", re.IGNORECASE | re.DOTALL)
"""A closed answer tag: the nearest ``<answer>`` before a ``</answer>``."""
_TAG_OPEN = re.compile(r"<answer>", re.IGNORECASE)
_CUT_CLOSING = re.compile(r"</(?:a(?:n(?:s(?:w(?:e(?:r)?)?)?)?)?)?\s*$", re.IGNORECASE)
"""A closing tag cut off at the end of the text (``</``, ``</ans``, ``</answer``)."""
_CUT_OPENING = re.compile(
    r"(?:" + CUT_ANSWER_TAG + r"|\\(?:" + "|".join(BOX_COMMANDS) + r")(?:\s*\{)?)\s*$", re.IGNORECASE
)
"""The opening of an answer at the very end of the text, nothing in it: ``<answer``, ``<answer>``, ``\\boxed{``."""
_GSM8K = re.compile(r"^[ \t]*####[ \t]*(.*?)[ \t]*$", re.MULTILINE)
_A_LINE = re.compile(r"^[ \t]*A[ \t]*:[ \t]*(.*?)[ \t]*$", re.MULTILINE)
_ANSWER_IS = re.compile(
    r"(?:\bfinal\s+answer|\banswer)\s*[*_]*\s*(?:\bis\b|\bwould\s+be\b|\bwill\s+be\b|:|=)[ \t]*[*_:]*[ \t]*",
    re.IGNORECASE,
)
_ANSWER_WORD = re.compile("answer", re.IGNORECASE)
"""Every match of :data:`_ANSWER_IS` holds this word (same flags): where the first one is, the scan starts."""
_SENTENCE_END = re.compile(r"\.(?=\s|$)|!(?=\s|$)(?!\s*=)|\?(?=\s|$)|\n")
"""A sentence ends at ``.``, ``!`` (not a factorial: ``3! = 6``), ``?`` or a line break."""
_DISPLAY_OPEN = re.compile(r"\s*(\$\$|\\\[)")  # used with .match(text, pos)
_EXPLANATION = re.compile(
    r"(?:,?\s+|\s*\(\s*)(?:because|since|as\s+(?:we|it|there|the|this)|which|whose|so\s+that|given\s+that|due\s+to"
    r"|from|giving|yielding|that\s+is|i\.e\.?|or\s+equivalently|equivalently|in\s+other\s+words|rather\s+than"
    r"|instead\s+of)(?!\w)|;\s",
    re.IGNORECASE,
)
_EVALUATES = re.compile(
    r"^\s*[,(]?\s*(?:which\s+(?:is(?:\s+equal\s+to)?|equals|gives|makes|comes\s+to|evaluates\s+to|simplifies\s+to"
    r"|works\s+out\s+to)|giving|yielding|that\s+is,?|i\.e\.,?|or\s+equivalently,?|equivalently,?)\s*",
    re.IGNORECASE,
)
_VALUE_END = re.compile(r"\.(?=\s|$)|[;!?\n]|,\s|\s+(?:and|but|so|since|because|as|which|for|when|where)\b", re.I)
_VALUE_MARK = re.compile(r"\d|\\")


def _evaluated(answer: str, clause: str) -> tuple[str, int] | None:
    """ "$5!$, which is $120$", "3 cubed, giving 27", "$\\sqrt{49}$, which equals $7$": a clause that gives
    the value of an unevaluated answer. Returns the answer to grade -- the chain ``5! = 120`` (its
    members must agree; it answers with its last member), or the value alone when the answer is not
    read (``3 cubed``) -- and where the value ends in ``clause``. ``None`` when the answer is already a
    number literal (``12, which is even``: an explanation), when the clause is no evaluation
    (", whose square is $5$", ", which is less than 30", ", which is odd") or when the value is a
    rounded decimal of an irrational answer (``\\sqrt{2}, which is 1.414``)."""
    link = _EVALUATES.match(clause)
    if link is None:
        return None
    stop = _VALUE_END.search(clause, link.end())
    end = stop.start() if stop else len(clause)
    raw = clause[link.end() : end].rstrip(" )")
    value = strip_math_delimiters(raw)
    if not value or (not _VALUE_MARK.search(value) and parse_number(clean_answer(value)) is None):
        return None
    read = read_value(value)
    if read is None or read.kind == "relation" or _multi_run(value):
        return None
    before = strip_math_delimiters(answer.strip().rstrip(","))
    literal = parse_number(clean_answer(before))
    if literal is not None:
        # "12, which is 3 \\times 4", "$\\frac13$, i.e. $0.33$": an explanation; one that contradicts the
        # answer ("$0.25$ (that is, $\\frac15$)") makes it a false equation, which is no value
        return None if _agrees(literal, read, value) else (f"{before} = {value}", link.end() + len(raw))
    mine = read_value(before)
    if mine is None:
        return value, link.end() + len(raw)
    if _decimal_of_irrational(mine, read, value):
        return None
    return f"{before} = {value}", link.end() + len(raw)


def _agrees(literal: object, read: object, text: str) -> bool:
    """A number literal and the value a clause restates it as are the same (or the value is the
    literal rounded to the digits it writes), or the value is not a constant to compare."""
    from fractions import Fraction

    mine = literal.value  # type: ignore[attr-defined]
    number = parse_number(clean_answer(text))
    if number is not None:
        if number.value == mine or number.percent:
            return True
        return number.decimals > 0 and abs(number.value - mine) <= Fraction(1, 2) / 10**number.decimals
    form = getattr(read, "form", None)
    if form is None or not form.constant():
        return True
    exact = form.rational()
    return exact is None or exact == mine


def _decimal_of_irrational(mine: object, value: object, text: str) -> bool:
    number = parse_number(clean_answer(text))
    if number is None or number.decimals == 0:
        return False
    form = getattr(mine, "form", None)
    return form is not None and form.constant() and form.rational() is None


_HYPOTHETICAL = re.compile(
    r"\b(?:assume|assuming|suppose|supposing|if|let's\s+say|let\s+us\s+say|guess|test|testing|try|trying)\b[^.!?\n]*$",
    re.IGNORECASE,
)
_RETRACTION = re.compile(
    r"^[\s.]*(?:\.\.\.|…)?[\s,]*(?:actually|wait|hmm|oops|no\s*[,:]|sorry|correction|i\s+made\s+a\s+mistake|"
    r"that'?s\s+wrong|let\s+me\s+(?:re)?check)\b",
    re.IGNORECASE,
)


_STATED = re.compile(r"\b(?:is|are|equals|was|were)\b\s*(?P<value>[^=]+?)\s*$", re.IGNORECASE)
_PROSE_SUBJECT = re.compile(r"[A-Za-z]{3,}")


def _tag_candidates(text: str) -> list[Candidate]:
    """Closed ``<answer>`` tags and unfinished ones (never closed: up to the next opening), in order."""
    found = []
    closed = list(_TAG.finditer(text))
    for m in closed:
        body = m.group(1)
        boxes = _box_candidates(body, "answer_tag", m.start(1))
        if boxes:
            found.extend(boxes)
            continue
        stripped = body.strip()
        problem = Reason.EMPTY_ANSWER if is_blank(stripped) else None
        found.append(Candidate(stripped, "answer_tag", m.start(1), m.end(1), problem))
    starts = {m.start() for m in closed}
    openings = list(_TAG_OPEN.finditer(text))
    for i, m in enumerate(openings):
        if m.start() in starts:
            continue
        stop = openings[i + 1].start() if i + 1 < len(openings) else len(text)
        body = text[m.end() : stop]
        if stop == len(text):
            body = _CUT_CLOSING.sub("", body)
        boxes = _box_candidates(body, "answer_tag", m.end(), unfinished=True)
        if boxes:
            found.extend(boxes)
        elif not is_blank(body.strip()):
            found.append(Candidate(body.strip(), "answer_tag", m.end(), stop, unfinished=True))
    return sorted(found, key=lambda c: c.start)


def _line_candidates(text: str, pattern: re.Pattern[str], strategy: str) -> list[Candidate]:
    found = []
    for m in pattern.finditer(text):
        body = m.group(1).strip()
        problem = Reason.EMPTY_ANSWER if is_blank(body) else None
        found.append(Candidate(body, strategy, m.start(1), m.end(1), problem))
    return found


def _answer_is_scan_start(text: str) -> int | None:
    """Where :data:`_ANSWER_IS` can first match (None: nowhere), found with a cheap literal scan.

    A match is "answer" or "final", whitespace, "answer": it starts at the first "answer" or at
    the "final" that ends where the whitespace before it starts. Scanning from there finds the
    same matches as scanning the whole text (the slow part of the pattern is its start).
    """
    if text.isascii():  # ASCII: lower() is the pattern's case folding, and a plain find is fast
        j = text.lower().find("answer")
        if j < 0:
            return None
    else:
        first = _ANSWER_WORD.search(text)
        if first is None:
            return None
        j = first.start()
    while j > 0 and text[j - 1].isspace():
        j -= 1
    return max(0, j - len("final"))


def _answer_is_candidates(text: str) -> list[Candidate]:
    found: list[Candidate] = []
    scan_from = _answer_is_scan_start(text)
    if scan_from is None:
        return found
    for m in _ANSWER_IS.finditer(text, scan_from):
        if _HYPOTHETICAL.search(text[max(0, m.start() - 60) : m.start()]):
            continue  # "Let's assume the answer is 19 and check": not a final answer
        start = m.end()
        line_end = text.find("\n", start)
        line_end = len(text) if line_end < 0 else line_end
        if not text[start:line_end].strip():
            # "The final answer is:\n\n$$ 42 $$": the next non-empty line (or display block)
            nxt = start
            while nxt < len(text) and text[nxt] in " \t\r\n":
                nxt += 1
            if nxt >= len(text) or nxt - start > 200:
                continue
            start = nxt
            opener = _DISPLAY_OPEN.match(text, start)
            if opener:
                closer = "$$" if opener.group(1) == "$$" else "\\]"
                close_at = text.find(closer, opener.end())
                if close_at < 0:
                    continue
                end = close_at + len(closer)
                found.append(Candidate(text[start:end].strip(), "answer_is", start, end))
                continue
        stop = _SENTENCE_END.search(text, start)
        end = stop.start() if stop else len(text)
        if stop is not None and stop.group(0) == "?":
            end = stop.end()  # "Answer: 80?" is a question, kept for the hedge check
        body = text[start:end].strip()
        if not body:
            continue
        # "The answer is 42, because 6 times 7 is 42": the explanation is not part of the answer,
        # but it stays in ``context`` for the hedge check
        why = _EXPLANATION.search(body)
        answer = body[: why.start()].strip() if why and why.start() > 0 else body
        if why and why.start() > 0 and (evaluated := _evaluated(answer, body[why.start() :])) is not None:
            answer = evaluated[0]  # "The answer is $6!$, which is $720$": the value it is said to have
        # "Final Answer: The volume of $ABCDEFGH$ is 120": the value after the verb
        stated = _STATED.search(answer)
        if stated is not None and _PROSE_SUBJECT.search(answer[: stated.start()]):
            answer = stated.group("value").strip()
        found.append(Candidate(answer, "answer_is", start, end, context=body if answer != body else ""))
    # "Final Answer: The final answer is $42$": the inner statement is the answer
    found = [c for i, c in enumerate(found) if not any(c.start <= o.start < c.end for o in found[i + 1 :])]
    if found:
        found.extend(_retracted(text, found[-1]))
    return found


def _retracted(text: str, last: Candidate) -> list[Candidate]:
    """ "The answer is 74... actually no, it is 89.": the value after a retraction is another final
    answer (strict: two answers; lenient: the last one is graded)."""
    after = text[last.end :]
    retraction = _RETRACTION.match(after)
    if retraction is None:
        return []
    rest = after[retraction.end() :]
    for found in (_last_math(rest), _last_number(rest)):
        if found:
            c = found[-1]
            offset = last.end + retraction.end()
            return [Candidate(c.text, "answer_is", offset + c.start, offset + c.end, c.problem, c.context, c.run_text)]
    return []


# ---- the last number ----------------------------------------------------------------------------
_SEP = re.compile(
    r"(?:\s|,|;|\||&|\.\.\.|…|\\ldots|\\dots|\\cdots|\\quad|\\,|\band\b|\bor\b|\\text\{\s*or\s*\})+", re.I
)
_OR = re.compile(r"\bor\b", re.IGNORECASE)
_SENTENCE_BOUNDARY = re.compile(r"(?<=[.!?])\s+|\n")


def _value_key(token: str) -> object:
    number = parse_number(clean_answer(token))
    return number.value if number is not None else token.strip()


_BEFORE_OPERAND = re.compile(
    r"(?:[-+*/^_<>|]|[\^_]\s*\(|(?:[\^_}]|\\(?:sqrt|frac|binom|log))\s*\{|\\(?:cdot|times|div|le|leq|ge|geq|lt|gt|ne|neq|pm|mp|sqrt|frac))\s*$"
)
_AFTER_OPERAND = re.compile(
    r"^(?:\s*(?:[-+*/^_<>|!]|\\(?:cdot|times|div|le|leq|ge|geq|lt|gt|ne|neq|pm|mp)(?![A-Za-z]))"
    r"|[A-Za-z(]|\\(?!text|mbox|mathrm|quad|qquad)[A-Za-z])"
)
_ATTACHED_UNIT = re.compile(
    r"^(?:mm|cm|km|m|kg|mg|g|ml|l|L|s|h|hrs?|min|ft|in|yd|mi|lb|lbs|oz|mph|kmh|km/h|m/s|pm|am|k|K|M|B|st|nd|rd|th)"
    r"(?:\^\{?[23]\}?)?(?![A-Za-z0-9])"
)


def embedded(text: str, start: int, end: int) -> bool:
    """Whether the number at ``text[start:end]`` is part of a larger expression or a relation.

    >>> embedded("so 2^{n-1} ways", 8, 9), embedded("so x = 7.", 7, 8), embedded("f(u) < 0", 7, 8)
    (True, False, True)
    """
    before = text[max(0, start - 16) : start]
    if _BEFORE_OPERAND.search(before):
        # a sign that starts the number ("= -3", "is -3") is not an operator
        stripped = before.rstrip()
        if not (stripped.endswith("-") or stripped.endswith("+")) or _operand_before(stripped[:-1]):
            return True
    after = text[end : end + 12]
    return bool(_AFTER_OPERAND.match(after)) and not _ATTACHED_UNIT.match(after)


def _operand_before(text: str) -> bool:
    t = text.rstrip()
    return bool(t) and (t[-1].isalnum() or t[-1] in ")]}")


_REPLACED_TAIL = re.compile(r"(?:^\s*|,\s*)(?:and\s+)?(?:not|rather\s+than|instead\s+of)\s+\$?$", re.IGNORECASE)


def _replaces(gap: str) -> bool:
    """The text between two values says the second is replaced by the first ("42 of them, not 41")."""
    return len(gap) <= 40 and not _SENTENCE_BOUNDARY.search(gap) and bool(_REPLACED_TAIL.search(gap))


def _last_number(text: str) -> list[Candidate]:
    tokens = [t for t in number_tokens(text) if not embedded(text, t.start(), t.end())]
    if not tokens or len(_WORDS_AFTER.findall(text, tokens[-1].end())) > MAX_WORDS_AFTER_NUMBER:
        return []
    # runs of numbers separated only by separators
    runs: list[list[int]] = [[0]]
    for i in range(1, len(tokens)):
        gap = text[tokens[i - 1].end() : tokens[i].start()]
        if gap and _SEP.fullmatch(gap):
            runs[-1].append(i)
        else:
            runs.append([i])
    if len(tokens) > 1 and _replaces(text[tokens[-2].end() : tokens[-1].start()]):
        # "71, not 69 as one might think": the value kept, not the one it replaces
        tokens = tokens[:-1]
        runs = runs[:-1] if len(runs[-1]) == 1 else [*runs[:-1], runs[-1][:-1]]
    last_run = runs[-1]
    last = tokens[last_run[-1]]
    run_start = tokens[last_run[0]].start()
    run_text = text[run_start : last.end()]
    values = {_value_key(tokens[i].group(0)) for i in last_run}
    problem: Reason | None = None
    if max(len(r) for r in runs) >= PADDING_ANYWHERE or (len(last_run) >= PADDING_RUN and len(values) > 1):
        problem = Reason.PADDING
    elif len(values) > 1:
        problem = Reason.HEDGED if _OR.search(run_text) else Reason.MULTIPLE_CANDIDATES
    # the sentence around the number, for the hedge check
    sent_start = 0
    for b in _SENTENCE_BOUNDARY.finditer(text, 0, last.start()):
        sent_start = b.end()
    nxt = _SENTENCE_BOUNDARY.search(text, last.end())
    context = text[sent_start : nxt.start() if nxt else len(text)]
    return [
        Candidate(
            last.group(0).strip(),
            "last_number",
            last.start(),
            last.end(),
            problem,
            context=context.strip(),
            run_text=run_text,
        )
    ]


# ---- the last math span / final expression -------------------------------------------------------
_MATH_SPAN = re.compile(
    r"\$\$(?P<d>.+?)\$\$|\\\[(?P<b>.+?)\\\]|\\\((?P<p>.+?)\\\)|(?<![\\$])\$(?P<i>[^$]+?)(?<!\\)\$", re.DOTALL
)
_FINAL_VERB = re.compile(r"\b(?:is|are|equals|be|was|were|gives|get|obtain|becomes)\b", re.IGNORECASE)
_FINAL_SIGN = re.compile(r"=|:")
_PROSE_WORDS = re.compile(r"[A-Za-z]{3,}\s+[A-Za-z]{2,}\s+[A-Za-z]{2,}")
_TEXT_ARG = re.compile(r"\\[A-Za-z]+\s*(?:\{[^{}]*\})?")
_SPAN_JOIN = re.compile(r"\s*(?:,|;|,?\s*\band\b|,?\s*\bor\b)\s*", re.IGNORECASE)
_TRAILER = re.compile(r"^[\s.,;:!)\]*_]*$")
MAX_SPAN_CHARS = 400
MAX_WORDS_AFTER_NUMBER = 12
"""More words than this after the last number: it is not a final answer (the text went on)."""
_OPTION = re.compile(r"\(?[A-Za-z]\)")
MAX_WORDS_AFTER = 10
"""More words than this after the last math span ("I hope it is correct." is fine): it is not the end."""
_WORDS_AFTER = re.compile(r"[A-Za-z]+")
MAX_WHOLE_CHARS = 120


def number_run(text: str) -> bool:
    """Only numbers and separators (``1, 2 and 3``): the ``last_number`` strategy judges runs."""
    tokens = number_tokens(text)
    if not tokens:
        return False
    pos = 0
    for t in tokens:
        gap = text[pos : t.start()]
        if gap.strip() and not _SEP.fullmatch(gap) and gap.strip() not in ("$", "$$"):
            return False
        pos = t.end()
    rest = text[pos:].strip(" .$")
    return not rest


def _plain_number(text: str) -> bool:
    """A number literal the ``last_number`` strategy reads as well ("12 in all"), unlike ``10^{3}``."""
    if parse_number(clean_answer(text)) is None:
        return False
    tokens = number_tokens(text)
    return len(tokens) == 1 and not embedded(text, tokens[0].start(), tokens[0].end())


def _multi_run(text: str) -> bool:
    """Several numbers in a run, not one literal written with separators (``8\\,699\\,789``)."""
    return number_run(text) and len(number_tokens(text)) > 1 and parse_number(clean_answer(text)) is None


def _readable(text: str) -> bool:
    clean = clean_answer(text)
    return bool(clean) and (parse_number(clean) is not None or read_value(text) is not None)


def _last_sentence(text: str) -> tuple[int, str]:
    start = 0
    for b in _SENTENCE_BOUNDARY.finditer(text, 0, max(0, len(text.rstrip().rstrip(".!")) - 1)):
        start = b.end()
    return start, text[start:]


_QUALIFIER = re.compile(
    r"\b(?:for\s+(?:all|every|each|any|some)|where|whenever|when|since|because|if|unless|provided|with)\b|\(",
    re.IGNORECASE,
)
_PREDICATE_END = re.compile(r"(?:\b(?:is|are|equals|be|was|were|becomes|gives|get|obtain)|=)\s*$", re.IGNORECASE)


def _qualifies(text: str, answer: re.Match[str], qualifier: re.Match[str]) -> bool:
    """Whether ``qualifier`` is a span inside a clause that qualifies the span ``answer`` stated
    before it in the same sentence ("... is $X$ for every $n \\ge 1$", "... is $X$ in total, since ...")."""
    gap = text[answer.end() : qualifier.start()]
    if _SENTENCE_BOUNDARY.search(gap) or not _QUALIFIER.search(gap):
        return False
    inner = next(g for g in answer.groups() if g is not None).strip()
    return bool(_PREDICATE_END.search(text[max(0, answer.start() - 40) : answer.start()])) and _readable(inner)


_CLAUSE_BREAK = re.compile(
    r",\s*(?:which|whose|giving|yielding|since|because|as\s+(?:required|desired|claimed|expected)|where|whenever"
    r"|when|unless|provided|given\s+that|so\s+that)\b|,?\s+for\s+(?:all|every|each|any|some)\b|\s*\((?:for|where|when|since|if|with)\b",
    re.IGNORECASE,
)
_TRAILING_PHRASE = re.compile(r"\s+(?:in\s+total|in\s+all|altogether|overall|exactly)\s*$", re.IGNORECASE)


def _main_clause(text: str) -> list[Candidate]:
    """ "So the result is X, which satisfies $x > 0$." / "... is X for every $n \\ge 1$": the value stated
    by the final sentence's main clause, before a qualifying clause (which may hold math of its own)."""
    start, sentence = _last_sentence(text)
    cut = _CLAUSE_BREAK.search(sentence)
    if cut is None:
        return []
    main = sentence[: cut.start()]
    spans = list(_MATH_SPAN.finditer(main))
    stated: tuple[str, int] | None = None
    if spans and not main[spans[-1].end() :].strip(" ,.;:"):
        inner = next(g for g in spans[-1].groups() if g is not None).strip()
        stated = (inner, spans[-1].start()) if _readable(inner) else None
    verbs = list(_FINAL_VERB.finditer(main))
    if stated is None and verbs:
        expr = _TRAILING_PHRASE.sub("", main[verbs[-1].end() :]).strip()
        if expr and not _multi_run(expr):
            stated = (expr, main.index(expr, verbs[-1].end()))
    if stated is None:
        return []
    evaluated = _evaluated(stated[0], sentence[cut.start() :])
    if evaluated is not None:  # "So the number of orders is $5!$, which is $120$."
        at = start + stated[1]
        return [Candidate(evaluated[0], "last_math", at, start + cut.start() + evaluated[1], context=sentence)]
    if not _readable(stated[0]):
        return []
    at = start + stated[1]
    end = at + len(stated[0]) if stated[0] in main[stated[1] :] else start + len(main)
    if spans and stated[0] == next(g for g in spans[-1].groups() if g is not None).strip():
        end = start + spans[-1].end()
    return [Candidate(stated[0], "last_math", at, end, context=main)]


_CONNECTIVE = re.compile(r"^\s*(?:therefore|thus|so|hence|finally|then|consequently)\b,?\s*", re.IGNORECASE)
_RAY = re.compile(
    r"(?:(?P<var>\$?[A-Za-z]\$?)\s+(?:can|could|must|may)\s+be\s+)?(?:any|all|every)\s+(?:real\s+)?"
    r"(?:numbers?|values?|reals?)\s+(?:that\s+(?:is|are)\s+)?"
    r"(?P<rel>(?:strictly\s+)?(?:greater|larger|more|less|smaller)\s+than(?P<eq>\s+or\s+equal\s+to)?|at\s+least|at\s+most)"
    r"\s+(?P<bound>\$[^$]{1,40}\$|-?\d+(?:\.\d+)?)",
    re.IGNORECASE,
)


def _ray_in_words(sentence: str) -> str | None:
    """ "x can be any real number greater than or equal to $4$" -> ``x \\ge 4`` (a relation to compare)."""
    m = _RAY.search(sentence)
    if m is None:
        return None
    rel = m.group("rel").lower()
    upward = any(w in rel for w in ("greater", "larger", "more", "least"))
    closed = bool(m.group("eq")) or "at " in rel
    op = ("\\ge" if closed else ">") if upward else ("\\le" if closed else "<")
    var = (m.group("var") or "x").strip("$")
    bound = m.group("bound").strip("$")
    text = f"{var} {op} {bound}"
    return text if read_value(text) is not None else None


_STATEMENT = re.compile(
    r"\b(?:is|are|was|were|equals|be|becomes|gives|get|obtain|makes|yields|totals?"
    r"|comes?\s+(?:out\s+)?to|amounts?\s+to|adds?\s+up\s+to)\b",
    re.IGNORECASE,
)
_QUANTITY_VERB = re.compile(r"^(?:totals?|comes?|amounts?|adds?|makes|equals|yields)\b", re.IGNORECASE)
_CLOSING = re.compile(
    r"^(?:(?:the|our|my|this|that|a|an)\s+)?(?:(?:final|correct|right|required|desired|same)\s+)?"
    r"(?:answer|solution|result|case|conclusion)\b|^(?:the|this|that)\s+(?:\w+\s+)?one\b"
    r"|^(?:correct|right|true|valid|wrong|incorrect|done|complete|final|it|that|this|these|those|so|clear|obvious"
    r"|fine|ok|okay|good|consistent|reasonable|plausible|verified|confirmed|satisfied|as|because|since|due|why"
    r"|how|what|not|also|indeed|here|shown|above|below|there)\b",
    re.IGNORECASE,
)
_UNSURE_SUBJECT = re.compile(r"\b(?:hope|think|believe|sure|check|checked|verify|verified|confident)\b", re.IGNORECASE)
_CONCLUDES = re.compile(
    r"^\W*(?:so|thus|therefore|hence|finally|consequently|altogether|overall|in\s+(?:all|total|sum)"
    r"|(?:the|our)\s+(?:final\s+)?(?:answer|total|result|sum|number|count|value|amount))\b"
    r"|\bthere\s+(?:are|is|were|was)\b",
    re.IGNORECASE,
)
MAX_STATED_WORDS = 10
"""The longest complement ("the same as the number of boxes") taken as a value stated in words."""
_SPELLED_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_OPERATION_AFTER = frozenset(
    [
        "times",
        "more",
        "less",
        "fewer",
        "than",
        "plus",
        "minus",
        "over",
        "divided",
        "multiplied",
        "squared",
        "cubed",
        "out",
    ]
)
_OPERATION_BEFORE = frozenset(["plus", "minus", "times", "over", "by", "of"])
_DETERMINER = frozenset(
    ["the", "this", "that", "each", "every", "any", "no", "which", "another", "same", "other", "a", "an"]
)


def _spelled_numbers(sentence: str) -> list[tuple[int, int]]:
    """Where ``sentence`` spells a number in words ("seventy-five stamps", "a dozen", "two fifths"), as
    ``last_number`` finds digits: never an operand ("three times as many", "ten minus two") and never
    a bare "one" that is a pronoun ("one of them", "the one"), only one that ends the sentence."""
    words = list(_SPELLED_WORD.finditer(sentence))
    found: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        head = words_head(sentence[words[i].start() :])
        if head is None:
            i += 1
            continue
        a, b = words[i].start(), words[i].start() + head[1]
        j = i + 1
        while j < len(words) and words[j].end() <= b:
            j += 1
        before = words[i - 1].group(0).lower() if i > 0 else ""
        after = words[j].group(0).lower() if j < len(words) else ""
        bare_one = sentence[a:b].lower() == "one"
        if after in _OPERATION_AFTER or before in _OPERATION_BEFORE or (bare_one and (after or before in _DETERMINER)):
            i = j
            continue
        found.append((a, b))
        i = j
    return found


def _stated_in_words(text: str) -> list[Candidate]:
    """ "... $5 + 7 = 12$.\n\nSo the total is thirteen.": the final sentence states the value in words,
    after the reasoning's last math. It is the answer -- the last number it spells
    (:func:`_spelled_numbers`), else what its concluding verb states ("So the count comes to several
    dozen.", graded as it is, and refused) -- never a span or a number of an earlier sentence. A
    closing remark ("I hope it is correct.", "We are done.") states nothing: the sentence before it is
    read instead."""
    end = len(text)
    for _ in range(2):
        start, sentence = _last_sentence(text[:end])
        if not sentence.strip() or _MATH_SPAN.search(sentence) or number_tokens(sentence) or "\\" in sentence:
            return []
        verbs = list(_STATEMENT.finditer(sentence))
        verb = verbs[-1] if verbs else None
        complement = ""
        if verb is not None:
            complement = sentence[verb.end() :].strip().rstrip(".!").strip()
            complement = _TRAILING_PHRASE.sub("", complement).strip(" ,;:")
        spelled = _spelled_numbers(sentence)
        if spelled:
            a, b = spelled[-1]
            return [Candidate(sentence[a:b], "last_math", start + a, start + b, context=sentence.strip())]
        if (
            verb is None
            or not complement
            or _CLOSING.match(complement)
            or _UNSURE_SUBJECT.search(sentence[: verb.start()])
        ):
            end = start  # a closing remark: the sentence before it
            continue
        if len(complement.split()) > MAX_STATED_WORDS or "?" in complement:
            return []
        if _CONCLUDES.search(sentence) or _QUANTITY_VERB.match(verb.group(0)):
            at = start + sentence.index(complement, verb.end())
            return [Candidate(complement, "last_math", at, at + len(complement), context=sentence.strip())]
        return []
    return []


_PLAIN_WORD = re.compile(r"[A-Za-z]{2,}")


def _whole_sentence(text: str, end: int) -> str:
    """The sentence of the answer ending at ``end``, with what follows the answer in it ("$30$ tickets,
    possibly more"), for the hedge and negation checks."""
    before, _ = _last_sentence(text[:end])
    nxt = _SENTENCE_BOUNDARY.search(text, end)
    return text[before : nxt.start() if nxt else len(text)].strip()


def _last_math(text: str) -> list[Candidate]:
    """The unanchored final answer (see the module doc), or nothing."""
    start, sentence = _last_sentence(text)
    ray = _ray_in_words(sentence)
    if ray is not None:  # "x can be any real number greater than $3$"
        return [Candidate(ray, "last_math", start, start + len(sentence), context=sentence.strip())]
    stated = _main_clause(text) or _stated_in_words(text)
    if stated:
        return stated
    spans = list(_MATH_SPAN.finditer(text)) if "$" in text or "\\" in text else []
    for i in range(len(spans) - 1, max(-1, len(spans) - 4), -1):
        m = spans[i]
        after = text[m.end() :]
        if number_tokens(after) or _MATH_SPAN.search(after):
            break
        inner = next(g for g in m.groups() if g is not None).strip()
        if not inner or len(inner) > MAX_SPAN_CHARS or len(_WORDS_AFTER.findall(after)) > MAX_WORDS_AFTER:
            break
        if _multi_run(inner):
            break  # a run of numbers: the last_number strategy judges runs (hedges, padding)
        if _readable(inner) and not BOX_OPEN.search(inner):
            if i > 0 and (_replaces(text[spans[i - 1].end() : m.start()] + "$") or _qualifies(text, spans[i - 1], m)):
                # "the result is $X$ (for all $x \neq 0$)": the qualifier's span is not the answer
                m = spans[i - 1]
                inner = next(g for g in m.groups() if g is not None).strip()
                i -= 1
            # "$0$ and $k$": spans joined only by separators are one answer
            first = i
            while first > 0 and _SPAN_JOIN.fullmatch(text[spans[first - 1].end() : spans[first].start()]):
                first -= 1
            start = spans[first].start()
            answer = inner if first == i else text[start : m.end()]
            return [Candidate(answer, "last_math", start, m.end(), context=_whole_sentence(text, m.end()))]
        if "\\" in inner and not _PROSE_WORDS.search(_TEXT_ARG.sub(" ", inner)):
            # LaTeX the native reader does not know (\sum, \int ...): the symbolic path may
            _, sentence = _last_sentence(text[: m.end()])
            return [Candidate(inner, "last_math", m.start(), m.end(), context=sentence.strip())]
        if number_tokens(inner):
            break
    if spans and number_tokens(text[spans[-1].end() :]) == []:
        return []
    stripped = text.strip()
    if stripped and len(stripped) <= MAX_WHOLE_CHARS and "\n" not in stripped:
        whole = stripped[:-1] if stripped.endswith(".") else stripped
        if _OPTION.fullmatch(whole) or (not _multi_run(whole) and _readable(whole) and not BOX_OPEN.search(whole)):
            return [Candidate(whole, "last_math", 0, len(text))]
    start, sentence = _last_sentence(text)
    body = _CONNECTIVE.sub("", sentence).strip().rstrip(".!").strip()
    if body != sentence.strip() and not _multi_run(body) and not _plain_number(body) and _readable(body):
        # "Therefore x = 8, y = 9, z = 5."
        at = start + sentence.index(body)
        return [Candidate(body, "last_math", at, at + len(body), context=sentence.strip())]
    # "... is <expr>.": after the last verb whose rest reads as a value, else after "=" / ":"
    for pattern in (_FINAL_VERB, _FINAL_SIGN):
        for m in reversed(list(pattern.finditer(sentence))):
            expr = sentence[m.end() :].strip().rstrip(".!").strip()
            if not expr or len(expr) > MAX_SPAN_CHARS or _TRAILER.match(expr):
                continue
            if _multi_run(expr) or _plain_number(expr):
                return []  # a number (or a run of them): the last_number strategy reads it
            if _PLAIN_WORD.fullmatch(expr) and number_tokens(sentence[: m.start()]):
                continue  # "... is 30 and nothing above it is allowed": a word after a value is said of it
            if _OPTION.fullmatch(expr) or _readable(expr):
                at = start + sentence.index(expr, m.end())
                return [Candidate(expr, "last_math", at, at + len(expr), context=sentence.strip())]
    return []


_OPTION_MARKER = re.compile(r"\b(?:option|choice)\s*\(?([A-Za-z])\)?(?![A-Za-z])", re.IGNORECASE)
_WORD_PREDICATE = re.compile(
    r"\b(?:is|are|was|were|be|becomes|seems)\s+(?:(?:a|an|the)\s+)?(?P<word>[A-Za-z][A-Za-z-]+)"
    r"(?:\s+(?P<noun>[A-Za-z]+))?\s*[.!]?\s*$",
    re.IGNORECASE,
)
_YES_NO = re.compile(r"^\W*(?:(?:so|thus|hence|therefore)\W+)?(?P<word>yes|no)\b", re.IGNORECASE)
_NOT_ANSWER_WORDS = frozenset(
    [
        "not", "no", "never", "also", "still", "then", "thus", "true", "false", "correct", "incorrect",
        "right", "wrong", "equal", "given", "the", "a", "an", "this", "that",
    ]
)  # fmt: skip


def word_answer(text: str) -> Candidate | None:
    """A word or an option letter stated by the final sentence, for a word or letter reference:
    "the series is convergent", "$f$ is an odd function", "Only option C satisfies ...", "So yes, ...".

    >>> [word_answer(t).text for t in ("Hence the series is convergent.", "Only option (C) works.", "So yes, it does.")]
    ['convergent', 'C', 'yes']
    >>> word_answer("The total is 12.") is None
    True
    """
    start, sentence = _last_sentence(text)
    body = sentence.strip()
    found: re.Match[str] | None = None
    for pattern in (_OPTION_MARKER, _WORD_PREDICATE, _YES_NO):
        found = pattern.search(body)
        if found is not None:
            break
    if found is None:
        return None
    word = found.group(1) if found.re is _OPTION_MARKER else found.group("word")
    if found.re is _WORD_PREDICATE and word.lower() in _NOT_ANSWER_WORDS:
        return None
    at = start + sentence.index(body) + found.start()
    return Candidate(word, "last_math", at, at + len(found.group(0)), context=body)


# ---- the prompt -------------------------------------------------------------------------------
_PROMPT_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
MIN_COPIED_CHARS = 20


@lru_cache(maxsize=1024)
def _prompt_pieces(prompt: str) -> tuple[str, ...]:
    """The prompt and its sentences long enough to count as copied (a batch repeats its prompts)."""
    pieces = [prompt.strip()] + [p.strip() for p in _PROMPT_SENTENCE.split(prompt)]
    return tuple(p for p in dict.fromkeys(pieces) if len(p) >= MIN_COPIED_CHARS)


def blank_prompt(text: str, prompt: str | None) -> tuple[str, bool]:
    """``text`` with verbatim copies of ``prompt`` (or of its long sentences) replaced by spaces.

    >>> blank_prompt("Q: Tom has 5 apples and eats 2 of them. A: 3", "Tom has 5 apples and eats 2 of them.")
    ('Q:                                      A: 3', True)
    """
    if not prompt or not text:
        return text, False
    spans: list[tuple[int, int]] = []
    for piece in _prompt_pieces(prompt):
        at = text.find(piece)
        while at >= 0:
            spans.append((at, at + len(piece)))
            at = text.find(piece, at + len(piece))
    if not spans:
        return text, False
    chars = list(text)
    for a, b in spans:
        for i in range(a, b):
            if chars[i] not in "\n":
                chars[i] = " "
    return "".join(chars), True


# ---- the entry point ----------------------------------------------------------------------------
_MARKUP = re.compile(
    r"</?(?:answer|think|thinking|reasoning|reason|solution|final|output|response|result|step|br|p|b|i|strong|em)"
    r"\b[^<>\n]{0,40}>|<\|[^|<>\n]{1,40}\|>|" + CUT_ANSWER_TAG + r"\s*$",
    re.IGNORECASE,
)
"""Markup around answers -- tags (``<answer>``, ``</think>``, ``<br/>``), chat special tokens
(``<|im_end|>``), an answer tag cut off at the end (``<ans``): no relation signs for the strategies
after ``answer_tag`` and ``boxed`` (``<answer>11`` never closed is 11, not ``< answer > 11``)."""


def _without_markup(text: str) -> str:
    """``text`` with markup blanked to spaces (same length: candidates keep their positions)."""
    if "<" not in text:
        return text
    return _MARKUP.sub(lambda m: " " * len(m.group(0)), text)


def _run(strategy: str, text: str, plain: str) -> list[Candidate]:
    """One strategy's candidates; ``plain`` is ``text`` without markup (:func:`_without_markup`, made once
    per extraction), which every strategy after ``answer_tag`` and ``boxed`` reads."""
    if strategy == "boxed":
        return _box_candidates(text, "boxed")
    if strategy == "answer_tag":
        return _tag_candidates(text) if "<" in text else []
    if strategy == "gsm8k":
        return _line_candidates(plain, _GSM8K, "gsm8k") if "####" in text else []
    if strategy == "answer_line":
        return _line_candidates(plain, _A_LINE, "answer_line") if "A" in text else []
    if strategy == "answer_is":
        return _answer_is_candidates(plain)
    if strategy == "last_math":
        return _last_math(plain)
    if strategy == "last_number":
        return _last_number(plain)
    raise ValueError(f"unknown extraction strategy '{strategy}'; expected one of {', '.join(STRATEGIES)}")


def extract(
    completion: str,
    order: Sequence[str] = DEFAULT_ORDER,
    *,
    prompt: str | None = None,
    max_chars: int = 100_000,
    cross_check: bool = True,
) -> Extraction:
    """Find the final answer candidates of ``completion`` (see the module doc)."""
    truncated = len(completion) > max_chars
    text = completion[-max_chars:] if truncated else completion
    blanked, restated = blank_prompt(text, prompt)
    plain = _without_markup(blanked)
    results: dict[str, list[Candidate]] = {}
    winner: str | None = None
    for strategy in order:
        found = _run(strategy, blanked, plain)
        results[strategy] = found
        if any(not c.unfinished for c in found):  # an unfinished marker alone never wins
            winner = strategy
            break
    explicit: list[Candidate] = []
    if cross_check:
        for strategy in order:
            if strategy in EXPLICIT:
                found = results[strategy] if strategy in results else _run(strategy, blanked, plain)
                explicit.extend(found)
    blanked_candidates = False
    if winner is None and restated:
        text_plain = _without_markup(text)
        blanked_candidates = any(not c.unfinished for s in order for c in _run(s, text, text_plain))
    return Extraction(
        strategy=winner,
        candidates=tuple(results[winner]) if winner else (),
        explicit=tuple(explicit),
        restated=restated,
        truncated=truncated,
        blanked_candidates=blanked_candidates,
        completion=blanked,
        cut_off=_CUT_OPENING.search(blanked[-64:]) is not None,
    )
