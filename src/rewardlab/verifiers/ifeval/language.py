"""Language identification with ``langdetect`` (the detector IFEval itself uses), and the ``language`` constraint.

``langdetect`` (Apache-2.0, a port of Google's language-detection) knows 55 languages by
character n-gram profiles. It is random unless seeded; rewardlab creates its own detector
factory with seed 0, so a text always gets the same answer (and the same answer as IFEval's
checker run with ``DetectorFactory.seed = 0``). It answers for any text with letters, even
a short or mixed one; for a text without letters it raises, which :func:`detect_language`
reports as ``None``. Chinese comes back as ``zh-cn`` or ``zh-tw``.

>>> detect_language("The cat sat on the mat and it was happy with the sun.")
'en'
>>> detect_language("Кошка сидит на столе и это очень хорошо, что она не спит.")
'ru'
>>> detect_language("12345 !!!") is None
True
"""

from __future__ import annotations

import threading
from typing import Any

from pydantic import Field, field_validator

from .base import Constraint, constraint

__all__ = ["SUPPORTED_LANGUAGES", "Language", "detect_language", "same_language"]

SUPPORTED_LANGUAGES = frozenset((
    "af", "ar", "bg", "bn", "ca", "cs", "cy", "da", "de", "el", "en", "es", "et", "fa", "fi", "fr", "gu",
    "he", "hi", "hr", "hu", "id", "it", "ja", "kn", "ko", "lt", "lv", "mk", "ml", "mr", "ne", "nl", "no",
    "pa", "pl", "pt", "ro", "ru", "sk", "sl", "so", "sq", "sv", "sw", "ta", "te", "th", "tl", "tr", "uk",
    "ur", "vi", "zh-cn", "zh-tw",
))  # fmt: skip
"""The languages langdetect's profiles cover (``zh`` is accepted for either Chinese profile)."""

_MAX_CHARS = 100_000  # langdetect reads the first 10,000 characters left after it drops URLs and e-mails
_lock = threading.Lock()
_factory: Any = None


def _detector_factory() -> Any:
    global _factory
    if _factory is None:
        with _lock:
            if _factory is None:
                from langdetect import DetectorFactory
                from langdetect.detector_factory import PROFILES_DIRECTORY

                factory = DetectorFactory()
                factory.load_profile(PROFILES_DIRECTORY)
                factory.set_seed(0)
                _factory = factory
    return _factory


def detect_language(text: str) -> str | None:
    """langdetect's language code for ``text`` (seeded: always the same answer), or ``None``
    when it has nothing to go on (no letters)."""
    from langdetect.lang_detect_exception import LangDetectException

    detector = _detector_factory().create()
    detector.append(text[:_MAX_CHARS])
    try:
        return str(detector.detect())
    except LangDetectException:
        return None


def same_language(found: str | None, wanted: str) -> bool:
    """Whether a detected code is the wanted one (``zh`` stands for ``zh-cn`` and ``zh-tw``)."""
    if found is None:
        return False
    return found == wanted or (wanted == "zh" and found.startswith("zh-"))


@constraint("language", ifeval_id="language:response_language")
class Language(Constraint):
    """The response is written in ``language`` (ISO 639-1, as langdetect names it), by langdetect's verdict.

    ``ifeval`` semantics: the text is met when langdetect names the language, or when it cannot
    decide at all (a text without letters), as IFEval's checker does. ``rewardlab``
    semantics: an undecidable text is not met, and ``zh`` accepts either Chinese profile.
    """

    language: str = Field(description="Language code, e.g. 'fr' (see SUPPORTED_LANGUAGES).")

    @field_validator("language")
    @classmethod
    def _supported(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in SUPPORTED_LANGUAGES and value != "zh":
            raise ValueError(
                f"language {value!r} is not one langdetect knows; expected one of: "
                + ", ".join(sorted(SUPPORTED_LANGUAGES | {"zh"}))
            )
        return value

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        found = detect_language(response)
        if found is None:
            if self.semantics == "ifeval":
                return True, "the language could not be detected (IFEval counts that as met)"
            return False, "the language could not be detected"
        ok = found == self.language if self.semantics == "ifeval" else same_language(found, self.language)
        return ok, f"language {found} (wanted {self.language})"
