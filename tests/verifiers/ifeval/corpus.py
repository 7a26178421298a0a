"""The IFEval differential corpus: the 541 IFEval prompts with many varied responses.

Responses for each prompt (row) come from three places:

* ``smollm2``: one SmolLM2-135M-Instruct generation (``data/smollm2_responses.jsonl.gz``).
* ``mutation:<name>``: systematic rewrites of that generation that every instruction sees
  (lower/upper case, ``***`` dividers at the ends and between paragraphs, two responses joined
  by ``******``, one-line and empty-ish answers, answers in other languages, commas removed,
  a chatty first and last line, Markdown ``*``, quotation marks, JSON wrapping, a postscript).
* ``targeted:<instruction>:<variant>``: responses built for one instruction of the row so that
  it is met and missed by a small margin (counts at the threshold and one off, keyword
  inflections and plurals, placeholders, titles, sections, bullet lists, ...).

Everything is seeded: the same seed gives the same corpus. ``sample_corpus`` draws the seeded
subset the CI test uses.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .texts import ENGLISH_SENTENCES, LANGUAGE_TEXTS, SHORT_TEXTS

__all__ = ["DEFAULT_PROMPTS", "GENERATIONS", "Case", "build_corpus", "load_generations", "load_rows", "sample_corpus"]

HERE = Path(__file__).resolve().parent
SHARED_DATA = Path(os.environ.get("REWARDLAB_SHARED_DATA", HERE.parents[2].parent / "shared" / "data"))
"""The shared data: ``$REWARDLAB_SHARED_DATA``, else ``../shared/data`` beside the checkout (as tests/conftest.py)."""
DEFAULT_PROMPTS = SHARED_DATA / "ifeval_input_data.jsonl.gz"
GENERATIONS = HERE / "data" / "smollm2_responses.jsonl.gz"


@dataclass(frozen=True)
class Case:
    """One response to one IFEval row, and where it came from."""

    row: dict[str, Any]
    response: str
    origin: str


def load_rows(path: Path = DEFAULT_PROMPTS) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_generations(path: Path = GENERATIONS) -> dict[int, str]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return {r["key"]: r["response"] for r in (json.loads(line) for line in fh if line.strip())}


# ---- small text helpers --------------------------------------------------------------------------
_WORD = re.compile(r"\w+")


def _paragraphs(text: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    if len(parts) < 2:
        parts = [p.strip() for p in text.split("\n") if p.strip()]
    return parts or [text]


def _filler(n: int, rng: random.Random) -> list[str]:
    """``n`` English sentences from the bank, cycled."""
    start = rng.randrange(len(ENGLISH_SENTENCES))
    return [ENGLISH_SENTENCES[(start + i) % len(ENGLISH_SENTENCES)] for i in range(n)]


def _words_text(n: int, source: str, rng: random.Random) -> str:
    """A text of exactly ``n`` words (``\\w+`` runs) taken from ``source`` (cycled), with punctuation."""
    pool = _WORD.findall(source) or ["the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog"]
    out = [pool[i % len(pool)] for i in range(n)]
    text = " ".join(out)
    return (text[:1].upper() + text[1:] + ".") if text else ""


def _insert(text: str, piece: str, rng: random.Random) -> str:
    """``piece`` inserted between two words of ``text`` (or appended)."""
    spots = [m.start() for m in re.finditer(r"(?<=\s)\S", text)]
    if not spots:
        return (text + " " + piece).strip()
    at = rng.choice(spots)
    return text[:at] + piece + " " + text[at:]


def _other_language(lang: str | None, rng: random.Random) -> str:
    choices = sorted(k for k in LANGUAGE_TEXTS if k != lang)
    return rng.choice(choices)


# ---- mutations every row gets ----------------------------------------------------------------------
def _mutations(row: dict[str, Any], g: str, other: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    paragraphs = _paragraphs(g)
    lines = g.split("\n")
    yield "lower", g.lower()
    yield "upper", g.upper()
    yield "no_commas", g.replace(",", "")
    yield "first_line", lines[0]
    first_sentence = re.split(r"(?<=[.!?])\s", g.strip(), maxsplit=1)[0]
    yield "first_sentence", first_sentence
    yield "chatty_lines", "Sure! Here is my answer:\n" + g + "\nI hope this helps!"
    yield "divider_start", "***\n" + g
    yield "divider_ends", "***\n" + g + "\n***"
    yield "divider_paragraphs", "\n***\n".join(paragraphs)
    yield "divider_paragraphs_ends", "***\n" + "\n\n***\n\n".join(paragraphs) + "\n***"
    yield "two_responses", g + "\n******\n" + other
    yield "two_responses_ends", "******\n" + g + "\n******\n" + other + "\n******"
    yield "quoted", '"' + g + '"'
    fence = rng.choice(["```json\n{}\n```", "```\n{}\n```", "{}", "```JSON\n{}\n```"])
    yield "json", fence.replace("{}", json.dumps({"response": g}, ensure_ascii=False, indent=rng.choice([None, 2])))
    yield "markdown_stars", re.sub(r"\b(\w{6,})\b", r"*\1*", g, count=3)
    yield "postscript", g + "\n\nP.S. " + rng.choice(["Thanks for reading.", "see you soon", "More later!"])
    yield "empty_ish", rng.choice(["", " ", "\n\n", "*", "***", "******", "OK", "...", "Sure!\n", "N/A", "<<>>"])
    yield "empty_ish_2", rng.choice(["Yes.", "- ", "* ", '""', "{}", "[]", "P.S.", "Section 1", "a\n", "\n***\n"])
    lang = _other_language(None, rng)
    yield f"language_{lang}", LANGUAGE_TEXTS[lang]
    short = rng.choice(sorted(SHORT_TEXTS))
    yield f"short_{short}", SHORT_TEXTS[short]
    yield "lower_english_text", LANGUAGE_TEXTS["en"].lower()
    yield "upper_english_text", LANGUAGE_TEXTS["en"].upper()


# ---- targeted responses, per instruction --------------------------------------------------------------
Targeted = Callable[[dict[str, Any], str, str, random.Random], Iterator[tuple[str, str]]]
TARGETED: dict[str, Targeted] = {}


def _targets(*ids: str) -> Callable[[Targeted], Targeted]:
    def register(fn: Targeted) -> Targeted:
        for i in ids:
            TARGETED[i] = fn
        return fn

    return register


def _around(n: int) -> list[int]:
    return sorted({max(n - 1, 0), n, n + 1})


@_targets("punctuation:no_comma")
def _no_comma(kw: dict[str, Any], g: str, prompt: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    yield "removed", g.replace(",", " ")
    yield "one_comma", _insert(g.replace(",", ""), "well,", rng)
    yield "zh_fullwidth", LANGUAGE_TEXTS["zh"]


@_targets("length_constraints:number_words")
def _number_words(kw: dict[str, Any], g: str, prompt: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    for n in _around(int(kw["num_words"])):
        yield f"words_{n}", _words_text(n, g, rng)
    n = int(kw["num_words"])
    yield "hyphens_contractions", " ".join(["don't well-known it's"] * max(n // 5, 1))


@_targets("length_constraints:number_sentences")
def _number_sentences(kw: dict[str, Any], g: str, prompt: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    for n in _around(int(kw["num_sentences"])):
        text = " ".join(_filler(n, rng))
        yield f"sentences_{n}", text
        yield f"sentences_{n}_lower", text.lower()
        yield f"sentences_{n}_lines", "\n".join(_filler(n, rng)).lower().replace(".", "")


@_targets("keywords:forbidden_words")
def _forbidden(kw: dict[str, Any], g: str, prompt: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    words = list(kw["forbidden_words"])
    clean = g
    for w in words:
        clean = re.sub(re.escape(w), "", clean, flags=re.IGNORECASE)
    yield "removed", clean
    w = rng.choice(words)
    yield "whole_word", _insert(clean, w, rng)
    yield "capitalized", _insert(clean, w.upper(), rng)
    yield "plural", _insert(clean, w + "s", rng)
    yield "inside_word", _insert(clean, "un" + w + "ness", rng)


@_targets("detectable_format:number_highlighted_sections")
def _highlights(kw: dict[str, Any], g: str, prompt: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    n = int(kw["num_highlights"])
    for k in _around(n):
        parts = [f"*part {i + 1}*" if i % 2 == 0 else f"**part {i + 1}**" for i in range(k)]
        yield f"highlights_{k}", g + "\n\n" + "\n".join(parts)
    yield "empty_highlights", g + "\n" + " ".join(["* *", "** **", "**"] * n)
    yield "stars_across_lines", g + "\n" + "\n".join(["*start", "end*"] * n)


@_targets("keywords:frequency")
def _frequency(kw: dict[str, Any], g: str, prompt: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    word = str(kw["keyword"])
    base = re.sub(re.escape(word), "", g, flags=re.IGNORECASE)
    n = int(kw["frequency"])
    for k in _around(n):
        text = base
        for _ in range(k):
            text = _insert(text, word, rng)
        yield f"count_{k}", text
    forms = [word + "s", word.capitalize(), word.upper(), word + "ing", "pre" + word]
    text = base
    for i in range(n):
        text = _insert(text, forms[i % len(forms)], rng)
    yield "inflected", text


@_targets("combination:repeat_prompt")
def _repeat(kw: dict[str, Any], g: str, prompt: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    p = str(kw["prompt_to_repeat"])
    yield "repeated", p + "\n" + g
    yield "repeated_lower", p.lower() + " " + g
    yield "repeated_only", p
    yield "leading_space", "  " + p + "\n\n" + g
    yield "preamble", "Sure. " + p + "\n" + g
    yield "truncated", p[: max(len(p) - 8, 1)] + "\n" + g
    yield "whitespace_changed", " ".join(p.split()) + "\n" + g


@_targets("startend:quotation")
def _quotation(kw: dict[str, Any], g: str, prompt: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    yield "wrapped", '"' + g + '"'
    yield "wrapped_spaces", ' \n"' + g + '"\n '
    yield "single_quotes", "'" + g + "'"
    yield "curly_quotes", "\u201c" + g + "\u201d"
    yield "open_only", '"' + g
    yield "empty_quotes", '""'
    yield "one_quote", '"'


@_targets("change_case:english_lowercase")
def _lowercase(kw: dict[str, Any], g: str, prompt: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    yield "lowered", g.lower()
    yield "one_capital", g.lower() + " The End"
    lang = _other_language("en", rng)
    yield f"lower_{lang}", LANGUAGE_TEXTS[lang].lower()
    yield "short_lower", rng.choice(["ok", "yes i agree", "no way", "hello there"])
    yield "lower_poem", "the sea is wide\nthe night is long\ni hum a tune\nand sing a song"


@_targets("change_case:english_capital")
def _capital(kw: dict[str, Any], g: str, prompt: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    yield "uppered", g.upper()
    yield "one_lower", g.upper() + " the end"
    lang = _other_language("en", rng)
    yield f"upper_{lang}", LANGUAGE_TEXTS[lang].upper()
    yield "short_upper", rng.choice(["OK", "YES I AGREE", "NO WAY", "HELLO THERE", "WE WON"])
    yield "upper_poem", "THE SEA IS WIDE\nTHE NIGHT IS LONG\nI HUM A TUNE\nAND SING A SONG"


@_targets("keywords:existence")
def _existence(kw: dict[str, Any], g: str, prompt: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    words = [str(w) for w in kw["keywords"]]
    base = g
    for w in words:
        base = re.sub(re.escape(w), "", base, flags=re.IGNORECASE)
    text = base
    for w in words:
        text = _insert(text, w, rng)
    yield "all_present", text
    text = base
    for w in words:
        text = _insert(text, rng.choice([w + "s", w.capitalize(), w.upper(), w + "ed", "super" + w]), rng)
    yield "inflected", text
    text = base
    for w in words[1:]:
        text = _insert(text, w, rng)
    yield "one_missing", text


@_targets("detectable_format:title")
def _title(kw: dict[str, Any], g: str, prompt: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    yield "title", "<<A Day by the Sea>>\n" + g
    yield "title_end", g + "\n<<the end>>"
    yield "empty_title", "<< >>\n" + g
    yield "broken_title", "<<A Day\nby the Sea>>\n" + g
    yield "nested_brackets", "<<<Title>>>\n" + g
    yield "two_titles", "<<>> and <<Real Title>>\n" + g


@_targets("keywords:letter_frequency")
def _letters(kw: dict[str, Any], g: str, prompt: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    letter = str(kw["letter"]).lower()
    n = int(kw["let_frequency"])
    base = re.sub(re.escape(letter), "", g, flags=re.IGNORECASE)
    for k in _around(n):
        extra = (letter.upper() if k % 2 else letter) * k
        yield f"letters_{k}", (base + " " + extra).strip()


@_targets("detectable_format:number_bullet_lists")
def _bullets(kw: dict[str, Any], g: str, prompt: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    n = int(kw["num_bullets"])
    intro = _paragraphs(g)[0]
    for k in _around(n):
        yield f"star_{k}", intro + "\n" + "\n".join(f"* point {i + 1}" for i in range(k))
        yield f"dash_{k}", intro + "\n" + "\n".join(f"- point {i + 1}" for i in range(k))
    yield "with_rule", intro + "\n---\n" + "\n".join(f"* point {i + 1}" for i in range(n))
    yield "bold_lines", intro + "\n" + "\n".join(f"**point {i + 1}**" for i in range(n))
    yield "nested", intro + "\n" + "\n".join(f"* point {i + 1}\n  * detail" for i in range(n))
    yield "empty_bullets", intro + "\n" + "\n".join("* " if i == 0 else f"* point {i}" for i in range(n))


@_targets("language:response_language")
def _language(kw: dict[str, Any], g: str, prompt: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    lang = str(kw["language"])
    if lang in LANGUAGE_TEXTS:
        yield "right_language", LANGUAGE_TEXTS[lang]
        yield "right_language_lower", LANGUAGE_TEXTS[lang].lower()
        yield "right_with_english", LANGUAGE_TEXTS[lang] + "\n\nThank you for reading this text."
    if lang in SHORT_TEXTS:
        yield "right_short", SHORT_TEXTS[lang]
    other = _other_language(lang, rng)
    yield f"wrong_{other}", LANGUAGE_TEXTS[other]


@_targets("detectable_content:number_placeholders")
def _placeholders(kw: dict[str, Any], g: str, prompt: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    n = int(kw["num_placeholders"])
    names = ["name", "address", "date", "phone number", "company", "city", "email", "title"]
    for k in _around(n):
        text = g
        for i in range(k):
            text = _insert(text, f"[{names[i % len(names)]}]", rng)
        yield f"placeholders_{k}", text
    yield "empty_brackets", g + " " + " ".join("[]" for _ in range(n))
    yield "markdown_links", g + " " + " ".join(f"[link {i}](http://example.com/{i})" for i in range(n))
    yield "nested", g + " " + "[a [b] c]" * n


@_targets("length_constraints:number_paragraphs")
def _paragraph_count(kw: dict[str, Any], g: str, prompt: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    n = int(kw["num_paragraphs"])
    paras = (_paragraphs(g) + list(_filler(n + 2, rng)))[: n + 1]
    for k in _around(n):
        chosen = paras[:k] or [""]
        yield f"paragraphs_{k}", "\n\n***\n\n".join(chosen)
        yield f"paragraphs_{k}_ends", "***\n" + "\n***\n".join(chosen) + "\n***\n"
    yield "empty_middle", "\n***\n".join([*paras[: max(n - 1, 1)], "", paras[0]])
    yield "spaced_stars", "\n* * *\n".join(paras[:n])
    yield "blank_lines_only", "\n\n".join(paras[:n])
    yield "inline_stars", " *** ".join(paras[:n])


@_targets("startend:end_checker")
def _end(kw: dict[str, Any], g: str, prompt: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    end = str(kw["end_phrase"])
    yield "ends", g + " " + end
    yield "ends_newlines", g + "\n\n" + end + "\n\n"
    yield "ends_quoted", '"' + g + " " + end + '"'
    yield "ends_lower", g + " " + end.lower()
    yield "text_after", g + " " + end + " Thanks!"
    yield "no_punctuation", g + " " + end.rstrip(".!?")
    yield "phrase_only", end


@_targets("detectable_content:postscript")
def _postscript(kw: dict[str, Any], g: str, prompt: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    marker = str(kw["postscript_marker"]).strip()
    yield "marker", g + "\n\n" + marker + " Do write back soon."
    yield "marker_lower", g + "\n\n" + marker.lower() + " see you"
    yield "marker_inline", g + " " + marker + " one more thing."
    yield "marker_only", g + "\n\n" + marker
    yield "no_dot", g + "\n\n" + marker.rstrip(".") + " one more thing."
    yield "ps_colon", g + "\n\nPS: one more thing."
    yield "spaced", g + "\n\n" + marker.replace(".", ". ").strip() + " later"
    yield "missing", g


@_targets("change_case:capital_word_frequency")
def _capital_words(kw: dict[str, Any], g: str, prompt: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    n = int(kw["capital_frequency"])
    base = " ".join(w if not w.isupper() else w.lower() for w in g.split(" "))
    shapes = ["NASA", "VERY", "IMPORTANT", "U.S.", "DON'T", "AI-DRIVEN", "OK!", "(FAQ)", "CO2", "I"]
    for k in _around(n):
        text = base
        for i in range(k):
            text = _insert(text, shapes[i % 3], rng)
        yield f"caps_{k}", text
    text = base
    for i in range(n):
        text = _insert(text, shapes[3 + i % (len(shapes) - 3)], rng)
    yield "odd_shapes", text


@_targets("combination:two_responses")
def _two(kw: dict[str, Any], g: str, prompt: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    other = " ".join(_filler(3, rng))
    yield "two", g + "\n******\n" + other
    yield "same_twice", g + "\n******\n" + g
    yield "same_modulo_space", g + "\n******\n  " + g + "\n"
    yield "leading_sep", "******\n" + g + "\n******\n" + other
    yield "trailing_sep", g + "\n******\n" + other + "\n******"
    yield "three", g + "\n******\n" + other + "\n******\n" + "A third answer."
    yield "seven_stars", g + "\n*******\n" + other
    yield "empty_middle", g + "\n******\n\n******\n" + other


@_targets("detectable_format:json_format")
def _json(kw: dict[str, Any], g: str, prompt: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    body = json.dumps({"answer": g}, ensure_ascii=False)
    yield "plain", body
    yield "fenced", "```json\n" + body + "\n```"
    yield "fenced_upper", "```JSON\n" + body + "\n```"
    yield "fenced_bare", "```\n" + body + "\n```"
    yield "text_after", body + "\nHope this helps."
    yield "text_before", "Here is the JSON:\n" + body
    yield "invalid", body[:-1]
    yield "empty_object", "{}"
    yield "string_value", json.dumps(g)


@_targets("detectable_format:multiple_sections")
def _sections(kw: dict[str, Any], g: str, prompt: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    split = str(kw["section_spliter"]).strip()
    n = int(kw["num_sections"])
    paras = _paragraphs(g) + list(_filler(n + 1, rng))
    for k in _around(n):
        yield f"sections_{k}", "\n\n".join(f"{split} {i + 1}\n{paras[i]}" for i in range(k))
    yield "lower_splitter", "\n\n".join(f"{split.lower()} {i + 1}\n{paras[i]}" for i in range(n))
    yield "no_numbers", "\n\n".join(f"{split} X\n{paras[i]}" for i in range(n))
    yield "empty_sections", "\n".join(f"{split} {i + 1}" for i in range(n))
    yield "markdown_heading", "\n\n".join(f"## {split} {i + 1}\n{paras[i]}" for i in range(n))


@_targets("length_constraints:nth_paragraph_first_word")
def _nth_first_word(kw: dict[str, Any], g: str, prompt: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    n, nth, word = int(kw["num_paragraphs"]), int(kw["nth_paragraph"]), str(kw["first_word"])
    paras = (_paragraphs(g) + list(_filler(n + 2, rng)))[: n + 1]

    def build(k: int, first: str) -> str:
        chosen = list(paras[:k])
        if nth <= k:
            chosen[nth - 1] = first + " " + chosen[nth - 1]
        return "\n\n".join(chosen)

    for k in _around(n):
        yield f"paragraphs_{k}", build(k, word)
    yield "capitalized", build(n, word.capitalize())
    yield "punctuated", build(n, word + ",")
    yield "quoted", build(n, '"' + word + '"')
    yield "wrong_word", build(n, "Meanwhile")
    yield "triple_newlines", build(n, word).replace("\n\n", "\n\n\n")
    yield "stars_divider", build(n, word).replace("\n\n", "\n***\n")


@_targets("detectable_format:constrained_response")
def _constrained(kw: dict[str, Any], g: str, prompt: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    yield "yes", "My answer is yes."
    yield "no_with_reason", g + "\n\nMy answer is no."
    yield "maybe_lower", "my answer is maybe."
    yield "no_period", "My answer is yes"
    yield "other", "Yes, definitely."


# ---- the corpus ----------------------------------------------------------------------------------------
def build_corpus(
    rows: list[dict[str, Any]], generations: dict[int, str], *, seed: int = 0, mutations: bool = True
) -> list[Case]:
    """Every response of the corpus, in a fixed order for a given seed."""
    cases: list[Case] = []
    keys = [r["key"] for r in rows]
    for i, row in enumerate(rows):
        rng = random.Random(f"{seed}:{row['key']}")
        g = generations.get(row["key"], "")
        other = generations.get(keys[(i + 1) % len(keys)], "") or LANGUAGE_TEXTS["en"]
        cases.append(Case(row, g, "smollm2"))
        if not mutations:
            continue
        for name, text in _mutations(row, g, other, rng):
            cases.append(Case(row, text, f"mutation:{name}"))
        for instruction, kwargs in zip(row["instruction_id_list"], row["kwargs"], strict=True):
            make = TARGETED.get(instruction)
            if make is None:
                continue
            for name, text in make(kwargs, g, row["prompt"], rng):
                cases.append(Case(row, text, f"targeted:{instruction}:{name}"))
    return cases


def sample_corpus(cases: list[Case], n: int, *, seed: int = 0) -> list[Case]:
    """A seeded subset of ``n`` cases (all of them when there are fewer): half drawn evenly from the
    responses targeted at each instruction (so rare instructions are met and missed in it too),
    half from the generations and their mutations."""
    if n >= len(cases):
        return list(cases)
    rng = random.Random(seed)
    targeted: dict[str, list[Case]] = {}
    general: list[Case] = []
    for case in cases:
        if case.origin.startswith("targeted:"):
            targeted.setdefault(case.origin.split(":")[1] + ":" + case.origin.split(":")[2], []).append(case)
        else:
            general.append(case)
    per_kind = max(n // 2 // max(len(targeted), 1), 1)
    chosen: list[Case] = []
    for kind in sorted(targeted):
        pool = targeted[kind]
        chosen += rng.sample(pool, min(per_kind, len(pool)))
    chosen += rng.sample(general, min(n - len(chosen), len(general)))
    return chosen
