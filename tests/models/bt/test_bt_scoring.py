"""Scoring with a reward-model folder: deterministic across batch sizes, ensembles, specs, pickling, errors."""

from __future__ import annotations

import json
import pickle
import random
from pathlib import Path

import pytest

from rewardlab.compose.ensemble import Ensemble
from rewardlab.core.errors import SpecError
from rewardlab.core.spec import resolve, spec_from_dict
from rewardlab.models.bt.checkpoint import (
    CONFIG_FILE,
    RewardModelError,
    create_reward_model,
    load_reward_model,
    read_config,
)
from rewardlab.models.bt.reward import RewardModel
from rewardlab.models.bt.scorer import RewardModelScorer, length_buckets

pytestmark = pytest.mark.integration

WORDS = [
    "the",
    "reward",
    "model",
    "should",
    "give",
    "every",
    "sample",
    "the",
    "same",
    "score",
    "whatever",
    "else",
    "is",
    "in",
    "its",
    "batch",
]


def samples(n: int, seed: int = 0) -> list[dict[str, object]]:
    rng = random.Random(seed)
    out: list[dict[str, object]] = []
    for i in range(n):
        prompt = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 60)))
        completion = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 30)))
        if i % 3 == 0:
            out.append({"prompt": [{"role": "user", "content": prompt}], "completion": completion})
        else:
            out.append({"prompt": prompt, "completion": completion})
    return out


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return create_reward_model(tmp_path_factory.mktemp("rm") / "single", max_length=48, seed=1)


@pytest.fixture(scope="module")
def heads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return create_reward_model(tmp_path_factory.mktemp("rm") / "heads", max_length=48, n_heads=3, seed=2)


def test_same_score_alone_or_in_any_batch(single: Path) -> None:
    batch = samples(14)
    alone = [RewardModel(path=str(single), batch_size=1).score(s).score for s in batch]
    for size in (3, 64):
        together = RewardModel(path=str(single), batch_size=size).scores(batch)
        assert together == pytest.approx(alone, abs=1e-5), f"batch_size={size}"
    order = list(range(len(batch)))
    random.Random(5).shuffle(order)
    shuffled = RewardModel(path=str(single), batch_size=8).scores([batch[i] for i in order])
    assert shuffled == pytest.approx([alone[i] for i in order], abs=1e-5)
    assert len({round(s, 6) for s in alone if s is not None}) > 10  # the scores do differ between samples
    # The tokenizer's own padding side plays no part (rewardlab pads right, with an attention mask).
    rm = RewardModel(path=str(single), batch_size=64)
    rm.scorer.model.backbone.tokenizer.padding_side = "left"
    try:
        assert rm.scores(batch) == pytest.approx(alone, abs=1e-5)
    finally:
        rm.scorer.model.backbone.tokenizer.padding_side = "right"


def test_mean_pooling_is_deterministic_too(tmp_path: Path) -> None:
    folder = create_reward_model(tmp_path / "cm", max_length=40, pooling="mean", seed=4)
    assert read_config(folder).pooling == "mean"
    batch = samples(9, seed=3)
    alone = [RewardModel(path=str(folder)).score(s).score for s in batch]
    assert RewardModel(path=str(folder), batch_size=4).scores(batch) == pytest.approx(alone, abs=1e-5)


def test_truncation_is_reported(single: Path) -> None:
    long = {"prompt": "word " * 300, "completion": "short answer"}
    result = RewardModel(path=str(single)).score(long)
    assert result.info == {"truncated": True}
    assert RewardModel(path=str(single)).score({"prompt": "hi", "completion": "hello"}).info == {}


def test_heads_ensemble_reports_members_and_feeds_the_ensemble_combinator(heads: Path) -> None:
    rm = RewardModel(path=str(heads))
    result = rm.score({"prompt": "Hi", "completion": "Hello there, how can I help?"})
    members = result.info["members"]
    assert len(members) == 3 and len(set(members)) == 3
    assert result.score == pytest.approx(sum(members) / 3)
    assert result.info["std"] > 0
    worst = Ensemble(children=[rm], method="min").score({"prompt": "Hi", "completion": "Hello there, how can I help?"})
    assert worst.score == pytest.approx(min(members))
    assert sorted(worst.info["members"].values()) == pytest.approx(sorted(members))
    spec = spec_from_dict(
        {"reward": {"type": "ensemble", "method": "mean_minus_std", "k": 2.0, "children": [f"rm:{heads}"]}}
    )
    conservative = spec.score({"prompt": "Hi", "completion": "Hello there, how can I help?"})
    assert conservative.score == pytest.approx(conservative.info["mean"] - 2.0 * conservative.info["std"])
    assert conservative.info["mean"] == pytest.approx(result.score)


def test_reward_model_is_picklable_and_lists_itself(single: Path) -> None:
    rm = RewardModel(path=str(single))
    before = rm.score({"prompt": "a", "completion": "b"}).score
    copy = pickle.loads(pickle.dumps(rm))  # the loaded model is not pickled; it reloads lazily
    assert copy._scorer is None and copy.score({"prompt": "a", "completion": "b"}).score == pytest.approx(before)
    assert resolve(f"rm:{single}").reward.to_spec(minimal=True) == {"type": "reward_model", "path": str(single)}
    from rewardlab.core.catalog import describe
    from rewardlab.core.registry import get_reward_class

    info = describe(get_reward_class("reward_model"))
    assert info.family == "model" and {p.name for p in info.params} >= {"path", "batch_size", "max_length", "device"}


def test_bad_folders_fail_with_the_reason(tmp_path: Path, single: Path) -> None:
    with pytest.raises(SpecError, match="no such reward model folder"):
        resolve(f"rm:{tmp_path / 'missing'}")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SpecError, match="not a reward model folder"):
        spec_from_dict({"reward": {"type": "reward_model", "path": str(empty)}})
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / CONFIG_FILE).write_text(json.dumps({"format": "rewardlab.reward_model", "format_version": 1,
                                                  "kind": "encoder", "pooling": "max", "max_length": 64,
                                                  "members": [{"path": "member-0"}]}))  # fmt: skip
    with pytest.raises(RewardModelError, match="field 'pooling'"):
        read_config(broken)
    data = json.loads((single / CONFIG_FILE).read_text())
    data["members"].append({"path": "member-9", "n_heads": 1})
    (broken / CONFIG_FILE).write_text(json.dumps(data))
    with pytest.raises(RewardModelError, match=r"missing reward_head\.safetensors"):
        read_config(broken)


def test_scorer_and_buckets(single: Path) -> None:
    assert length_buckets([3, 3, 1], 2) == [[0, 1], [2]]
    with pytest.raises(ValueError, match="batch_size"):
        length_buckets([1], 0)
    scorer = RewardModelScorer(load_reward_model(single), batch_size=4)
    assert scorer.score([]).scores == []
    out = scorer.score(samples(5))
    assert len(out.scores) == 5 and all(len(s) == 1 for s in out.scores) and len(out.lengths) == 5
