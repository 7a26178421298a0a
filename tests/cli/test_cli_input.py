"""Hostile input to the command line (issue 16, item 8): a bad line costs its own line only, a bad
spec or path is exit 2 with a message that names the line, field or path -- never a traceback, a
silently dropped value or a silent 0.0.

Each class is varied: several kinds of bytes that are not UTF-8, lone surrogates in several
fields, nesting in lists and objects, huge numbers, files, stdin and gzip; alias cycles of several
shapes and an alias bomb; NaN and infinities written in several ways; duplicate keys at several
levels and in JSON; several kinds of path errors.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rewardlab.cli import app
from rewardlab.data import read_jsonl

runner = CliRunner()


def run(*args: str, input: bytes | str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), input=input)


def good(i: int) -> bytes:
    return json.dumps({"id": i, "completion": str(i), "answer": str(i)}).encode()


BAD_LINES: dict[str, tuple[bytes, str]] = {
    "invalid byte": (b'{"completion": "\xff", "answer": "4"}', "not UTF-8 text (byte 0xff"),
    "latin-1 text": ('{"completion": "café", "answer": "4"}'.encode("latin-1"), "not UTF-8 text (byte 0xe9"),
    "overlong slash": (b'{"completion": "\xc0\xaf", "answer": "4"}', "not UTF-8 text (byte 0xc0"),
    "encoded surrogate": (b'{"completion": "\xed\xa0\x80", "answer": "4"}', "not UTF-8 text (byte 0xed"),
    "truncated sequence": (b'{"completion": "\xe2\x82", "answer": "4"}', "not UTF-8 text"),
    "lone high surrogate": (b'{"completion": "\\ud800", "answer": "4"}', "field 'completion': lone surrogate U+D800"),
    "lone low surrogate": (b'{"completion": "4", "answer": "\\udfff"}', "field 'answer': lone surrogate U+DFFF"),
    "reversed pair": (b'{"completion": "\\ude00\\ud83d", "answer": "4"}', "lone surrogate U+DE00"),
    "surrogate in a message": (
        b'{"prompt": [{"role": "user", "content": "hi \\udbff"}], "completion": "4"}',
        "field 'prompt[0].content': lone surrogate U+DBFF",
    ),
    "surrogate in a key": (b'{"completion": "4", "\\ud800": 1}', "lone surrogate U+D800 in a key"),
    "deep list": (b'{"completion": "4", "x": ' + b"[" * 100 + b"]" * 100 + b"}", "field 'x"),
    "deep object": (b'{"completion": "4", "x": ' + b'{"a": ' * 80 + b"1" + b"}" * 80 + b"}", "nested deeper than 64"),
    "very deep list": (b'{"completion": "4", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}", "nested too deeply"),
    "huge integer": (b'{"completion": "4", "answer": ' + b"7" * 5000 + b"}", "more than 4300 digits"),
    "huge negative integer": (b'{"completion": "4", "id": -' + b"1" * 4400 + b"}", "more than 4300 digits"),
}


def hostile_file(bom: bool = True) -> tuple[bytes, list[int], dict[int, str]]:
    """Good rows and every bad line interleaved; (content, ids of the good rows, line -> expected message)."""
    lines: list[bytes] = []
    ids: list[int] = []
    expected: dict[int, str] = {}
    for i, (raw, says) in enumerate(BAD_LINES.values()):
        lines.append(good(i))
        ids.append(i)
        lines.append(raw)
        expected[len(lines)] = says
    lines.append(good(99))
    ids.append(99)
    content = b"\n".join(lines) + b"\n"
    return (b"\xef\xbb\xbf" + content if bom else content), ids, expected


def check_scored(output: str, out_rows: list[dict], ids: list[int], expected: dict[int, str], source: str) -> None:
    assert [r["id"] for r in out_rows] == ids  # every good row, in order: none lost after a bad one
    assert all(r["reward"]["score"] == 1.0 for r in out_rows)
    text = " ".join(output.split())  # rich wraps long lines
    for line, says in expected.items():
        assert f"{source}:{line}:" in text, (line, says)
        assert says in text, (line, says)
    assert f"malformed lines skipped {len(expected)}" in text
    assert "Traceback" not in output


def test_score_keeps_every_good_row_around_hostile_lines(tmp_path: Path) -> None:
    content, ids, expected = hostile_file()
    src = tmp_path / "in.jsonl"
    src.write_bytes(content)
    out = tmp_path / "out.jsonl"
    res = run("score", "-r", "exact_match", "-i", str(src), "-o", str(out))
    assert res.exit_code == 1, res.output
    check_scored(res.output, read_jsonl(out), ids, expected, str(src))


def test_score_from_gzip(tmp_path: Path) -> None:
    content, ids, expected = hostile_file()
    src = tmp_path / "in.jsonl.gz"
    src.write_bytes(gzip.compress(content))
    out = tmp_path / "out.jsonl"
    res = run("score", "-r", "exact_match", "-i", str(src), "-o", str(out))
    assert res.exit_code == 1
    check_scored(res.output, read_jsonl(out), ids, expected, str(src))


def test_score_from_stdin() -> None:
    content, ids, expected = hostile_file()
    res = run("score", "-r", "exact_match", input=content)
    assert res.exit_code == 1
    rows = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    check_scored(res.output, rows, ids, expected, "-")


def test_a_bom_costs_no_line(tmp_path: Path) -> None:
    src = tmp_path / "bom.jsonl"
    src.write_bytes(b"\xef\xbb\xbf" + good(1) + b"\n" + good(2) + b"\n")
    out = tmp_path / "out.jsonl"
    res = run("score", "-r", "exact_match", "-i", str(src), "-o", str(out))
    assert res.exit_code == 0, res.output
    assert [r["id"] for r in read_jsonl(out)] == [1, 2]


@pytest.mark.parametrize("name", sorted(BAD_LINES))
def test_strict_stops_at_a_hostile_line_with_exit_2(tmp_path: Path, name: str) -> None:
    raw, says = BAD_LINES[name]
    src = tmp_path / "in.jsonl"
    src.write_bytes(good(1) + b"\n" + raw + b"\n" + good(2) + b"\n")
    res = run("score", "-r", "exact_match", "-i", str(src), "--strict", "-o", str(tmp_path / "o.jsonl"))
    assert res.exit_code == 2, res.output
    assert f"{src}:2:" in res.output and says in " ".join(res.output.split())
    assert "Traceback" not in res.output


# ---- malformed references: an error naming the field, never a silent 0.0 ------------------------
@pytest.mark.parametrize("reward", ["exact_match", "qa", "math", "choice"])
@pytest.mark.parametrize(
    "answer", [{"x": [1]}, [["4"]], [{"value": "4"}], "NaN", "Infinity"], ids=["object", "nested", "objs", "nan", "inf"]
)
def test_malformed_reference_is_an_error_naming_the_field(tmp_path: Path, reward: str, answer: object) -> None:
    src = tmp_path / "in.jsonl"
    raw_answer = answer if isinstance(answer, str) else json.dumps(answer)
    first = f'{{"prompt": "Q? A) 4 B) 5", "completion": "4", "answer": {raw_answer}}}'
    src.write_text(first + '\n{"prompt": "Q?", "completion": "A", "answer": "A"}\n')
    out = tmp_path / "out.jsonl"
    res = run("score", "-r", reward, "-i", str(src), "-o", str(out))
    rows = read_jsonl(out)
    assert len(rows) == 2
    bad = rows[0]["reward"]
    assert bad["status"] == "error" and bad["score"] is None, bad
    assert "field 'answer" in bad["error"] and "expected a string, a number or a list of them" in bad["error"]
    assert rows[1]["reward"]["status"] == "ok"
    assert res.exit_code == 1


# ---- specs ---------------------------------------------------------------------------------------
BAD_SPECS: dict[str, tuple[str, str]] = {
    "self-referencing mapping": ("reward: &r {type: clip, low: 0, child: *r}\n", "a cycle"),
    "self-referencing list": ("reward:\n  type: weighted_sum\n  children: &c [exact_match, *c]\n", "a cycle"),
    "cycle through two anchors": (
        "a: &a {type: clip, low: 0, child: &b {type: clip, low: 0, child: *a}}\nreward: *b\n",
        "a cycle",
    ),
    "alias bomb": (
        "x0: &x0 [em, em, em, em, em, em, em, em, em, em]\n"
        + "".join(f"x{i}: &x{i} [" + ", ".join([f"*x{i - 1}"] * 10) + "]\n" for i in range(1, 7))
        + "reward: exact_match\n",
        "aliases expand the spec to more than",
    ),
    "deep flow": ("reward: " + "{type: clip, low: 0, child: " * 100 + "exact_match" + "}" * 100 + "\n", "nested"),
    "very deep flow": ("reward: {type: exact_match, name: " + "[" * 3000 + "]" * 3000 + "}\n", "nested too deeply"),
    "deep block": (
        "reward:\n" + "".join("  " * (i + 1) + "child:\n" for i in range(80)) + "  " * 81 + "x: 1\n",
        "nested deeper than 64",
    ),
    "NaN weight": ("reward:\n  type: weighted_sum\n  children:\n    - {type: exact_match, weight: .nan}\n", "weight"),
    "inf weight": ("reward:\n  type: weighted_sum\n  children:\n    - {type: exact_match, weight: .inf}\n", "inf"),
    "-inf weight": ("reward:\n  type: weighted_sum\n  children:\n    - {type: exact_match, weight: -.Inf}\n", "inf"),
    "overflowing weight": ("reward: {type: exact_match, weight: 1e400}\n", "reward.weight: inf is not a finite"),
    "NaN parameter": ("reward: {type: clip, low: .NaN, child: exact_match}\n", "reward.low: nan"),
    "duplicate top-level key": ("reward: exact_match\nname: a\nreward: format\n", "the key 'reward' is given twice"),
    "duplicate nested key": (
        "reward:\n  type: exact_match\n  ignore_case: true\n  ignore_case: false\n",
        "the key 'ignore_case' is given twice (first on line 3)",
    ),
    "duplicate key in a list item": (
        "reward:\n  type: weighted_sum\n  children:\n    - {type: exact_match, weight: 1, weight: 2}\n",
        "the key 'weight' is given twice",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_SPECS))
def test_validate_refuses_hostile_specs_with_exit_2(tmp_path: Path, name: str) -> None:
    text, says = BAD_SPECS[name]
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    for command in (["validate", str(spec)], ["score", "-r", str(spec)]):
        res = run(*command, input="")
        assert res.exit_code == 2, (command, res.output, res.exception)
        assert says in " ".join(res.output.split()), res.output
        assert "Traceback" not in res.output and not isinstance(res.exception, (RecursionError, ValueError))


def test_duplicate_keys_in_a_json_spec(tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text('{"reward": {"type": "exact_match", "weight": 1, "weight": 2}}')
    res = run("validate", str(spec))
    assert res.exit_code == 2 and "the key 'weight' is given twice" in res.output


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", "1e999"])
def test_non_finite_parameters_on_the_command_line(value: str) -> None:
    res = run("score", "-r", "exact_match", "-p", f"weight={value}", input="")
    assert res.exit_code == 2 and "reward.weight" in res.output and "not a finite number" in res.output


def test_shared_anchors_that_are_not_cycles_still_work(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "base: &em {type: exact_match, ignore_case: false}\n"
        "reward:\n  type: weighted_sum\n  children:\n    - {<<: *em, name: a}\n    - {<<: *em, name: b, weight: 2}\n"
    )
    res = run("validate", str(spec))
    # 'base' is not a top-level key of a spec, but the anchors and the merge keys were read fine
    assert res.exit_code == 2 and "unknown top-level key 'base'" in res.output
    spec.write_text("reward:\n  type: weighted_sum\n  children:\n    - &em {type: exact_match, name: a}\n    - *em\n")
    res = run("validate", str(spec))
    assert "is given twice" not in res.output and "a cycle" not in res.output


# ---- paths -----------------------------------------------------------------------------------------
def test_path_errors_exit_2_naming_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REWARDLAB_HOME", str(tmp_path / "home"))  # (no run folder is made before a path error)
    src = tmp_path / "in.jsonl"
    src.write_bytes(good(1) + b"\n")
    cases = [
        (["score", "-r", "exact_match", "-i", str(src), "-o", str(tmp_path / "missing" / "out.jsonl")], "missing"),
        (["score", "-r", "exact_match", "-i", str(src), "-o", str(tmp_path)], str(tmp_path)),
        (["score", "-r", "exact_match", "-i", str(tmp_path)], str(tmp_path)),
        (["score", "-r", "exact_match", "-i", str(tmp_path / "nope.jsonl")], "nope.jsonl"),
        (["validate", str(tmp_path)], str(tmp_path)),
        (["validate", str(tmp_path / "nope.yaml")], "nope.yaml"),
        (["eval", "prefs", "-r", "exact_match", "--data", str(tmp_path), "--no-record"], str(tmp_path)),
    ]
    for args, names in cases:
        res = run(*args)
        assert res.exit_code == 2, (args, res.output, res.exception)
        assert "error" in res.output and names in res.output, (args, res.output)


# ---- preference commands ---------------------------------------------------------------------------
def preference_file(tmp_path: Path) -> Path:
    rows = [
        json.dumps({"prompt": f"q{i}", "chosen": f"a kind answer {i}", "rejected": "no"}).encode() for i in range(6)
    ]
    bad = [raw for raw, _ in BAD_LINES.values()] + [b'{"prompt": "q", "chosen": {"x": 1}, "rejected": "x"}']
    lines = [*rows[:3], *bad, *rows[3:]]
    path = tmp_path / "prefs.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b"\n".join(lines) + b"\n")
    return path


@pytest.mark.parametrize("command", ["prefs", "robustness"])
def test_eval_reports_bad_lines_evaluates_the_rest_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    monkeypatch.setenv("REWARDLAB_HOME", str(tmp_path / "home"))
    data = preference_file(tmp_path)
    args = ["eval", command, "-r", "length_band", "-p", "min_length=5", "-p", "unit=chars", "--data", str(data)]
    if command == "robustness":
        args += ["-t", "whitespace"]
    res = run(*args, "--no-record")
    # evaluated, but lines were lost: visible in the exit status as in `score` (was 0)
    assert res.exit_code == 1, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    text = " ".join(res.output.split())
    bad = len(BAD_LINES) + 1
    assert f"{bad} of {bad + 6} line(s) of {data} could not be read and were skipped (--strict" in text
    assert f"{data}:4: not UTF-8 text" in text  # line 1 has a BOM and is a good row
    if command == "prefs":
        assert "pairs │ 6" in text


@pytest.mark.parametrize("command", ["prefs", "robustness"])
def test_eval_strict_stops_at_the_first_bad_line_before_any_run_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("REWARDLAB_HOME", str(home))
    data = preference_file(tmp_path)
    out = tmp_path / "run"
    res = run("eval", command, "-r", "length_band", "--data", str(data), "--out", str(out), "--strict")
    assert res.exit_code == 2, res.output
    assert f"{data}:4:" in res.output and "not UTF-8 text" in res.output
    assert not out.exists()
    assert not (home / "runs").exists() or not any((home / "runs").iterdir())


def _samples_file(tmp_path: Path) -> Path:
    path = tmp_path / "samples.jsonl"
    path.write_text(json.dumps({"prompt": "q", "completion": "a", "answer": "a"}) + "\n", encoding="utf-8")
    return path


EVAL_WITH_DATA = {
    "prefs": ["-r", "exact_match"],
    "robustness": ["-r", "exact_match"],
    "bon": ["-r", "length"],
    "agreement": ["-a", "exact_match", "-b", "length"],
    "distance": ["-a", "exact_match", "-b", "length"],
}


@pytest.mark.parametrize("command", sorted(EVAL_WITH_DATA))
@pytest.mark.parametrize("problem", ["missing file", "a directory"])
def test_eval_data_path_errors_leave_no_run_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str, problem: str
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("REWARDLAB_HOME", str(home))
    data = tmp_path / "nope.jsonl" if problem == "missing file" else tmp_path
    for out in (None, tmp_path / "run"):  # the default folder under $REWARDLAB_HOME/runs, and --out
        args = ["eval", command, *EVAL_WITH_DATA[command], "--data", str(data), "--no-record"]
        res = run(*args, *(["--out", str(out)] if out else []))
        assert res.exit_code == 2, (command, res.output, res.exception)
        assert "error" in res.output and str(data) in " ".join(res.output.split()).replace(" ", ""), res.output
        assert out is None or not out.exists(), f"{command} made --out before reading {data}"
        assert not (home / "runs").exists() or not any((home / "runs").iterdir()), f"{command} made a run folder"


def test_eval_bad_out_is_refused_before_the_data_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REWARDLAB_HOME", str(tmp_path / "home"))
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine", encoding="utf-8")
    res = run("eval", "agreement", "-a", "exact_match", "-b", "length", "--data", str(_samples_file(tmp_path)))
    assert res.exit_code == 0, res.output  # the data is fine
    args = ["eval", "agreement", "-a", "exact_match", "-b", "length", "--data", str(tmp_path / "nope.jsonl")]
    res = run(*args, "--out", str(busy), "--no-record")
    assert res.exit_code == 2 and "not empty" in " ".join(res.output.split()), res.output
    assert sorted(p.name for p in busy.iterdir()) == ["notes.txt"]


def test_train_bt_strict_stops_at_the_first_bad_line_with_exit_2(tmp_path: Path) -> None:
    data = preference_file(tmp_path)
    res = run("train", "bt", "-d", str(data), "-o", str(tmp_path / "rm"), "--strict", "-e", "1")
    assert res.exit_code == 2, res.output
    assert f"{data}:4:" in res.output and "not UTF-8 text" in res.output
    assert not (tmp_path / "rm").exists() or not any((tmp_path / "rm").iterdir())


# ---- the server's options ----------------------------------------------------------------------------
@pytest.mark.parametrize("token", ["pässword", "with space", "ключ"])
def test_serve_refuses_a_token_no_header_can_carry(token: str) -> None:
    res = run("serve", "-r", "exact_match", "--token", token, "--port", "0")
    assert res.exit_code == 2 and "token" in res.output and "visible ASCII" in " ".join(res.output.split())
