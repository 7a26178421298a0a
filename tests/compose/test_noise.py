"""The ``noise`` transform: rate, modes, reproducibility across batches and processes, specs."""

from __future__ import annotations

import pickle
import statistics

import pytest
from pydantic import ValidationError

from rewardlab.compose.noise import Noise, sample_uniforms
from rewardlab.core.spec import build_reward, resolve, spec_from_dict
from rewardlab.verifiers import ExactMatch


def _samples(n: int) -> list[dict[str, object]]:
    return [{"id": f"s{i}", "completion": "4", "answer": "4" if i % 2 else "5"} for i in range(n)]


@pytest.mark.parametrize("p", [0.0, 0.1, 0.3, 1.0])
def test_flip_rate_matches_p(p: float) -> None:
    samples = _samples(4000)
    clean = ExactMatch().scores(samples)
    noisy = Noise(child=ExactMatch(), p=p, seed=7).scores(samples)
    flipped = sum(a != b for a, b in zip(clean, noisy, strict=True)) / len(samples)
    assert flipped == pytest.approx(p, abs=0.025)
    assert all(b == 1.0 - a for a, b in zip(clean, noisy, strict=True) if a != b)


def test_same_sample_same_noise_in_any_batch_and_order() -> None:
    samples = _samples(200)
    r = Noise(child=ExactMatch(), p=0.5, mode="gaussian", sigma=0.3, seed=3)
    full = r.scores(samples)
    rev = r.scores(samples[::-1])[::-1]
    single = [r.score(s).score for s in samples[:20]]
    assert full == rev and full[:20] == single
    other_seed = Noise(child=ExactMatch(), p=0.5, mode="gaussian", sigma=0.3, seed=4).scores(samples)
    assert other_seed != full
    # samples without an id are keyed by their text
    a = r.score({"prompt": "q", "completion": "4", "answer": "4"}).score
    assert a == r.score({"prompt": "q", "completion": "4", "answer": "4"}).score


def test_gaussian_noise_has_the_right_spread_and_replace_stays_in_range() -> None:
    samples = _samples(3000)
    clean = ExactMatch().scores(samples)
    noisy = Noise(child=ExactMatch(), p=1.0, mode="gaussian", sigma=0.5).scores(samples)
    diffs = [b - a for a, b in zip(clean, noisy, strict=True)]
    assert abs(statistics.fmean(diffs)) < 0.04 and statistics.stdev(diffs) == pytest.approx(0.5, rel=0.06)
    rep = Noise(child=ExactMatch(), p=1.0, mode="replace", low=-2, high=2).scores(samples)
    assert all(-2 <= v <= 2 for v in rep) and statistics.fmean(rep) == pytest.approx(0.0, abs=0.1)
    flip = Noise(child=ExactMatch(), p=1.0, low=-1.0, high=1.0).scores(samples[:4])
    assert flip == [0.0, -1.0, 0.0, -1.0]  # reflected within [-1, 1]: 0 -> 0, 1 -> -1


def test_info_says_which_samples_were_hit_and_specs_build_it() -> None:
    spec = spec_from_dict({"name": "noisy", "reward": {"type": "noise", "p": 1.0, "child": {"type": "exact_match"}}})
    result = spec.reward.score({"id": 1, "completion": "a", "answer": "a"})
    assert result.score == 0.0 and result.info["noised"] is True and result.info["input_score"] == 1.0
    r = build_reward({"type": "noise", "p": 0.2, "mode": "replace", "child": {"type": "exact_match"}, "seed": 5})
    assert isinstance(r, Noise) and r.to_spec()["seed"] == 5
    assert pickle.loads(pickle.dumps(r)).scores(_samples(50)) == r.scores(_samples(50))
    assert (
        resolve("noise", params={"p": 1.0, "child": {"type": "exact_match"}})
        .reward.score({"id": 2, "completion": "a", "answer": "b"})
        .score
        == 1.0
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [({"p": 1.5}, "less than or equal to 1"), ({"p": 0.1, "low": 2, "high": 1}, "must not exceed")],
)
def test_bad_parameters_are_named(params: dict[str, float], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Noise(child=ExactMatch(), **params)


def test_uniforms_are_uniform() -> None:
    values = [sample_uniforms(0, str(i), 1)[0] for i in range(5000)]
    assert statistics.fmean(values) == pytest.approx(0.5, abs=0.02) and min(values) >= 0 and max(values) < 1
