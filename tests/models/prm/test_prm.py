"""Process reward models on the embedded SmolLM2: encoding and step positions, the trunk/top split,
training (step and outcome labels), saving and scoring through `prm` / `prm:DIR`, Monte-Carlo labels."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any, ClassVar

import pytest

from rewardlab.core.reward import Reward
from rewardlab.core.spec import resolve
from rewardlab.data.steps import StepRecord
from rewardlab.models.prm import ProcessReward
from rewardlab.models.prm.checkpoint import read_prm_config, save_prm
from rewardlab.models.prm.encode import SolutionTooLong, encode_solutions
from rewardlab.models.prm.mc import MCItem, MCSettings, mc_label
from rewardlab.models.prm.train import PRMTrainConfig, prm_config_of, train_prm

from ..smollm2_helpers import smollm2

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def lm() -> Any:
    return smollm2()


def _records() -> list[StepRecord]:
    """Good steps say the check passed, bad ones that it failed: learnable in a few steps."""
    out = []
    for i in range(12):
        q = f"Check item {i}."
        out.append(StepRecord(prompt=q, steps=[f"Item {i} looks fine.", "Check passed."], labels=[1, 1], outcome=1))
        out.append(
            StepRecord(prompt=q, steps=[f"Item {i} looks fine.", "Check failed badly."], labels=[1, 0], outcome=0)
        )
    return out


def test_step_positions_are_the_last_token_of_each_step(lm: Any) -> None:
    steps = ["Add 2 and 3.", "2 + 3 = 5", "A: 5"]
    (encoded,) = encode_solutions(lm, [("What is 2 + 3?", steps)])
    assert len(encoded.step_ends) == 3 and not encoded.truncated
    tokenizer = lm.tokenizer
    for k, end in enumerate(encoded.step_ends):
        text = tokenizer.decode(encoded.input_ids[: end + 1])
        assert text.endswith(steps[k] + "\n")
    assert tokenizer.decode(encoded.input_ids).startswith(lm.render_prompt("What is 2 + 3?"))
    too_long = encode_solutions(lm, [("q", ["word " * 400])], max_length=64)[0]
    assert isinstance(too_long, SolutionTooLong)
    cut = encode_solutions(lm, [("long question " * 100, ["ok"])], max_length=64)[0]
    assert not isinstance(cut, Exception) and cut.truncated and len(cut) <= 64


def test_trunk_then_top_equals_the_full_network(lm: Any) -> None:
    import torch

    from rewardlab.models.prm.network import PRMNet
    from rewardlab.models.prm.scorer import collate_solutions

    torch.manual_seed(0)
    net = PRMNet(lm.base_model(lm.model), train_layers=2)
    encoded = [e for e in encode_solutions(lm, [("q1", ["a b", "c"]), ("a longer question", ["x"])])]
    batch = collate_solutions(encoded, lm.pad_token_id, "cpu")
    with torch.inference_mode():
        split = net.top_states(net.trunk_states(batch["input_ids"], batch["attention_mask"]), batch["attention_mask"])
        full = net.hidden(batch["input_ids"], batch["attention_mask"])
    mask = batch["attention_mask"].bool()
    assert torch.allclose(split[mask], full[mask], atol=1e-4)
    assert net.can_split and len(net.trainable_parameters()) > 0
    assert all(not p.requires_grad for p in lm.model.parameters())  # the shared backbone is untouched


@pytest.fixture(scope="module")
def trained(lm: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    config = PRMTrainConfig(train_layers=1, epochs=4, learning_rate=3e-4, head_learning_rate=3e-3, batch_size=8)
    records = _records()
    net, _, report = train_prm(records[:20], config, eval_records=records[20:])
    folder = tmp_path_factory.mktemp("prm") / "model"
    save_prm(folder, net, prm_config_of(config, report, {"train_file": "synthetic"}))
    return folder, report


def test_training_learns_step_labels(trained: tuple[Path, Any]) -> None:
    _, report = trained
    assert len(report.epochs) == 4
    assert report.epochs[-1]["train_loss"] < report.epochs[0]["train_loss"]
    assert report.final["eval_step_accuracy"] >= 0.75
    assert report.final["eval_outcome_auc"] == 1.0
    assert report.trunk_seconds > 0  # the frozen trunk ran once, cached


def test_prm_reward_scores_steps(trained: tuple[Path, Any]) -> None:
    folder, _ = trained
    config = read_prm_config(folder)
    assert (config.train_layers, config.aggregate, config.label_mode) == (1, "min", "step")
    reward = ProcessReward(path=str(folder), credit="min")
    good = {"prompt": "Check item 99.", "completion": "Item 99 looks fine.\nCheck passed."}
    bad = {"prompt": "Check item 99.", "completion": "Item 99 looks fine.\nCheck failed badly."}
    results = reward.score_batch([good, bad, {"prompt": "x"}, {"prompt": "Check item 99.", "steps": ["Check passed."]}])
    g, b, none, given = results
    assert g.is_ok and b.is_ok and g.score > b.score
    assert len(g.info["step_scores"]) == 2 and g.info["aggregate"] == "min"
    assert b.info["step_scores"][1] < g.info["step_scores"][1]
    for r in (g, b):
        below = [k for k, v in enumerate(r.info["step_scores"]) if v < 0.5]
        assert r.info["first_bad_step"] == (below[0] if below else None)
    assert g.info["step_returns"] == [min(g.info["step_scores"]), g.info["step_scores"][1]]
    assert none.status.value == "not_applicable"
    assert given.is_ok and len(given.info["step_scores"]) == 1
    # Deterministic and batch-invariant.
    assert reward.score(bad).score == pytest.approx(b.score, abs=1e-5)
    # Other aggregations, the prm: scheme, and pickling.
    product = ProcessReward(path=str(folder), aggregate="product").score(good)
    assert product.score == pytest.approx(g.info["step_scores"][0] * g.info["step_scores"][1])
    spec = resolve(f"prm:{folder}")
    assert spec.score(good).score == pytest.approx(g.score, abs=1e-6)
    clone = pickle.loads(pickle.dumps(reward))
    assert clone.score(good).score == pytest.approx(g.score, abs=1e-6)


def test_outcome_mode_trains_on_the_last_step_only(lm: Any, tmp_path: Path) -> None:
    config = PRMTrainConfig(train_layers=1, epochs=1, label_mode="outcome", batch_size=8)
    records = _records()
    net, _, report = train_prm(records[:20], config, eval_records=records[20:])
    assert report.final["eval_labelled_steps"] == 4  # one outcome per held-out solution
    save_prm(tmp_path / "orm", net, prm_config_of(config, report))
    assert read_prm_config(tmp_path / "orm").aggregate == "last"


def test_bad_prm_folders_are_explained(tmp_path: Path) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="does not exist"):
        ProcessReward(path=str(tmp_path / "nope"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValidationError, match=r"no prm\.json"):
        ProcessReward(path=str(tmp_path / "empty"))


class _ContainsAnswer(Reward):
    """1.0 when the reference answer appears in the completion (a controllable verifier)."""

    reads: ClassVar[tuple[str, ...]] = ("completion", "answer")

    def _score_one(self, sample: Any, ctx: Any) -> float:
        return float(str(sample.get("answer")) in sample.completion_text)


def test_mc_labels_come_from_rollouts_and_the_verifier(lm: Any) -> None:
    settings = MCSettings(rollouts=2, max_new_tokens=6, temperature=1.0, batch_size=4, seed=3)
    items = [
        MCItem("What is 2 + 3?", "5", ["2 + 3 = 5", "A: 5"], id="good", source="reference"),
        MCItem("What is 2 + 3?", "5", ["2 + 3 = 6", "A: 6"], id="bad", source="corrupted"),
    ]
    good, bad = mc_label(lm, items, _ContainsAnswer(), settings=settings)
    # The good prefix already contains "5": every rollout from it passes; the whole solution passes.
    assert good.labels == [1.0, 1.0] and good.outcome == 1.0
    assert good.meta["mc_counts"] == [[2, 2], [1, 1]]
    assert bad.outcome == 0.0 and bad.meta["mc_counts"][0][1] == 2
    assert 0.0 <= bad.labels[0] <= 1.0
    # With the real math verifier the final label is its verdict on the whole solution.
    math_verifier = resolve("math").reward
    (checked,) = mc_label(lm, items[:1], math_verifier, settings=settings)
    assert checked.labels[-1] == 1.0
