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

import re

from pydantic import Field

from ..confusables import fold
from ..jsontext import is_empty_value, parse_json
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
    """The whole response is one JSON value (a Markdown ```json fence around it is fine), not an empty one."""

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        parsed = parse_json(response, where="whole")
        if not parsed.ok:
            return False, parsed.reason or "not JSON"
        if is_empty_value(parsed.value):
            return False, "empty JSON value"
        return True, "valid JSON"


@constraint("title", ifeval_id="detectable_format:title")
class Title(Constraint):
    """A title in double angular brackets, ``<<like this>>``, with text inside."""

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        titles = [t for t in re.findall(r"<<([^\n]+?)>>", response) if t.strip()]
        return (True, f"title <<{titles[0].strip()}>>") if titles else (False, "no non-empty <<title>>")


@constraint("quotation", ifeval_id="startend:quotation")
class Quotation(Constraint):
    """The whole response is wrapped in double quotes, with text inside."""

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        text = fold(response).strip()
        if len(text) >= 2 and text[0] == '"' and text[-1] == '"' and text[1:-1].strip():
            return True, "wrapped in double quotes"
        return False, "not wrapped in double quotes around some text"


@constraint("two_responses", ifeval_id="combination:two_responses")
class TwoResponses(Constraint):
    """Two different, non-empty responses separated by six asterisks (``******``)."""

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        parts = response.split("******")
        if len(parts) != 2:
            return False, f"{len(parts)} parts separated by ******, wanted 2"
        a, b = (p.strip() for p in parts)
        if not a or not b:
            return False, "one of the two responses is empty"
        if _norm(a) == _norm(b):
            return False, "the two responses are the same"
        return True, "two different responses"


@constraint("repeat_prompt", ifeval_id="combination:repeat_prompt")
class RepeatPrompt(Constraint):
    """The response starts by repeating ``prompt_to_repeat`` word for word, then says more."""

    prompt_to_repeat: str = Field(min_length=1, description="The request to repeat first.")

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
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
    """The response ends with ``end_phrase`` (case-insensitive); nothing may follow it."""

    end_phrase: str = Field(min_length=1, description="The phrase the response must end with.")

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        ok = _norm(response).endswith(_norm(self.end_phrase))
        return ok, ("ends with" if ok else "does not end with") + f" {self.end_phrase!r}"


@constraint("no_commas", ifeval_id="punctuation:no_comma")
class NoCommas(Constraint):
    """No commas at all (fullwidth, Arabic and other look-alike commas count as commas)."""

    vacuous = True

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        n = len(_COMMAS.findall(response))
        return (n == 0), ("no commas" if n == 0 else f"{n} comma{'s' * (n > 1)}")


class _Case(Constraint):
    language: str | None = Field(default=None, description="Also require this language (ISO 639-1), e.g. 'en'.")

    def _language(self, response: str) -> tuple[bool, str] | None:
        if self.language is None:
            return None
        from .language import detect_language

        found = detect_language(response)
        if found != self.language:
            return False, f"language {found or 'undecided'}, wanted {self.language}"
        return None


@constraint("uppercase", ifeval_id="change_case:english_capital", ifeval_defaults={"language": "en"})
class Uppercase(_Case):
    """Every cased letter is upper case (and there is at least one)."""

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        if not fold(response).isupper():
            return False, "has lower-case letters" if any(c.islower() for c in response) else "no letters"
        return self._language(response) or (True, "all upper case")


@constraint("lowercase", ifeval_id="change_case:english_lowercase", ifeval_defaults={"language": "en"})
class Lowercase(_Case):
    """Every cased letter is lower case (and there is at least one)."""

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        if not fold(response).islower():
            return False, "has upper-case letters" if any(c.isupper() for c in response) else "no letters"
        return self._language(response) or (True, "all lower case")
