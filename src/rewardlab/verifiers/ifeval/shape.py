"""Constraints on the shape of the response: JSON, a title, quotes, two responses, start and end
phrases, no commas, letter case, repeating the prompt.

>>> Title().check("<<  >> text", "")
(False, 'no non-empty <<title>>')
>>> NoCommas().check("one\\u201a two", "")       # a look-alike comma is a comma
(False, '1 comma')
>>> Lowercase().check("all lower case here", "")
(True, 'all lower case')
"""

from __future__ import annotations

import json
import re

from pydantic import Field

from ..common.confusables import fold
from ..common.jsontext import is_empty_value, parse_json
from .base import Constraint, constraint

__all__ = [
    "EndWith",
    "JsonFormat",
    "Lowercase",
    "NoCommas",
    "Quotation",
    "RepeatPrompt",
    "StartWith",
    "Title",
    "TwoResponses",
    "Uppercase",
]

_COMMAS = re.compile(r"[,\uFF0C\u201A\u060C\u3001\uFE50\uFE51\u055D\u1802\u1808\uA4FE\uA60D]")


def _norm(text: str) -> str:
    return " ".join(fold(text).lower().split())


@constraint("json_format", ifeval_id="detectable_format:json_format")
class JsonFormat(Constraint):
    """The whole response is one JSON value (a Markdown ```json fence around it is fine).

    ``ifeval``: any JSON value, ``{}`` too, after removing the fence. ``rewardlab``: rewardlab's
    JSON reader (duplicate keys and NaN refused) and not an empty value.
    """

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        if self.semantics == "ifeval":
            return self._check_ifeval(response)
        parsed = parse_json(response, where="whole")
        if not parsed.ok:
            return False, parsed.reason or "not JSON"
        if is_empty_value(parsed.value):
            return False, "empty JSON value"
        return True, "valid JSON"

    @staticmethod
    def _check_ifeval(response: str) -> tuple[bool, str]:
        text = response.strip()
        for fence in ("```json", "```Json", "```JSON", "```"):
            text = text.removeprefix(fence)
        text = text.removesuffix("```").strip()
        try:
            json.loads(text)
        except (ValueError, RecursionError) as exc:
            return False, f"not JSON ({type(exc).__name__})"
        return True, "valid JSON"


@constraint("title", ifeval_id="detectable_format:title")
class Title(Constraint):
    """A title in double angular brackets, ``<<like this>>``, with text inside (on one line)."""

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        if self.semantics == "ifeval":
            found = [t.lstrip("<").rstrip(">").strip() for t in re.findall(r"<<[^\n]+>>", response)]
            found = [t for t in found if t]
            return (True, f"title <<{found[0]}>>") if found else (False, "no non-empty <<title>>")
        titles = [t for t in re.findall(r"<<([^\n]+?)>>", response) if t.strip()]
        return (True, f"title <<{titles[0].strip()}>>") if titles else (False, "no non-empty <<title>>")


@constraint("quotation", ifeval_id="startend:quotation")
class Quotation(Constraint):
    """The whole response is wrapped in double quotes (``rewardlab``: with text inside)."""

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        if self.semantics == "ifeval":
            text = response.strip()
            if len(text) > 1 and text[0] == '"' and text[-1] == '"':
                return True, "wrapped in double quotes"
            return False, "not wrapped in double quotes"
        text = fold(response).strip()
        if len(text) >= 2 and text[0] == '"' and text[-1] == '"' and text[1:-1].strip():
            return True, "wrapped in double quotes"
        return False, "not wrapped in double quotes around some text"


@constraint("two_responses", ifeval_id="combination:two_responses")
class TwoResponses(Constraint):
    """Two different, non-empty responses separated by six asterisks (``******``).

    A separator at the very start or end is allowed (the empty part there does not count), an
    empty response between two separators is not. ``ifeval``: the two must differ once leading
    and trailing space is removed; ``rewardlab``: also after folding case, look-alike characters
    and runs of spaces.
    """

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        parts = response.split("******")
        if any(not p.strip() for p in parts[1:-1]):
            return False, "an empty response between two ****** separators"
        kept = [p.strip() for p in parts if p.strip()]
        if len(kept) != 2:
            return False, f"{len(kept)} responses separated by ******, wanted 2"
        a, b = kept
        same = a == b if self.semantics == "ifeval" else _norm(a) == _norm(b)
        if same:
            return False, "the two responses are the same"
        return True, "two different responses"


@constraint("repeat_prompt", ifeval_id="combination:repeat_prompt")
class RepeatPrompt(Constraint):
    """The response starts by repeating ``prompt_to_repeat`` word for word (case-insensitive).

    ``ifeval``: the stripped response starts with the stripped request. ``rewardlab``: runs of
    white space and look-alike characters are folded, and something must follow the request.
    """

    prompt_to_repeat: str = Field(min_length=1, description="The request to repeat first.")

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        if self.semantics == "ifeval":
            ok = response.strip().lower().startswith(self.prompt_to_repeat.strip().lower())
            return ok, "starts with the request" if ok else "does not start with the request"
        text, want = _norm(response), _norm(self.prompt_to_repeat)
        if not text.startswith(want):
            return False, "does not start with the request"
        if not text[len(want) :].strip():
            return False, "nothing after the repeated request"
        return True, "starts with the request"


@constraint("start_with")
class StartWith(Constraint):
    """The response starts with ``start_phrase`` (case-insensitive)."""

    start_phrase: str = Field(min_length=1, description="The phrase the response must start with.")

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        ok = _norm(response).startswith(_norm(self.start_phrase))
        return ok, ("starts with" if ok else "does not start with") + f" {self.start_phrase!r}"


@constraint("end_with", ifeval_id="startend:end_checker")
class EndWith(Constraint):
    """The response ends with ``end_phrase`` (case-insensitive); nothing may follow it.

    ``ifeval``: double quotes around the whole response are ignored. ``rewardlab``: runs of white
    space and look-alike characters are folded.
    """

    end_phrase: str = Field(min_length=1, description="The phrase the response must end with.")

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        if self.semantics == "ifeval":
            ok = response.strip().strip('"').lower().endswith(self.end_phrase.strip().lower())
        else:
            ok = _norm(response).endswith(_norm(self.end_phrase))
        return ok, ("ends with" if ok else "does not end with") + f" {self.end_phrase!r}"


@constraint("no_commas", ifeval_id="punctuation:no_comma")
class NoCommas(Constraint):
    """No commas at all (``ifeval``: no ``,``; ``rewardlab``: fullwidth, Arabic and other look-alike
    commas count as commas too)."""

    vacuous = True

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        n = response.count(",") if self.semantics == "ifeval" else len(_COMMAS.findall(response))
        return (n == 0), ("no commas" if n == 0 else f"{n} comma{'s' * (n > 1)}")


class _Case(Constraint):
    language: str | None = Field(default=None, description="Also require this language (langdetect's code), e.g. 'en'.")

    def _language(self, response: str) -> tuple[bool, str] | None:
        if self.language is None:
            return None
        from .language import detect_language, same_language

        found = detect_language(response)
        if found is None and self.semantics == "ifeval":
            return None  # IFEval counts an undecidable text as met
        if not same_language(found, self.language):
            return False, f"language {found or 'undecided'}, wanted {self.language}"
        return None

    def _cased(self, response: str) -> str:
        return response if self.semantics == "ifeval" else fold(response)


@constraint("uppercase", ifeval_id="change_case:english_capital", ifeval_defaults={"language": "en"})
class Uppercase(_Case):
    """Every cased letter is upper case (and there is at least one); with ``language``, the text is
    in that language by langdetect's verdict (IFEval's id asks for English)."""

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        if not self._cased(response).isupper():
            return False, "has lower-case letters" if any(c.islower() for c in response) else "no letters"
        return self._language(response) or (True, "all upper case")


@constraint("lowercase", ifeval_id="change_case:english_lowercase", ifeval_defaults={"language": "en"})
class Lowercase(_Case):
    """Every cased letter is lower case (and there is at least one); with ``language``, the text is
    in that language by langdetect's verdict (IFEval's id asks for English)."""

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        if not self._cased(response).islower():
            return False, "has upper-case letters" if any(c.isupper() for c in response) else "no letters"
        return self._language(response) or (True, "all lower case")
