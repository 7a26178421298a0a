"""A small, dependency-free language identifier, and the ``language`` constraint.

How it decides (and when it will not): the dominant Unicode script of the letters picks the
language directly where one language owns the script (Korean Hangul, Japanese kana, Thai,
Greek, Hebrew, Georgian, Armenian, Bengali, Tamil, Telugu, Gujarati, Kannada, Malayalam,
Gurmukhi → pa; Han characters without kana → zh). For shared scripts (Latin, Cyrillic,
Arabic, Devanagari) it counts hits against short lists of very frequent function words of
the languages below and picks the best one only if it has enough hits and clearly beats the
runner-up. Otherwise it returns ``None`` ("undecided"), and a ``language`` constraint is not
met. It is meant for checking "answer in French", not for short or mixed-language texts;
IFEval itself uses ``langdetect``, which is not a dependency of rewardlab.

Supported: en fr de es it pt nl sv da fi pl cs ro tr id vi sw (Latin); ru uk bg (Cyrillic);
ar fa ur (Arabic script); hi mr ne (Devanagari); ko ja zh th el he ka hy bn ta te gu kn ml pa.

>>> detect_language("The cat sat on the mat and it was happy with the sun.")
'en'
>>> detect_language("Le chat est sur la table et il dort dans la maison.")
'fr'
>>> detect_language("Кошка сидит на столе и это очень хорошо, что она не спит.")
'ru'
>>> detect_language("안녕하세요 만나서 반갑습니다") , detect_language("ok") is None
('ko', True)
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from functools import lru_cache

from pydantic import Field, field_validator

from .base import Constraint, constraint

__all__ = ["SUPPORTED_LANGUAGES", "Language", "detect_language"]

_STOPWORDS: dict[str, dict[str, str]] = {
    "LATIN": {
        "en": "the and is are was were of to in that it for with on this have be not you he she they at by from "
        "but or an which would there their what will can has had",
        "fr": "le la les et est un une des du de que qui dans pour pas sur au aux ce cette il elle sont avec "
        "ne plus mais nous vous ont être je",
        "de": "der die das und ist nicht ein eine zu den mit sich auf für von dem des auch es sind wird "
        "ich sie wir bei aus nach wie oder",
        "es": "el la los las y es un una de que en por con para no se del al lo como más pero sus le "
        "ya muy también fue está son",
        "it": "il lo la gli le e è un una di che per non con del della nel sono si da ma anche come "
        "questo questa più alla dei",
        "pt": "o a os as e é um uma de que em para não com do da no na por se mais mas como foi são "
        "ao dos das pelo isso",
        "nl": "de het een en is van in dat op te zijn niet met voor die er aan ook als bij maar om wordt deze naar hij",
        "sv": "och att det som en är av för på med inte den till har de ett jag om var men så från kan vi han",
        "da": "og at det som en er af for på med ikke den til har de et jeg om var men så fra kan vi han også",
        "fi": "ja on ei se että oli hän mutta kun tai ovat myös kuin jo ole sen tämä niin joka vain mitä nyt olla",
        "pl": "i w nie na się z że do to jest jak po co tak za od ale dla są przez jego ich tylko może już",
        "cs": "a v je se na že to s z do o jako ale by pro jsou není jeho který tak už jak byl také této",
        "ro": "și în este un o de la cu că pe nu care din mai sunt pentru ce se au fost acest această dar lui",
        "tr": "ve bir bu da de için ile çok ne daha gibi olarak ama değil var ben sen o mi en kadar sonra şey",
        "id": "dan yang di ini itu dengan untuk tidak dari dalam akan pada juga ada adalah ke "
        "saya kami mereka atau bisa",
        "vi": "và của là có không những được trong cho một các người này với đã để khi cũng như từ rất đó",
        "sw": "na ya wa kwa ni katika za la hii kuwa cha ili lakini yake hiyo pia hata wako sana kama",
    },
    "CYRILLIC": {
        "ru": "и в не на что с как это по но он она они мы вы я был была были очень его её уже только когда всё",
        "uk": "і в не на що з як це та але він вона вони ми ви я був була були дуже його її вже тільки коли є",
        "bg": "и в не на че с как това по но той тя те ние вие аз беше са е за се да от ще много",
    },
    "ARABIC": {
        "ar": "في من على إلى أن هذا التي الذي هذه عن مع كان لا ما هو هي كل قد ذلك",
        "fa": "و در به از که این را با است آن برای یک ما شما من او هم تا بود شود می",
        "ur": "کے میں کی ہے اور کو سے کا یہ نہیں ہیں تھا پر بھی کہ ایک ہو گیا",
    },
    "DEVANAGARI": {
        "hi": "है के की में और से को का यह हैं एक पर भी नहीं था कि लिए तो हो",
        "mr": "आहे आणि या हे की ते त्या मध्ये होते आहेत एक केले नाही तर पण म्हणून",
        "ne": "छ र को मा पनि हो यो गर्न थियो छन् भएको लागि तर एक यस गरेको",
    },
}
_WORDLISTS = {
    script: {lang: frozenset(words.split()) for lang, words in langs.items()} for script, langs in _STOPWORDS.items()
}
_OWN_SCRIPT = {
    "HANGUL": "ko",
    "THAI": "th",
    "GREEK": "el",
    "HEBREW": "he",
    "GEORGIAN": "ka",
    "ARMENIAN": "hy",
    "BENGALI": "bn",
    "TAMIL": "ta",
    "TELUGU": "te",
    "GUJARATI": "gu",
    "KANNADA": "kn",
    "MALAYALAM": "ml",
    "GURMUKHI": "pa",
}
SUPPORTED_LANGUAGES = frozenset(
    {lang for langs in _STOPWORDS.values() for lang in langs} | set(_OWN_SCRIPT.values()) | {"ja", "zh"}
)
_SCRIPT_PREFIXES = ("CJK", "HIRAGANA", "KATAKANA", *_OWN_SCRIPT, *_STOPWORDS)


def _tokens(text: str) -> list[str]:
    """Whitespace-separated words without surrounding punctuation (keeps combining vowel signs,
    which ``\\w`` would split Devanagari words at)."""
    out = []
    for raw in text.split():
        start, end = 0, len(raw)
        while start < end and unicodedata.category(raw[start])[0] in "PSN":
            start += 1
        while end > start and unicodedata.category(raw[end - 1])[0] in "PSN":
            end -= 1
        if start < end:
            out.append(raw[start:end].lower())
    return out


@lru_cache(maxsize=8192)
def _script(ch: str) -> str | None:
    name = unicodedata.name(ch, "")
    for prefix in _SCRIPT_PREFIXES:
        if name.startswith(prefix):
            return prefix
    return None


def detect_language(text: str, *, min_hits: int = 2, margin: float = 1.5) -> str | None:
    """ISO 639-1 code of the text's language, or ``None`` when it cannot be decided."""
    letters = Counter(s for s in (_script(ch) for ch in text[:20_000] if ch.isalpha()) if s is not None)
    total = sum(letters.values())
    if total < 2:
        return None
    script, n = letters.most_common(1)[0]
    if script in ("CJK", "HIRAGANA", "KATAKANA"):
        cjk = letters["CJK"] + letters["HIRAGANA"] + letters["KATAKANA"]
        if cjk / total < 0.6:
            return None
        return "ja" if letters["HIRAGANA"] + letters["KATAKANA"] > 0.05 * cjk else "zh"
    if n / total < 0.6:
        return None
    if script in _OWN_SCRIPT:
        return _OWN_SCRIPT[script]
    tokens = _tokens(text[:20_000])
    if len(tokens) < 3:
        return None
    hits = sorted(
        ((sum(1 for t in tokens if t in words), lang) for lang, words in _WORDLISTS[script].items()), reverse=True
    )
    (best, lang), (second, _) = hits[0], hits[1]
    if best < min_hits or best < margin * second:
        return None
    return lang


@constraint("language", ifeval_id="language:response_language")
class Language(Constraint):
    """The response is written in ``language`` (ISO 639-1), as far as a small detector can tell."""

    language: str = Field(description="ISO 639-1 code, e.g. 'fr'.")

    @field_validator("language")
    @classmethod
    def _supported(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in SUPPORTED_LANGUAGES:
            raise ValueError(
                f"language {value!r} is not supported by the built-in detector; supported: "
                + ", ".join(sorted(SUPPORTED_LANGUAGES))
            )
        return value

    def check(self, response: str, prompt: str) -> tuple[bool, str]:
        found = detect_language(response)
        if found is None:
            return False, "the language could not be decided"
        return found == self.language, f"language {found} (wanted {self.language})"
