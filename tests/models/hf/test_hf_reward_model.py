"""Hugging Face sequence-classification reward models (``hf_reward_model``, ``rm:DIR``).

The folders are written here with ``save_pretrained`` from the embedded backbones (the format
public reward models ship in) and every score is checked against a plain transformers forward
pass on the same input, built the way the model cards build it (``tokenizer(question, answer)``
for an encoder without a chat template, ``apply_chat_template(conversation, tokenize=True)``
for a decoder with one), one sample at a time -- while rewardlab scores them in length-bucketed,
right-padded batches.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from rewardlab.core.spec import resolve
from rewardlab.models.hf.inputs import encode_for_classifier
from rewardlab.models.hf.reward import HFRewardModel

pytestmark = pytest.mark.integration

SAMPLES: list[dict[str, Any]] = [
    {"prompt": "What is the capital of France?", "completion": "Paris is the capital of France."},
    {"prompt": "What is the capital of France?", "completion": "I think it might be Lyon, or maybe Nice."},
    {
        "prompt": [
            {"role": "system", "content": "Answer briefly."},
            {"role": "user", "content": "Name a prime number."},
            {"role": "assistant", "content": "7."},
            {"role": "user", "content": "Another one, larger than 10?"},
        ],
        "completion": "13 is prime and larger than 10.",
    },
    {"prompt": "Hi", "completion": "Hello! How can I help you today? " * 6},
    {"prompt": "Write one word.", "completion": "Fine"},
]


def _question(prompt: Any) -> str:
    """The first segment of the pair, written independently of rewardlab's code."""
    if isinstance(prompt, str):
        return prompt
    if len(prompt) == 1 and prompt[0]["role"] == "user":
        return str(prompt[0]["content"])
    return "\n".join(f"{m['role']}: {m['content']}" for m in prompt)


def _conversation(sample: dict[str, Any]) -> list[dict[str, str]]:
    prompt = sample["prompt"]
    turns = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else list(prompt)
    return [*turns, {"role": "assistant", "content": sample["completion"]}]


def reference_logits(folder: str, samples: list[dict[str, Any]]) -> list[list[float]]:
    """A plain transformers forward pass per sample (batch of one, no padding)."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(folder, local_files_only=True).eval()
    out = []
    with torch.no_grad():
        for s in samples:
            if tokenizer.chat_template:
                enc = tokenizer.apply_chat_template(
                    _conversation(s), tokenize=True, return_tensors="pt", return_dict=True
                )
            else:
                enc = tokenizer(_question(s["prompt"]), s["completion"], return_tensors="pt")
            out.append(model(**enc).logits[0].double().tolist())
    return out


def save(folder: Path, source: str, **kwargs: Any) -> str:
    """``AutoModelForSequenceClassification`` from an embedded backbone, saved as a public RM ships."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(source, local_files_only=True, **kwargs)
    with torch.no_grad():  # a head whose scores spread over about [-3, 3], as a trained one's do
        for name, p in model.named_parameters():
            if name.startswith(("classifier", "score")):
                p.normal_(0.0, 0.05)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


@pytest.fixture(scope="module")
def minilm_rm(tmp_path_factory: pytest.TempPathFactory) -> str:
    from rewardlab.models.backbones.encoder import minilm_dir

    return save(tmp_path_factory.mktemp("minilm-rm"), str(minilm_dir()), num_labels=1)


@pytest.fixture(scope="module")
def minilm_multi(tmp_path_factory: pytest.TempPathFactory) -> str:
    from rewardlab.models.backbones.encoder import minilm_dir

    labels = {0: "helpfulness", 1: "honesty", 2: "verbosity"}
    return save(
        tmp_path_factory.mktemp("minilm-multi"),
        str(minilm_dir()),
        num_labels=3,
        id2label=labels,
        label2id={v: k for k, v in labels.items()},
    )


@pytest.fixture(scope="module")
def smollm2_rm(tmp_path_factory: pytest.TempPathFactory) -> str:
    from tests.integrations.helpers import smollm2_folder

    return save(tmp_path_factory.mktemp("smollm2-rm"), str(smollm2_folder()), num_labels=1)


def test_encoder_scores_equal_a_plain_forward_pass(minilm_rm: str) -> None:
    rm = HFRewardModel(path=minilm_rm, batch_size=3, device="cpu")
    got = rm.score_batch(SAMPLES)
    expected = reference_logits(minilm_rm, SAMPLES)
    assert all(r.status.value == "ok" for r in got)
    for r, e in zip(got, expected, strict=True):
        assert r.score == pytest.approx(e[0], abs=1e-5)
    # the same alone as in any batch
    assert rm.score(SAMPLES[3]).score == pytest.approx(got[3].score, abs=1e-5)


def test_decoder_with_a_chat_template_equals_a_plain_forward_pass(smollm2_rm: str, tmp_path: Path) -> None:
    rm = HFRewardModel(path=smollm2_rm, batch_size=4, device="cpu")
    got = rm.score_batch(SAMPLES)
    expected = reference_logits(smollm2_rm, SAMPLES)
    for r, e in zip(got, expected, strict=True):
        assert r.status.value == "ok" and r.score == pytest.approx(e[0], abs=1e-5)
    spread = max(r.score for r in got) - min(r.score for r in got)
    assert spread > 1e-3  # the samples get different scores: the comparison means something

    # a decoder whose config has no pad token cannot be padded: scored one at a time, same scores
    config_file = Path(smollm2_rm) / "config.json"
    config = json.loads(config_file.read_text())
    assert config["pad_token_id"] is not None
    copy = tmp_path / "no-pad"
    copy.mkdir()
    for f in Path(smollm2_rm).iterdir():
        (copy / f.name).symlink_to(f)
    (copy / "config.json").unlink()
    (copy / "config.json").write_text(json.dumps({**config, "pad_token_id": None}))
    unpadded = HFRewardModel(path=str(copy), batch_size=4, device="cpu").score_batch(SAMPLES)
    for r, e in zip(unpadded, expected, strict=True):
        assert r.score == pytest.approx(e[0], abs=1e-5)


def test_several_outputs_a_chosen_head_or_a_weighted_sum(minilm_multi: str) -> None:
    (logits,) = reference_logits(minilm_multi, SAMPLES[:1])
    by_name = HFRewardModel(path=minilm_multi, head="honesty").score(SAMPLES[0])
    assert by_name.score == pytest.approx(logits[1], abs=1e-5)
    assert by_name.info["logits"] == pytest.approx(
        {"helpfulness": logits[0], "honesty": logits[1], "verbosity": logits[2]}, abs=1e-5
    )
    assert HFRewardModel(path=minilm_multi, head=2).score(SAMPLES[0]).score == pytest.approx(logits[2], abs=1e-5)
    weighted = HFRewardModel(path=minilm_multi, weights={"helpfulness": 0.7, "honesty": 0.3}).score(SAMPLES[0])
    assert weighted.score == pytest.approx(0.7 * logits[0] + 0.3 * logits[1], abs=1e-5)
    listed = HFRewardModel(path=minilm_multi, weights=[1.0, -1.0, 0.5]).score(SAMPLES[0])
    assert listed.score == pytest.approx(logits[0] - logits[1] + 0.5 * logits[2], abs=1e-5)


def test_several_outputs_without_a_choice_is_refused_with_the_labels(minilm_multi: str) -> None:
    with pytest.raises(ValueError, match=r"3 outputs \(\['helpfulness', 'honesty', 'verbosity'\]\).*'head'"):
        HFRewardModel(path=minilm_multi)
    with pytest.raises(ValueError, match="'head' is 'kindness', not an output"):
        HFRewardModel(path=minilm_multi, head="kindness")
    with pytest.raises(ValueError, match="'head' is 3; the head has 3 outputs"):
        HFRewardModel(path=minilm_multi, head=3)
    with pytest.raises(ValueError, match="'weights' has 2 numbers; the head has 3 outputs"):
        HFRewardModel(path=minilm_multi, weights=[1.0, 2.0])
    with pytest.raises(ValueError, match="not both"):
        HFRewardModel(path=minilm_multi, head=0, weights=[1.0, 0.0, 0.0])


def test_rm_scheme_picks_the_folder_type(minilm_rm: str, tmp_path: Path) -> None:
    from rewardlab.models.bt.checkpoint import create_reward_model

    spec = resolve(f"rm:{minilm_rm}")
    assert spec.reward.type_name == "hf_reward_model"
    assert spec.reward.score(SAMPLES[0]).score == pytest.approx(
        reference_logits(minilm_rm, SAMPLES[:1])[0][0], abs=1e-5
    )
    own = create_reward_model(tmp_path / "own", backbone="minilm", max_length=64)
    assert resolve(f"rm:{own}").reward.type_name == "reward_model"
    clone = pickle.loads(pickle.dumps(spec.reward))
    assert clone.score(SAMPLES[1]).score == pytest.approx(spec.reward.score(SAMPLES[1]).score, abs=1e-9)


def test_folders_that_are_not_sequence_classifiers_are_refused(tmp_path: Path) -> None:
    from tests.integrations.helpers import smollm2_folder

    with pytest.raises(ValueError, match=r"expected a \.\.\.ForSequenceClassification model"):
        HFRewardModel(path=str(smollm2_folder()))
    with pytest.raises(ValueError, match=r"has no config\.json"):
        HFRewardModel(path=str(tmp_path))
    with pytest.raises(ValueError, match="does not exist"):
        HFRewardModel(path=str(tmp_path / "missing"))


def test_no_completion_is_not_applicable_and_long_inputs_are_cut_from_the_context(minilm_rm: str) -> None:
    rm = HFRewardModel(path=minilm_rm, max_length=32)
    none, long = rm.score_batch([{"prompt": "Hi"}, {"prompt": "word " * 100, "completion": "the answer " * 5}])
    assert none.status.value == "not_applicable" and none.score is None
    assert long.status.value == "ok" and long.info["truncated"] is True
    x = encode_for_classifier(rm.loaded.tokenizer, {"prompt": "word " * 100, "completion": "the answer " * 5}, 32)
    assert len(x) == 32 and x.truncated
    text = rm.loaded.tokenizer.decode(x.input_ids)
    assert text.count("the answer") == 5  # the completion is whole; the question lost its oldest words


def test_chat_template_inputs_keep_bos_and_the_end_when_cut(smollm2_rm: str) -> None:
    rm = HFRewardModel(path=smollm2_rm, max_length=24)
    tokenizer = rm.loaded.tokenizer
    x = encode_for_classifier(tokenizer, {"prompt": "word " * 50, "completion": "Final words here."}, 24)
    assert len(x) == 24 and x.truncated
    full = tokenizer.apply_chat_template(
        [{"role": "user", "content": "word " * 50}, {"role": "assistant", "content": "Final words here."}],
        tokenize=True,
        return_dict=True,
    )["input_ids"]
    assert x.input_ids[0] == full[0] and x.input_ids[1:] == full[-23:]
