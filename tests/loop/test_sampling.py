"""`rewardlab sample`: prompts from rows, resumable runs, failures kept apart, the local and HTTP samplers.

The local tests run the embedded SmolLM2 with at most 8 new tokens on 2 prompts; the HTTP tests talk to a
fake OpenAI-compatible server on 127.0.0.1 (real HTTP).
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rewardlab.cli import app
from rewardlab.loop.prompts import PromptBuilder, PromptError
from rewardlab.loop.sample_file import InputProblems, run_sampling
from rewardlab.loop.sampling import (
    Completion,
    LocalSampler,
    OpenAISampler,
    Sampler,
    SamplingError,
    SamplingParams,
    make_sampler,
)
from tests.models.judges.fake_openai import FakeOpenAI

runner = CliRunner()


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write(path: Path, items: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in items), encoding="utf-8")
    return path


class Scripted(Sampler):
    """Completion k of a prompt is '<content>#k'; prompts listed in ``fail`` fail (each call counted)."""

    name = "scripted"

    def __init__(self, fail: set[str] | None = None, chunk: int = 1) -> None:
        self.fail = fail or set()
        self.calls: list[tuple[str, int]] = []
        self.chunk_prompts = chunk

    def sample(self, requests, params):  # type: ignore[no-untyped-def]
        out = []
        for r in requests:
            content = r.messages[-1]["content"]
            self.calls.append((content, r.count))
            if content in self.fail:
                out.append([RuntimeError(f"boom on {content}")] * r.count)
            else:
                out.append([Completion(f"{content}#{k}", "stop", 2, 4) for k in range(r.count)])
        return out


# ---- prompts ---------------------------------------------------------------------------------------
def test_prompt_builder_field_template_and_system() -> None:
    assert PromptBuilder().messages({"prompt": "hi"}) == [{"role": "user", "content": "hi"}]
    chat = [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]
    assert PromptBuilder(system="other").messages({"prompt": chat}) == chat  # an own system turn is kept
    assert PromptBuilder(template="{a} + {b[0]}").messages({"a": 1, "b": [2]})[0]["content"] == "1 + 2"
    assert PromptBuilder(template="{q}", system="S").prompt_value({"q": "x"}) == [
        {"role": "system", "content": "S"},
        {"role": "user", "content": "x"},
    ]


@pytest.mark.parametrize(
    ("builder", "row", "says"),
    [
        (PromptBuilder(template="{question}"), {"text": "x"}, "the template needs field 'question'"),
        (PromptBuilder(template="{question}"), {"question": None}, "field 'question'"),
        (PromptBuilder(), {"question": "x"}, "no 'prompt' field"),
        (PromptBuilder(field="q"), {"q": 3}, "field 'q' must be text or a list of chat messages"),
        (PromptBuilder(field="q"), {"q": [{"content": "no role"}]}, "field 'q' must be text"),
    ],
)
def test_prompt_builder_names_what_is_missing(builder: PromptBuilder, row: dict[str, Any], says: str) -> None:
    with pytest.raises(PromptError, match=says):
        builder.messages(row)


def test_bad_template_fails_at_once() -> None:
    with pytest.raises(PromptError, match="positional"):
        PromptBuilder(template="{} and {0}")
    with pytest.raises(PromptError, match="not a valid format string"):
        PromptBuilder(template="{unclosed")


# ---- the file driver -------------------------------------------------------------------------------
def test_run_writes_rows_with_group_fields(tmp_path: Path) -> None:
    src = write(tmp_path / "p.jsonl", [{"id": "a", "q": "x", "answer": "1"}, {"q": "y"}])
    out = tmp_path / "s.jsonl"
    report = run_sampling(src, out, Scripted(), SamplingParams(n=2), PromptBuilder(template="{q}"))
    assert (report.written, report.failed, report.prompts) == (4, 0, 2)
    got = rows(out)
    assert [(r["group_id"], r["sample_index"]) for r in got][:2] == [("a", 0), ("a", 1)]
    first = got[0]
    assert first["answer"] == "1" and first["q"] == "x"  # the input row passes through
    assert first["prompt"] == "x" and first["completion"] == "x#0"
    assert first["finish_reason"] == "stop" and first["completion_tokens"] == 2 and first["prompt_tokens"] == 4
    assert first["model"] == "scripted"
    assert got[2]["group_id"].startswith("p-")  # no id: a hash of the prompt


def test_failed_prompt_loses_nothing_else_and_rerun_fills_only_the_gap(tmp_path: Path) -> None:
    src = write(tmp_path / "p.jsonl", [{"id": i, "q": q} for i, q in enumerate(["a", "b", "c"])])
    out = tmp_path / "s.jsonl"
    flaky = Scripted(fail={"b"})
    report = run_sampling(src, out, flaky, SamplingParams(n=3), PromptBuilder(template="{q}"))
    assert (report.written, report.failed) == (6, 3)
    assert "boom on b" in next(iter(report.errors))
    assert {r["group_id"] for r in rows(out)} == {"0", "2"}
    fixed = Scripted()
    again = run_sampling(src, out, fixed, SamplingParams(n=3), PromptBuilder(template="{q}"))
    assert fixed.calls == [("b", 3)]  # only the missing prompt is drawn
    assert (again.written, again.already_done, again.rewritten) == (3, 6, False)
    # a completed group filled later is appended at the end; that keeps groups contiguous already
    assert [r["group_id"] for r in rows(out)] == ["0"] * 3 + ["2"] * 3 + ["1"] * 3


def test_resume_drops_a_torn_line_and_rewrites_groups_contiguous(tmp_path: Path) -> None:
    src = write(tmp_path / "p.jsonl", [{"id": "a", "q": "x"}, {"id": "b", "q": "y"}])
    out = tmp_path / "s.jsonl"
    run_sampling(src, out, Scripted(), SamplingParams(n=3), PromptBuilder(template="{q}"))
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    # lose a's second completion and tear the last line (a crash while writing)
    out.write_text(lines[0] + "".join(lines[2:5]) + lines[5][:20], encoding="utf-8")
    sampler = Scripted()
    report = run_sampling(src, out, sampler, SamplingParams(n=3), PromptBuilder(template="{q}"))
    assert sorted(sampler.calls) == [("x", 1), ("y", 1)]
    assert report.rewritten
    got = rows(out)
    expected = [("a", 0), ("a", 1), ("a", 2), ("b", 0), ("b", 1), ("b", 2)]
    assert [(r["group_id"], r["sample_index"]) for r in got] == expected


def test_resumed_completions_count_in_progress_but_not_in_its_rate(tmp_path: Path) -> None:
    import io

    from rewardlab.core.progress import PlainProgress

    src = write(tmp_path / "p.jsonl", [{"id": str(i), "q": str(i)} for i in range(4)])
    out = tmp_path / "s.jsonl"
    run_sampling(src, out, Scripted(), SamplingParams(n=2), PromptBuilder(template="{q}"), limit=3)
    seen: list[int] = []
    run_sampling(src, out, Scripted(), SamplingParams(n=2), PromptBuilder(template="{q}"), on_resume=seen.append)
    assert seen == [6]  # told once, before drawing, how many an earlier run wrote
    stream = io.StringIO()
    bar = PlainProgress("sampling", 8, stream=stream, every_s=3600)
    bar.resume(6)
    bar.started -= 10.0  # 10 s into this run, 2 new completions drawn: 0.2/s, 0 left
    bar.advance(2)
    line = stream.getvalue().splitlines()[-1]
    assert line.startswith("sampling: 8/8 (100%)  0.2/s") and "6 from an earlier run" in line


def test_bad_rows_stop_the_run_before_anything_is_drawn(tmp_path: Path) -> None:
    src = tmp_path / "p.jsonl"
    src.write_text('{"id": 1, "q": "x"}\nnot json\n{"id": 2}\n{"id": 1, "q": "again"}\n', encoding="utf-8")
    sampler = Scripted()
    with pytest.raises(InputProblems) as info:
        run_sampling(src, tmp_path / "s.jsonl", sampler, SamplingParams(n=2), PromptBuilder(template="{q}"))
    lines = [line for line, _ in info.value.problems]
    assert lines == [2, 3, 4]
    assert "needs field 'q'" in info.value.problems[1][1]
    assert "repeats line 1" in info.value.problems[2][1]
    assert sampler.calls == [] and not (tmp_path / "s.jsonl").exists()


def test_everything_failing_at_first_stops_with_the_error(tmp_path: Path) -> None:
    src = write(tmp_path / "p.jsonl", [{"q": str(i)} for i in range(5)])
    sampler = Scripted(fail={str(i) for i in range(5)})
    with pytest.raises(SamplingError, match=r"none of the first 2 completions.*boom on 0"):
        run_sampling(src, tmp_path / "s.jsonl", sampler, SamplingParams(n=2), PromptBuilder(template="{q}"))
    assert len(sampler.calls) == 1


def test_resume_refuses_another_model_or_a_foreign_file(tmp_path: Path) -> None:
    src = write(tmp_path / "p.jsonl", [{"q": "x"}])
    out = tmp_path / "s.jsonl"
    run_sampling(src, out, Scripted(), SamplingParams(n=1), PromptBuilder(template="{q}"))

    class Other(Scripted):
        name = "other"

    with pytest.raises(SamplingError, match="samples of scripted, not other"):
        run_sampling(src, out, Other(), SamplingParams(n=2), PromptBuilder(template="{q}"))
    foreign = write(tmp_path / "f.jsonl", [{"prompt": "x", "completion": "y"}])
    with pytest.raises(SamplingError, match="not a samples file"):
        run_sampling(src, foreign, Scripted(), SamplingParams(n=1), PromptBuilder(template="{q}"))


# ---- the local sampler (SmolLM2, 8 new tokens) ----------------------------------------------------------
@pytest.fixture(scope="module")
def smol() -> LocalSampler:
    from tests.models.smollm2_helpers import smollm2

    smollm2()  # converted once per session
    return LocalSampler("smollm2", device="cpu")


def test_local_sampler_counts_tokens_and_is_seeded(smol: LocalSampler, tmp_path: Path) -> None:
    params = SamplingParams(n=2, temperature=1.0, max_tokens=8, seed=3)
    src = write(tmp_path / "p.jsonl", [{"id": "a", "prompt": "Count to ten."}, {"id": "b", "prompt": "Name a fruit."}])
    run_sampling(src, tmp_path / "one.jsonl", smol, params, PromptBuilder())
    run_sampling(src, tmp_path / "two.jsonl", smol, params, PromptBuilder())
    one = rows(tmp_path / "one.jsonl")
    assert len(one) == 4
    for r in one:
        assert 1 <= r["completion_tokens"] <= 8
        assert r["finish_reason"] in {"stop", "length"}
        if r["finish_reason"] == "length":
            assert r["completion_tokens"] == 8
        assert r["prompt_tokens"] > 5 and r["model"] == "smollm2"
    assert one == rows(tmp_path / "two.jsonl")  # same file, seed and batch: same completions
    other = SamplingParams(n=2, temperature=1.0, max_tokens=8, seed=4)
    run_sampling(src, tmp_path / "three.jsonl", smol, other, PromptBuilder())
    assert [r["completion"] for r in rows(tmp_path / "three.jsonl")] != [r["completion"] for r in one]


def test_local_sampler_greedy_and_stop_strings(smol: LocalSampler) -> None:
    from rewardlab.loop.sampling import SampleRequest

    msgs = [{"role": "user", "content": "Write the numbers 1, 2, 3, 4, 5 separated by commas."}]
    greedy = smol.sample([SampleRequest(msgs, 2, 0)], SamplingParams(n=2, temperature=0, max_tokens=8))[0]
    assert greedy[0] == greedy[1]
    text = greedy[0].text
    assert "," in text, text  # the stop test below needs a comma in the greedy text
    stopped = smol.sample([SampleRequest(msgs, 1, 0)], SamplingParams(n=1, temperature=0, max_tokens=8, stop=(",",)))
    c = stopped[0][0]
    assert c.finish_reason == "stop" and "," not in c.text and text.startswith(c.text)
    assert c.completion_tokens < greedy[0].completion_tokens


# ---- the HTTP sampler (a fake OpenAI-compatible server) ----------------------------------------------
@pytest.fixture
def fake():  # type: ignore[no-untyped-def]
    server = FakeOpenAI().start()
    yield server
    server.stop()


def test_openai_sampler_one_request_per_completion(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.reply_for = lambda payload: f"seed {payload['seed']}"
    src = write(tmp_path / "p.jsonl", [{"id": "a", "prompt": "hi"}, {"id": "b", "prompt": "yo"}])
    sampler = OpenAISampler(model="m", base_url=fake.base_url, api_key_env=None, max_retries=1)
    params = SamplingParams(n=3, temperature=0.5, top_p=0.9, max_tokens=12, seed=1, stop=("###",))
    report = run_sampling(src, tmp_path / "s.jsonl", sampler, params, PromptBuilder(system="S"))
    assert report.written == 6
    assert len(fake.requests) == 6
    first = fake.requests[0]
    assert first["n"] == 1 and first["max_tokens"] == 12 and first["temperature"] == 0.5 and first["top_p"] == 0.9
    assert first["stop"] == ["###"] and first["messages"][0] == {"role": "system", "content": "S"}
    got = rows(tmp_path / "s.jsonl")
    seeds = [r["completion"] for r in got if r["group_id"] == "a"]
    assert len(set(seeds)) == 3  # a seed per completion
    assert {r["finish_reason"] for r in got} == {"stop"} and got[0]["model"] == "openai:m"


def test_openai_sampler_keeps_the_others_when_one_request_fails(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.script.extend([("status", 400)])  # not retried: that completion fails alone
    src = write(tmp_path / "p.jsonl", [{"id": "a", "prompt": "hi"}])
    sampler = OpenAISampler(model="m", base_url=fake.base_url, api_key_env=None, max_retries=0, concurrency=1)
    report = run_sampling(src, tmp_path / "s.jsonl", sampler, SamplingParams(n=3), PromptBuilder())
    assert (report.written, report.failed) == (2, 1)
    assert "HTTP 400" in next(iter(report.errors))
    again = run_sampling(src, tmp_path / "s.jsonl", sampler, SamplingParams(n=3), PromptBuilder())
    assert (again.written, again.already_done) == (1, 2)
    assert sorted(r["sample_index"] for r in rows(tmp_path / "s.jsonl")) == [0, 1, 2]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_cli_endpoint_down_is_a_clear_error(tmp_path: Path) -> None:
    src = write(tmp_path / "p.jsonl", [{"prompt": "hi"}])
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    args = ["sample", "-m", "openai:m", "--base-url", url, "-i", str(src), "-o", str(tmp_path / "s.jsonl")]
    res = runner.invoke(app, [*args, "-n", "2", "--max-retries", "0", "--no-progress"])
    assert res.exit_code == 2, res.output
    assert "does not answer" in res.output and "--base-url" in res.output


def test_cli_missing_template_field_names_line_and_field(tmp_path: Path) -> None:
    src = write(tmp_path / "p.jsonl", [{"question": "x"}, {"text": "y"}])
    res = runner.invoke(
        app, ["sample", "-i", str(src), "--template", "{question}", "-o", str(tmp_path / "s.jsonl"), "-m", "nope"]
    )
    assert res.exit_code == 2
    assert "model 'nope' not found" in res.output
    res = runner.invoke(app, ["sample", "-i", str(src), "--template", "{question}", "-o", str(tmp_path / "s.jsonl")])
    assert res.exit_code == 2, res.output
    assert "p.jsonl:2: the template needs field 'question'" in res.output
    assert not (tmp_path / "s.jsonl").exists()


def test_cli_help_has_an_example() -> None:
    res = runner.invoke(app, ["sample", "--help"])
    assert res.exit_code == 0
    assert "rewardlab sample -m smollm2 -i prompts.jsonl -n 8 -o samples.jsonl" in res.output


def test_make_sampler_rejects_http_options_for_a_local_model() -> None:
    with pytest.raises(SamplingError, match="only for an endpoint"):
        make_sampler("smollm2", concurrency=4)
    with pytest.raises(SamplingError, match="needs a model name"):
        make_sampler("openai:", base_url="http://127.0.0.1:1/v1")
