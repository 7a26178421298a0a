"""The `toolcall` reward: call formats, ToolRL's matching and score, and refusal of shotgun calls."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rewardlab.core.result import Status
from rewardlab.verifiers import ToolCall
from rewardlab.verifiers.toolcall import Call, json_equal, parse_calls

GOLD = [
    {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}},
    {"name": "get_time", "arguments": {"timezone": "Europe/Paris"}},
]
WEATHER = {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}
TIME = {"name": "get_time", "arguments": {"timezone": "Europe/Paris"}}


def tag(*calls: dict) -> str:
    return "".join(f"<tool_call>{json.dumps(c)}</tool_call>" for c in calls)


def run(completion: object, gold: object = GOLD, **params: object):  # type: ignore[no-untyped-def]
    return ToolCall(**params).score({"completion": completion, "gold_calls": gold})


@pytest.mark.parametrize(
    "completion",
    [
        tag(WEATHER, TIME),
        tag(TIME, WEATHER),  # order does not matter: calls are paired optimally
        "<tool_call>\n" + json.dumps(WEATHER) + "\n" + json.dumps(TIME) + "\n</tool_call>",  # ToolRL: one per line
        "<tool_call>" + json.dumps([WEATHER, TIME]) + "</tool_call>",
        json.dumps([WEATHER, TIME]),
        "```json\n" + json.dumps({"tool_calls": [WEATHER, TIME]}) + "\n```",
        json.dumps([{"name": c["name"], "parameters": c["arguments"]} for c in (WEATHER, TIME)]),
        json.dumps(
            [
                {"type": "function", "function": {"name": c["name"], "arguments": json.dumps(c["arguments"])}}
                for c in (WEATHER, TIME)
            ]
        ),
    ],
)
def test_accepted_formats_score_the_maximum(completion: str) -> None:
    r = run(completion)
    assert r.score == 4.0, r.info
    assert r.components["toolcall.format"] == 1.0 and r.components["toolcall.match"] == 1.0


def test_completion_as_messages_with_openai_tool_calls() -> None:
    messages = [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris", "unit": "celsius"}'},
                }
            ],
        }
    ]
    r = run(messages, [WEATHER])
    assert r.score == 4.0 and r.info["source"] == "message"


def test_toolrl_match_arithmetic() -> None:
    # one gold call with 2 arguments: S_max = 1 + 1 + 2 = 4
    gold = [WEATHER]
    wrong_city = run(tag({"name": "get_weather", "arguments": {"city": "Rome", "unit": "celsius"}}), gold)
    assert wrong_city.components["toolcall.match"] == pytest.approx((1 + 1 + 1) / 4)
    assert wrong_city.score == pytest.approx(1 + (-3 + 6 * 0.75))
    missing_key = run(tag({"name": "get_weather", "arguments": {"city": "Paris"}}), gold)
    assert missing_key.components["toolcall.keys"] == pytest.approx(0.5)
    assert missing_key.components["toolcall.match"] == pytest.approx((1 + 0.5 + 1) / 4)
    # half the calls: name Jaccard 1/2, one pair of (1 key Jaccard + 2 values) over S_max = 1 + 2 + 3
    half = run(tag(WEATHER))
    assert half.components["toolcall.name"] == pytest.approx(0.5)
    assert half.components["toolcall.match"] == pytest.approx((0.5 + 1 + 2) / 6)


def test_wrong_tool_earns_no_argument_credit_by_default() -> None:
    other = tag({"name": "get_forecast", "arguments": {"city": "Paris", "unit": "celsius"}})
    assert run(other, [WEATHER]).components["toolcall.match"] == 0.0
    assert run(other, [WEATHER], args_need_name=False).components["toolcall.match"] == pytest.approx(3 / 4)


@pytest.mark.parametrize(
    ("completion", "fmt", "why"),
    [
        ("", 0.0, "no tool call found"),
        ("<tool_call></tool_call>", 0.0, "is empty"),
        ("<tool_call>{}</tool_call>", 0.0, "missing 'name'"),
        ("<tool_call>{not json}</tool_call>", 0.0, "not valid JSON"),
        ("<tool_call>" + json.dumps(WEATHER), 0.0, "unclosed"),
        ('<tool_call>{"name": "f", "arguments": [1]}</tool_call>', 0.0, "must be an object"),
        ("[]", 0.0, "no tool call"),
        ("The tool call is correct.", 0.0, "no tool call found"),
    ],
)
def test_format_failures(completion: str, fmt: float, why: str) -> None:
    r = run(completion, [WEATHER])
    assert r.components["toolcall.format"] == fmt
    assert why in r.info["format_problem"]
    assert r.score == -3.0


def test_extra_calls_are_refused() -> None:
    shotgun = tag(WEATHER, {"name": "search", "arguments": {"q": "weather"}})
    r = run(shotgun, [WEATHER])
    assert r.score == -2.0 and "extra calls are refused" in r.info["reason"]
    assert run(tag(WEATHER, WEATHER), [WEATHER]).score == -2.0
    lenient = run(shotgun, [WEATHER], max_extra_calls=1)
    assert lenient.components["toolcall.name"] == pytest.approx(0.5)


def test_no_call_expected() -> None:
    assert run("I can answer directly: it is sunny.", []).components["toolcall.match"] == 1.0
    assert run(tag(WEATHER), []).components["toolcall.match"] == 0.0


def test_options() -> None:
    upper = tag({"name": "get_weather", "arguments": {"city": "PARIS ", "unit": "celsius"}})
    assert run(upper, [WEATHER]).components["toolcall.values"] == 0.5
    assert run(upper, [WEATHER], value_match="normalized").components["toolcall.values"] == 1.0
    unit = run(tag(WEATHER), [WEATHER], format_weight=0, correct_min=0, correct_max=1)
    assert unit.score == 1.0
    weighted = run(tag({"name": "get_weather", "arguments": {"city": "Rome"}}), [WEATHER], match_weights={"values": 1})
    assert weighted.components["toolcall.match"] == 0.0
    think = "<think>need weather</think>" + tag(WEATHER)
    assert run(think, [WEATHER], require_think=True).components["toolcall.format"] == 1.0
    assert run(tag(WEATHER), [WEATHER], require_think=True).components["toolcall.format"] == 0.0
    with pytest.raises(ValueError, match="unknown keys"):
        ToolCall(match_weights={"names": 1})
    with pytest.raises(ValueError, match="below correct_min"):
        ToolCall(correct_min=1, correct_max=0)


def test_gold_validation_and_parsing_helpers() -> None:
    r = run(tag(WEATHER), [{"arguments": {}}])
    assert r.status is Status.ERROR and "field 'gold_calls': gold_calls[0]: missing 'name'" in (r.error or "")
    assert run(tag(WEATHER), json.dumps([WEATHER])).score == 4.0
    assert ToolCall().score({"completion": "x"}).status is Status.NOT_APPLICABLE
    assert parse_calls('{"name": "a"}').calls == [Call("a", {})]
    assert json_equal([1, {"a": True}], [1.0, {"a": True}]) and not json_equal(True, 1) and not json_equal("1", 1)
    many = [{"name": f"f{i}", "arguments": {"x": i}} for i in range(12)]
    big = run(tag(*reversed(many)), many)  # 12 x 12: greedy pairing beyond the exact search
    assert big.components["toolcall.match"] == 1.0


# ---- BFCL-style golds: several acceptable values per argument, "" = may be left out ------------------
# Real possible answers of the Berkeley Function Calling Leaderboard (ShishirPatil/gorilla,
# berkeley-function-call-leaderboard/data/possible_answer/, Apache-2.0), e.g. BFCL_v3_simple.json:
SIMPLE_2 = [{"math.hypot": {"x": [4], "y": [5], "z": ["", 0]}}]
SIMPLE_37 = [
    {
        "route.estimate_time": {
            "start_location": ["San Francisco"],
            "end_location": ["Los Angeles"],
            "stops": [["Santa Barbara", "Monterey"], ["Monterey", "Santa Barbara"]],
        }
    }
]
SIMPLE_89 = [
    {
        "db_fetch_records": {
            "database_name": ["StudentDB"],
            "table_name": ["students"],
            "conditions": [{"department": ["Science"], "school": ["Bluebird High School", "Bluebird HS"]}],
            "fetch_limit": ["", 0],
        }
    }
]


def call(name: str, **arguments: object) -> str:
    return json.dumps({"name": name, "arguments": arguments})


@pytest.mark.parametrize(
    ("gold", "completion", "full"),
    [
        (SIMPLE_2, call("math.hypot", x=4, y=5), True),  # the optional z left out
        (SIMPLE_2, call("math.hypot", x=4, y=5, z=0), True),
        (SIMPLE_2, call("math.hypot", x=4.0, y=5), False),  # a float where an integer is expected
        (SIMPLE_2, call("math.hypot", x=4, y=5, z=1), False),
        (SIMPLE_2, call("math.hypot", x=4), False),  # a required argument missing
        (SIMPLE_2, call("math.hypot", x=4, y=5, w=1), False),  # an unexpected argument
        (SIMPLE_37, call("route.estimate_time", start_location="san francisco", end_location="Los Angeles",
                         stops=["Monterey", "Santa-Barbara"]), True),  # any listed order, BFCL-standardized
        (SIMPLE_37, call("route.estimate_time", start_location="San Francisco", end_location="Los Angeles",
                         stops=["Monterey"]), False),
        (SIMPLE_89, call("db_fetch_records", database_name="StudentDB", table_name="students",
                         conditions={"department": "Science", "school": "Bluebird HS"}), True),
        (SIMPLE_89, call("db_fetch_records", database_name="StudentDB", table_name="students",
                         conditions={"department": "Science"}), False),  # school is not optional in the dict
        (SIMPLE_89, call("db_fetch_records", database_name="StudentDB", table_name="students",
                         conditions={"department": "Arts", "school": "Bluebird HS"}), False),
    ],
)  # fmt: skip
def test_bfcl_possible_answers(gold: list, completion: str, full: bool) -> None:
    r = run(completion, gold)
    assert r.info["gold_format"] == "bfcl"
    assert (r.components["toolcall.match"] == 1.0) is full, r.components


def test_bfcl_left_out_optional_arguments_count_as_given_and_right() -> None:
    r = run(call("math.hypot", x=4, y=5), SIMPLE_2)
    assert r.score == 4.0 and r.components["toolcall.keys"] == 1.0 and r.components["toolcall.values"] == 1.0
    wrong = run(call("math.hypot", x=4, y=6), SIMPLE_2)  # 3 arguments, y wrong: ToolRL match (1+1+2)/(1+1+3)
    assert wrong.components["toolcall.match"] == pytest.approx(4 / 5)


def test_bfcl_gold_format_and_value_match_options() -> None:
    # gold_format="calls" does not read the BFCL shape (it has no 'name'); "auto" does
    r = ToolCall(gold_format="calls").score({"completion": call("math.hypot", x=4, y=5), "gold_calls": SIMPLE_2})
    assert r.status is Status.ERROR and "missing 'name'" in (r.error or "")
    # BFCL golds compare with BFCL's rules by default; value_match="exact": "san francisco" is not "San Francisco"
    loose = call("route.estimate_time", start_location="san francisco", end_location="Los Angeles",
                 stops=["Santa Barbara", "Monterey"])  # fmt: skip
    assert run(loose, SIMPLE_37).components["toolcall.match"] == 1.0
    assert run(loose, SIMPLE_37, value_match="exact").components["toolcall.match"] < 1.0
    # a native gold stays exact by default, BFCL rules on request
    native = [{"name": "f", "arguments": {"city": "New York, NY"}}]
    assert run(call("f", city="new york,ny"), native).components["toolcall.values"] == 0.0
    assert run(call("f", city="new york,ny"), native, value_match="bfcl").components["toolcall.values"] == 1.0
    bad = run(call("f"), [{"f": {"x": []}}])
    assert bad.status is Status.ERROR and "gold_calls[0].x: expected at least one acceptable value" in (bad.error or "")


BFCL_CASES = [json.loads(line) for line in (Path(__file__).parent / "toolcall" / "bfcl_cases.jsonl").open()]
# Where BFCL's checker decides with the function schema, which gold_calls does not carry: it requires
# the schema's required arguments even when the possible answer marks them optional with "".
BFCL_SCHEMA_DIFFERENCES = {("parallel_multiple_119", "any")}


@pytest.mark.parametrize("case", BFCL_CASES, ids=[f"{c['id']}-{c['variant']}" for c in BFCL_CASES])
def test_agrees_with_bfcl_checker_verdicts(case: dict) -> None:
    """Full match == the verdict of BFCL's own AST checker, recorded by toolcall/make_bfcl_cases.py."""
    r = run(json.dumps(case["prediction"]), case["ground_truth"], correct_min=0, correct_max=1, format_weight=0)
    full = r.components["toolcall.match"] == 1.0
    if (case["id"], case["variant"]) in BFCL_SCHEMA_DIFFERENCES:
        assert full != case["bfcl_valid"]
    else:
        assert full == case["bfcl_valid"], r.info
