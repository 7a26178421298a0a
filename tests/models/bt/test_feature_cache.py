"""The linear probe's feature cache on the real MiniLM: each distinct input is encoded once, within a run
and across runs (cross-validation folds), with the same features and the same trained model as without it."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from rewardlab.data.preferences import PreferencePair, read_preferences
from rewardlab.models.backbones import load_backbone
from rewardlab.models.bt.config import BTTrainConfig
from rewardlab.models.bt.features import FeatureCache, body_key
from rewardlab.models.bt.network import ScalarRewardNetwork
from rewardlab.models.bt.reward import RewardModel
from rewardlab.models.bt.train import train_bt
from rewardlab.models.bt.trainer import pooled_features

from .bt_helpers import write_preferences_file

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REWARDLAB_HOME", str(tmp_path / "home"))


def _pairs(tmp_path: Path, name: str, n: int, offset: int = 0) -> list[PreferencePair]:
    return read_preferences(write_preferences_file(tmp_path / f"{name}.jsonl", n, offset=offset))


def test_pooled_features_encode_each_distinct_input_once() -> None:
    backbone = load_backbone("minilm", max_length=32)
    network = ScalarRewardNetwork(backbone)
    texts = ["A kind and helpful answer.", "Go away.", "Something else entirely, and longer than the others."]
    encoded = backbone.encode([backbone.render({"prompt": "Hi?", "completion": t}) for t in texts])
    sequences = [encoded[0], encoded[1], encoded[0], encoded[2], encoded[1]]

    cache = FeatureCache()
    feats = pooled_features(network, sequences, cache=cache)
    assert feats.shape == (5, backbone.hidden_size)
    assert (cache.misses, cache.hits, len(cache)) == (3, 0, 3)  # three distinct inputs, encoded once each
    assert torch.equal(feats[0], feats[2]) and torch.equal(feats[1], feats[4])
    network.eval()  # no dropout
    with torch.inference_mode():  # the same features as each input alone, uncached
        alone = torch.cat([backbone.embed([s], network.pooling) for s in encoded])
    assert torch.allclose(feats[[0, 1, 3]], alone, atol=1e-5)

    again = pooled_features(network, sequences[::-1], cache=cache)
    assert (cache.misses, cache.hits) == (3, 3)  # nothing encoded again: one look-up per distinct input
    assert torch.equal(again, feats.flip(0))
    assert pooled_features(network, [], cache=cache).shape == (0, backbone.hidden_size)

    other = ScalarRewardNetwork(backbone, pooling="cls")  # another pooling is another body key: no stale hits
    assert body_key(other) != body_key(network)
    pooled_features(other, sequences[:1], cache=cache)
    assert cache.misses == 4


def test_train_bt_probe_runs_share_the_cache_and_train_the_same_model(tmp_path: Path) -> None:
    train = _pairs(tmp_path, "train", 24)
    held = _pairs(tmp_path, "held", 8, offset=100)
    config = BTTrainConfig(max_length=32, epochs=3, batch_size=8, freeze_layers=6, head_learning_rate=5e-2, seed=1)

    train_bt(config, train, held, tmp_path / "plain")
    cache = FeatureCache()
    first = train_bt(config, train, held, tmp_path / "first", feature_cache=cache)
    distinct = {(p.prompt_text, p.chosen) for p in train + held} | {(p.prompt_text, p.rejected) for p in train + held}
    assert cache.misses == len(cache) == len(distinct)
    # a second "fold": other pairs of the same responses -- nothing is encoded again
    second = train_bt(config, train[8:], train[:8], tmp_path / "second", feature_cache=cache)
    assert cache.misses == len(distinct) and cache.hits > 0
    assert second.eval_accuracy is not None

    samples = [p.sample(side) for p in held for side in ("chosen", "rejected")]
    a = RewardModel(path=str(tmp_path / "plain")).scores(samples)
    b = RewardModel(path=str(tmp_path / "first")).scores(samples)
    assert b == pytest.approx(a, abs=1e-4)
    # the folder scores what training saw: the held-out scores of the kept epoch
    member = first.members[0]
    assert b[0::2] == pytest.approx([c[0] for c in member.eval_chosen], abs=1e-4)
    assert b[1::2] == pytest.approx([r[0] for r in member.eval_rejected], abs=1e-4)


def test_fine_tuning_ignores_the_cache(tmp_path: Path) -> None:
    train = _pairs(tmp_path, "train", 8)
    config = BTTrainConfig(max_length=24, epochs=1, batch_size=4, freeze_layers=5, seed=0)
    cache = FeatureCache()
    train_bt(config, train, None, tmp_path / "tuned", feature_cache=cache)
    assert len(cache) == 0 and cache.misses == 0  # the top layer trains: its features are never cached
