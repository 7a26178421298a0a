"""The `ifeval` reward: every constraint kind, aggregation, loose mode, refusals and validation errors."""

from __future__ import annotations

import pytest

from rewardlab.core.result import Status
from rewardlab.verifiers import IFEval
from rewardlab.verifiers.ifeval import CONSTRAINTS, parse_constraints
from rewardlab.verifiers.ifeval.language import detect_language
from rewardlab.verifiers.ifeval.reward import loose_variants
from rewardlab.verifiers.ifeval.text import capital_words

STORY = "The *river* carried a small lantern past the town.\n\nIt glowed until dawn. Is there anything else?"

# (constraint, a response that meets it, a response that does not)
CASES: list[tuple[dict, str, str]] = [
    ({"type": "word_count", "relation": "at least", "num_words": 5}, "one two three four five", "one two"),
    ({"type": "word_count", "relation": "less than", "num_words": 3}, "one two", "one two three"),
    (
        {"type": "sentence_count", "relation": "exactly", "num_sentences": 2},
        "Dr. Who came. He left!",
        "One. Two. Three.",
    ),
    ({"type": "paragraph_count", "num_paragraphs": 2}, "first part\n\nsecond part", "one block only"),
    ({"type": "length_constraints:number_paragraphs", "num_paragraphs": 2}, "a\n***\nb", "a\n***\n***\nb"),
    (
        {"type": "nth_paragraph_first_word", "num_paragraphs": 2, "nth_paragraph": 2, "first_word": "then"},
        "First.\n\nThen, more.",
        "First.\n\nAfter that.",
    ),
    ({"type": "keywords", "keywords": ["river", "Lantern"]}, STORY, "a river only"),
    ({"type": "keyword_frequency", "keyword": "go", "frequency": 3, "relation": ">="}, "go go go", "go going go"),
    ({"type": "forbidden_words", "forbidden_words": ["bad"]}, "all good", "a b\u0430d idea"),
    ({"type": "letter_frequency", "letter": "z", "frequency": 2}, "zebra zoo", "zebra"),
    ({"type": "capital_word_frequency", "frequency": 2, "relation": "at least"}, "THIS IS loud", "This is calm"),
    ({"type": "uppercase"}, "ALL UPPER 123", "Not upper"),
    ({"type": "lowercase"}, "all lower here", "Not lower"),
    ({"type": "bullet_count", "num_bullets": 2}, "* one\n* two", "* one\n*  \n- "),
    (
        {"type": "sections", "splitter": "Section", "num_sections": 2},
        "Section 1\nintro\nSection 2\nbody",
        "Section 1\n",
    ),
    ({"type": "highlighted_sections", "num_highlights": 2}, "*a* and **b**", "** ** and *a*"),
    ({"type": "title"}, "<<A Title>>\ntext", "<<>> text"),
    ({"type": "json_format"}, '```json\n{"a": 1}\n```', "{}"),
    ({"type": "placeholders", "num_placeholders": 2}, "Dear [name], at [address].", "Dear [], at [address]."),
    ({"type": "postscript", "postscript_marker": "P.S."}, "Hi.\n\nP.S. see you", "Hi.\n\nP.S."),
    ({"type": "postscript", "postscript_marker": "P.P.S"}, "Hi.\nP.P.S more", "Hi. P.S. more"),
    ({"type": "constrained_response"}, "My answer is yes.", "My answer is yes. My answer is no."),
    ({"type": "start_with", "start_phrase": "Dear team"}, "dear  TEAM, hello", "Hello dear team"),
    ({"type": "end_with", "end_phrase": "Any questions?"}, "Text. Any questions?", "Any questions? Text."),
    ({"type": "quotation"}, '"wrapped"', '""'),
    ({"type": "no_commas"}, "no commas here", "one\uff0c two"),
    ({"type": "two_responses"}, "first answer\n******\nsecond answer", "same\n******\nsame"),
    ({"type": "repeat_prompt", "prompt_to_repeat": "Say hi."}, "Say hi. Hi!", "Say hi."),
    ({"type": "language", "language": "fr"}, "Le chat est sur la table et il dort dans la maison.", "The cat is here."),
]


def test_at_least_fifteen_kinds_are_registered() -> None:
    kinds = {k for k in CONSTRAINTS if ":" not in k}
    assert len(kinds) >= 15
    assert {kind for c, _, _ in CASES for kind in [c["type"]] if ":" not in kind} == kinds


@pytest.mark.parametrize(
    ("constraint", "good", "bad"), CASES, ids=[f"{c['type']}-{i}" for i, (c, _, _) in enumerate(CASES)]
)
def test_each_constraint_meets_and_fails(constraint: dict, good: str, bad: str) -> None:
    (c,) = parse_constraints([constraint])
    assert c.check(good, "")[0], c.check(good, "")
    assert not c.check(bad, "")[0], c.check(bad, "")


def test_ifeval_ids_and_their_argument_names() -> None:
    row = [
        {"type": "keywords:letter_frequency", "letter": "a", "let_frequency": 2, "let_relation": "at least"},
        {"type": "change_case:capital_word_frequency", "capital_frequency": 1, "capital_relation": "less than"},
        {"type": "detectable_format:multiple_sections", "section_spliter": "PART", "num_sections": 1},
        # IFEval rows on the hub carry every argument, unused ones as null
        {"type": "punctuation:no_comma", "num_words": None, "relation": None},
    ]
    cs = parse_constraints(row)
    assert [c.kind for c in cs] == ["letter_frequency", "capital_word_frequency", "sections", "no_commas"]
    assert cs[0].check("banana", "")[0]
    assert cs[2].check("PART 1 text", "")[0]
    english = parse_constraints([{"type": "change_case:english_lowercase"}])[0]
    assert english.check("the cat is on the mat and it is happy", "")[0]
    assert not english.check("le chat est sur la table et il dort", "")[0]


def sample(completion: str, constraints: list[dict], prompt: str = "Write a story.") -> dict:
    return {"prompt": prompt, "completion": completion, "constraints": constraints}


def test_score_components_and_aggregation() -> None:
    cons = [
        {"type": "lowercase"},
        {"type": "no_commas"},
        {"type": "no_commas"},
        {"type": "keywords", "keywords": ["x"]},
    ]
    r = IFEval().score(sample("hello, world x", cons))
    assert r.score == pytest.approx(0.5)
    assert r.components == {
        "ifeval": 0.5,
        "ifeval.lowercase": 1.0,
        "ifeval.no_commas": 0.0,
        "ifeval.no_commas_2": 0.0,
        "ifeval.keywords": 1.0,
    }
    assert [d["met"] for d in r.info["constraints"]] == [True, False, False, True]
    assert IFEval(aggregate="all").score(sample("hello, world x", cons)).score == 0.0
    assert IFEval(aggregate="all").score(sample("hello world x", cons)).score == 1.0


def test_loose_mode() -> None:
    cons = [{"type": "end_with", "end_phrase": "the end."}]
    text = "a story, the end.\nHope this helps!"
    assert IFEval().score(sample(text, cons)).score == 0.0
    assert IFEval(loose=True).score(sample(text, cons)).score == 1.0


def test_cheap_hacks_earn_nothing() -> None:
    cons = [
        {"type": "keywords", "keywords": ["river"]},
        {"type": "no_commas"},
        {"type": "word_count", "relation": "less than", "num_words": 50},
        {"type": "forbidden_words", "forbidden_words": ["bad"]},
    ]
    prompt = "Write about a river in under 50 words without commas and never say bad."
    for text in ("", "   ", "The answer is correct.", "OK", prompt):
        r = IFEval().score(sample(text, cons, prompt))
        assert r.score == 0.0, (text, r.info)
        assert r.info["reason"]
    assert IFEval(credit_vacuous_alone=True).score(sample("OK", cons, prompt)).score == pytest.approx(0.75)
    assert IFEval().score(sample("The river runs.", cons, prompt)).score == 1.0
    # only vacuous constraints: they count (there is nothing else to meet)
    assert IFEval().score(sample("fine text", [{"type": "no_commas"}])).score == 1.0
    # repeating the prompt is fine when a constraint asks for it
    repeat = [{"type": "repeat_prompt", "prompt_to_repeat": prompt}]
    assert IFEval().score(sample(prompt + " A river flows.", repeat, prompt)).score == 1.0


@pytest.mark.parametrize(
    ("constraints", "message"),
    [
        ([{"type": "word_count", "relation": "about", "num_words": 3}], "constraints[0].relation: unknown relation"),
        ([{"type": "lowercase"}, {"type": "wordcount"}], "constraints[1].type: unknown constraint 'wordcount'"),
        ([{"type": "word_count", "relation": ">="}], "constraints[0].num_words: missing required argument"),
        ([{"type": "no_commas", "count": 1}], "constraints[0].count: unknown argument"),
        ([{"type": "keywords", "keywords": [" "]}], "constraints[0].keywords"),
        ([{"type": "language", "language": "xx"}], "constraints[0].language: Value error"),
        ([{"no_type": 1}], "constraints[0].type: missing"),
        ([], "non-empty list"),
        ("lowercase", "non-empty list"),
    ],
)
def test_validation_errors_name_the_constraint_and_field(constraints: object, message: str) -> None:
    # invalid_constraints="error": a malformed constraint is an error of the whole sample
    r = IFEval(invalid_constraints="error").score({"completion": "text", "constraints": constraints})
    assert r.status is Status.ERROR
    assert message.replace(": Value error", "") in (r.error or "") or message in (r.error or "")


def test_a_bad_argument_fails_only_its_constraint() -> None:
    cons = [
        {"type": "lowercase"},
        {"type": "length_constraints:number_words", "relation": "about", "num_words": 3},
        {"type": "keywords:existence", "keywords": ["text"]},
    ]
    r = IFEval().score({"completion": "some text here", "constraints": cons})
    assert r.status is Status.OK
    assert r.components == {"ifeval": 2 / 3, "ifeval.lowercase": 1.0, "ifeval.word_count": 0.0, "ifeval.keywords": 1.0}
    assert r.info["constraints"][1]["met"] is False
    assert r.info["invalid_constraints"] == ["constraints[1].relation: unknown relation 'about'; expected one of: "
                                            "<, <=, =, ==, >, >=, at least, at most, exactly, fewer than, less than, "
                                            "more than"]  # fmt: skip
    # when nothing is left to check, the sample is an error, not a silent zero
    bad = IFEval().score({"completion": "text", "constraints": [{"type": "wordcount"}]})
    assert bad.status is Status.ERROR and "no valid constraint" in (bad.error or "")


def test_not_applicable_without_constraints() -> None:
    assert IFEval().score({"completion": "text"}).status is Status.NOT_APPLICABLE


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The weather is nice today and we are going to the park with the children.", "en"),
        ("Le temps est beau aujourd'hui et nous allons au parc avec les enfants.", "fr"),
        ("Das Wetter ist heute schön und wir gehen mit den Kindern in den Park.", "de"),
        ("El tiempo es bueno hoy y vamos al parque con los niños.", "es"),
        ("Il tempo è bello oggi e andiamo al parco con i bambini.", "it"),
        ("O tempo está bom hoje e nós vamos ao parque com as crianças.", "pt"),
        ("Погода сегодня хорошая, и мы идём в парк с детьми, это очень приятно.", "ru"),
        ("오늘 날씨가 좋아서 아이들과 공원에 갑니다.", "ko"),
        ("今日はいい天気なので、子供たちと公園に行きます。", "ja"),
        ("今天天气很好，我们和孩子们去公园。", "zh-cn"),  # langdetect names Chinese zh-cn / zh-tw
        ("आज मौसम अच्छा है और हम बच्चों के साथ पार्क में जा रहे हैं।", "hi"),
        ("Ο καιρός είναι καλός σήμερα.", "el"),
    ],
)
def test_language_detector(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_language_detector_says_when_it_has_nothing_to_go_on() -> None:
    # langdetect (IFEval's detector) names a language for any text with letters; it gives up
    # only on texts without any
    assert detect_language("12345 !!!") is None
    assert detect_language("") is None
    assert detect_language("ok") is not None
    # seeded: the same text always gets the same answer
    assert len({detect_language("Paris London Berlin") for _ in range(5)}) == 1


# ---- issue 10's IFEval failure classes, with examples written for these tests -----------------------
RUSSIAN = (
    "Вчера мы с друзьями ходили в горы. Погода была прекрасная, светило солнце, и дул лёгкий ветер. Мы "
    "поднялись на вершину за три часа, устроили там привал и долго любовались видом на долину. Вечером мы "
    "вернулись домой усталые, но очень довольные. Обязательно повторим это путешествие следующим летом!"
)
NEPALI = (
    "हिजो हामी साथीहरूसँग पहाड घुम्न गयौं। मौसम निकै राम्रो थियो र घाम लागेको थियो। हामी तीन घण्टामा "
    "चुचुरोमा पुग्यौं र त्यहाँबाट उपत्यकाको सुन्दर दृश्य हेर्यौं।"
)
LOWER_POEM = (
    "the moon is low above the lake\nthe reeds are still, the ducks awake\n"
    "we walk the shore and count the stars\nand hear the music from the cars"
)


def met(completion: str, constraints: list[dict], **options: object) -> list[bool]:
    r = IFEval(**options).score(sample(completion, constraints))
    assert r.status is Status.OK, r.error
    return [d["met"] for d in r.info["constraints"]]


def test_empty_responses_and_empty_loose_variants_meet_nothing() -> None:
    cons = [
        {"type": "punctuation:no_comma"},
        {"type": "length_constraints:number_words", "relation": "less than", "num_words": 3},
        {"type": "keywords:forbidden_words", "forbidden_words": ["storm"]},
    ]
    one_line = "A storm came, and then it left, quietly over the bay."
    # dropping the only line leaves "", which would meet all three: loose mode skips it
    assert met(one_line, cons, loose=True) == [False, False, False]
    for blank in ("", "  \n "):
        assert met(blank, cons) == [False, False, False]
        assert met(blank, cons, loose=True) == [False, False, False]
    assert loose_variants("only line") == ["only line"]


@pytest.mark.parametrize(
    ("constraint", "text"),
    [
        ({"type": "language:response_language", "language": "ru"}, RUSSIAN),
        ({"type": "language:response_language", "language": "ne"}, NEPALI),
        ({"type": "change_case:english_lowercase"}, LOWER_POEM),
        ({"type": "change_case:english_capital"}, "WE WILL MEET AT NOON."),
        ({"type": "language", "language": "ru"}, RUSSIAN),
        ({"type": "lowercase", "language": "en"}, LOWER_POEM),
    ],
)
def test_the_language_checks_decide_ordinary_answers(constraint: dict, text: str) -> None:
    assert met(text, [constraint]) == [True]
    assert met(text, [constraint], semantics="rewardlab") == [True]


def test_sentences_in_lower_case_are_counted() -> None:
    text = "the rain stopped. we went outside. the street was wet."
    assert met(text, [{"type": "length_constraints:number_sentences", "relation": "at least", "num_sentences": 3}])[0]
    assert not met(text, [{"type": "sentence_count", "relation": "less than", "num_sentences": 3}])[0]


def test_dividers_at_the_ends_are_allowed_but_not_empty_parts_inside() -> None:
    paragraphs = {"type": "length_constraints:number_paragraphs", "num_paragraphs": 2}
    assert met("***\nFirst part.\n***\nSecond part.\n***", [paragraphs]) == [True]
    assert met("First part.\n***\n***\nSecond part.", [paragraphs]) == [False]
    two = {"type": "combination:two_responses"}
    assert met("******\nAnswer one.\n******\nAnswer two.\n******", [two]) == [True]
    assert met("Answer one.\n******\n\n******\nAnswer two.", [two]) == [False]
    assert met("Same.\n******\nSame.", [two]) == [False]


def test_ifeval_keywords_match_substrings_and_short_names_whole_words() -> None:
    text = "Rivers ran past two Cats and a catalogue."
    assert met(text, [{"type": "keywords:existence", "keywords": ["river"]}]) == [True]
    assert met(text, [{"type": "keywords", "keywords": ["river"]}]) == [False]
    freq = {"keyword": "cat", "frequency": 2, "relation": "at least"}
    assert met(text, [{"type": "keywords:frequency", **freq}]) == [True]  # Cats, catalogue
    assert met(text, [{"type": "keyword_frequency", **freq}]) == [False]
    # forbidden words are whole words in both readings
    assert met(text, [{"type": "keywords:forbidden_words", "forbidden_words": ["river"]}]) == [True]


def test_the_semantics_parameter_chooses_one_reading_for_all() -> None:
    hedge = "My answer is yes. My answer is no."
    cons = [{"type": "detectable_format:constrained_response"}]
    assert met(hedge, cons) == [True]  # IFEval accepts any allowed phrase
    assert met(hedge, cons, semantics="rewardlab") == [False]  # rewardlab refuses the hedge
    assert met(hedge, [{"type": "constrained_response"}]) == [False]
    assert met(hedge, [{"type": "constrained_response"}], semantics="ifeval") == [True]
    # a constraint's own argument wins
    assert met(hedge, [{"type": "constrained_response", "semantics": "ifeval"}], semantics="rewardlab") == [True]


@pytest.mark.parametrize(
    ("constraint", "text", "ifeval", "rewardlab"),
    [
        ({"type": "punctuation:no_comma"}, "一，二", True, False),  # a fullwidth comma
        ({"type": "detectable_content:number_placeholders", "num_placeholders": 2}, "[] and [name]", True, False),
        ({"type": "detectable_format:number_bullet_lists", "num_bullets": 2}, "* a\n---", True, False),
        ({"type": "detectable_format:multiple_sections", "section_spliter": "Part", "num_sections": 2},
         "Part 1\nPart 2", True, False),
        ({"type": "detectable_content:postscript", "postscript_marker": "P.S."}, "Hi.\nP.S.", True, False),
        ({"type": "startend:quotation"}, '""', True, False),
        ({"type": "detectable_format:json_format"}, "{}", True, False),
        ({"type": "combination:repeat_prompt", "prompt_to_repeat": "Say hi."}, "Say hi.", True, False),
        ({"type": "startend:end_checker", "end_phrase": "Bye."}, '"Hello. Bye."', True, False),
        ({"type": "keywords:forbidden_words", "forbidden_words": ["bad"]}, "not b\u0430d", True, False),
        ({"type": "keywords:letter_frequency", "letter": "#", "let_frequency": 2, "let_relation": "at least"},
         "#one #two", True, True),
    ],
)  # fmt: skip
def test_where_the_two_readings_differ(constraint: dict, text: str, ifeval: bool, rewardlab: bool) -> None:
    assert met(text, [constraint]) == [ifeval]
    assert met(text, [constraint], semantics="rewardlab") == [rewardlab]


@pytest.mark.parametrize(
    ("text", "count"),
    [  # counts from nltk.word_tokenize, IFEval's tokenizer
        ("The U.S. and NASA'S AI-DRIVEN probe, DON'T panic", 6),
        ("CANNOT GONNA A,B A:1 (FAQ) **BOLD**TEXT WAIT...WHAT HELLO/WORLD Hello,WORLD", 14),
        ("ENCODING='UTF-8' I'M OK", 5),
    ],
)
def test_capital_words_are_cut_as_nltk_cuts_them(text: str, count: int) -> None:
    assert len(capital_words(text)) == count
    cons = [{"type": "change_case:capital_word_frequency", "capital_frequency": count, "capital_relation": "at least"}]
    assert met(text, cons) == [True]
    assert met(text, [{**cons[0], "capital_frequency": count + 1}]) == [False]
