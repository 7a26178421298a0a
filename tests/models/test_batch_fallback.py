"""A model batch that raises is scored again by halves: only the samples the model cannot take
fail (issue 16, item 7), with the same scores the others get alone; a model that cannot load is
not retried; a deadline is never swallowed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rewardlab.core.errors import RewardTimeout
from rewardlab.core.sample import Sample
from rewardlab.core.spec import resolve
from rewardlab.models.fallback import batch_fallback


class Stub:
    def __init__(self, bad: set[str], load_error: Exception | None = None) -> None:
        self.bad = bad
        self.load_error = load_error
        self.calls: list[int] = []
        self.loads = 0

    def load(self) -> None:
        self.loads += 1
        if self.load_error is not None:
            raise self.load_error

    @batch_fallback(ready=lambda self: self.load())
    def _score_batch(self, samples: list[str], ctx: Any) -> list[Any]:
        self.calls.append(len(samples))
        if any(s in self.bad for s in samples):
            raise ValueError(f"refused {sorted(set(samples) & self.bad)}")
        if "deadline" in samples:
            raise RewardTimeout("past the deadline")
        return [f"ok:{s}" for s in samples]


@pytest.mark.parametrize("n", [1, 2, 7, 64])
@pytest.mark.parametrize("bad_at", [(), (0,), (-1,), (1, 5), "all"])
def test_only_the_culprits_fail_and_order_is_kept(n: int, bad_at: Any) -> None:
    samples = [f"s{i}" for i in range(n)]
    bad = set(samples) if bad_at == "all" else {samples[i] for i in bad_at if -n <= i < n}
    stub = Stub(bad)
    if n == 1 and bad:
        with pytest.raises(ValueError):  # a batch of one raises as before: the reward base reports it
            stub._score_batch(samples, None)
        return
    out = stub._score_batch(samples, None)
    assert len(out) == n
    for s, o in zip(samples, out, strict=True):
        if s in bad:
            assert isinstance(o, ValueError) and s in str(o)
        else:
            assert o == f"ok:{s}"
    if len(bad) == 1 and n == 64:
        assert len(stub.calls) <= 1 + 2 * 6  # by halves: about 2 log2(n) calls, not n


def test_a_model_that_cannot_load_fails_once() -> None:
    stub = Stub(set(), load_error=OSError("weights file is corrupt"))
    with pytest.raises(OSError):
        stub._score_batch([f"s{i}" for i in range(16)], None)
    assert stub.loads == 1 and stub.calls == []


def test_a_deadline_is_not_retried_by_halves() -> None:
    stub = Stub(set())
    with pytest.raises(RewardTimeout):
        stub._score_batch(["a", "deadline", "b"], None)
    assert stub.calls == [3]


@pytest.mark.integration
def test_a_real_reward_model_batch_with_text_its_tokenizer_refuses(tmp_path: Path) -> None:
    from rewardlab.models.bt.checkpoint import create_reward_model

    folder = create_reward_model(tmp_path / "rm", max_length=48, seed=1)
    spec = resolve(f"rm:{folder}")
    good = [Sample(prompt=f"question {i}", completion="a kind and helpful answer " * (i % 3 + 1)) for i in range(9)]
    # Sample() refuses a lone surrogate; a sample built around validation reaches the model as it is.
    poisoned = [
        Sample.model_construct(prompt="p", completion="bad \ud800 text"),
        Sample.model_construct(prompt=[{"role": "user", "content": "\udfff"}], completion="x"),
    ]
    batch = [*good[:4], poisoned[0], *good[4:8], poisoned[1], good[8]]
    results = spec.score_batch(batch)
    alone = [spec.score_batch([s])[0] for s in good]
    statuses = [r.status.value for r in results]
    assert statuses == ["ok"] * 4 + ["error"] + ["ok"] * 4 + ["error"] + ["ok"]
    scored = [r for r in results if r.status.value == "ok"]
    for r, a in zip(scored, alone, strict=True):
        assert r.score == pytest.approx(a.score, abs=1e-5)
