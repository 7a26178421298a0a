"""Token-classification process reward models from Hugging Face folders (``hf_prm``, ``prm:DIR``).

The folders are saved with ``save_pretrained`` from the embedded backbones (the format TRL's
``PRMTrainer`` writes) and every step score is checked against a plain transformers forward pass
on inputs built independently, the way the public conventions build them:

- TRL's ``PRMTrainer.tokenize_row`` (huggingface/trl, Apache-2.0): BOS + the prompt's tokens, then
  each step's tokens followed by ``tokenizer.encode(step_separator)``, the label on each piece's
  last token;
- Qwen2.5-Math-PRM's model card (Apache-2.0): the steps joined by ``<extra_0>`` (here another
  one-token tag of SmolLM2's vocabulary) as the assistant's turn of the chat template, scores read
  where the tag stands, P(class 1) of a 2-way softmax.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rewardlab.core.spec import resolve
from rewardlab.models.folders import prm_node
from rewardlab.models.hf.prm import HFProcessReward

pytestmark = pytest.mark.integration

SOLUTIONS: list[dict[str, Any]] = [
    {"prompt": "Tom has 3 apples and buys 4 more. How many?", "completion": "3 + 4 = 7\nSo Tom has 7 apples.\nA: 7"},
    {"prompt": "What is 12 / 4?", "completion": "12 / 4 = 3\nA: 3"},
    {
        "prompt": "A train goes 60 km in 1 hour. How far in 3 hours?",
        "completion": "Speed is 60 km per hour.\nIn 3 hours: 60 * 3 = 180.\nIt goes 180 km.\nA: 180",
    },
]


def _steps(sample: dict[str, Any]) -> list[str]:
    return [line.strip() for line in sample["completion"].split("\n") if line.strip()]


def save(folder: Path, source: str, **config: Any) -> str:
    """``AutoModelForTokenClassification`` with 2 classes, a head spread like a trained one's."""
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=True)
    model = AutoModelForTokenClassification.from_pretrained(source, local_files_only=True, num_labels=2)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.startswith(("classifier", "score")):
                p.normal_(0.0, 0.05)
    for key, value in config.items():
        setattr(model.config, key, value)
    if model.config.pad_token_id is None and tokenizer.pad_token_id is not None:
        model.config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


def _model(folder: str) -> tuple[Any, Any]:
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    return AutoModelForTokenClassification.from_pretrained(folder, local_files_only=True).eval(), tokenizer


def trl_reference(folder: str, sample: dict[str, Any], separator: str) -> list[float]:
    """P(good) per step for TRL's PRMTrainer row layout, one sample, no padding."""
    import torch

    model, tokenizer = _model(folder)
    prompt_ids = tokenizer(sample["prompt"], add_special_tokens=False)["input_ids"]
    separator_ids = tokenizer.encode(separator, add_special_tokens=False)
    pieces = [tokenizer(s, add_special_tokens=False)["input_ids"] + separator_ids for s in _steps(sample)]
    labels = [[-100] * (len(p) - 1) + [1] for p in pieces]
    if tokenizer.bos_token_id is not None:
        prompt_ids = [tokenizer.bos_token_id, *prompt_ids]
    input_ids = prompt_ids + [t for p in pieces for t in p]
    flat = [-100] * len(prompt_ids) + [x for lab in labels for x in lab]
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([input_ids])).logits[0]
    probs = logits.double().softmax(-1)[:, 1]
    return [float(probs[i]) for i, lab in enumerate(flat) if lab != -100]


def qwen_reference(folder: str, sample: dict[str, Any], tag: str) -> list[float]:
    """P(good) per step as Qwen2.5-Math-PRM's model card computes it."""
    import torch

    model, tokenizer = _model(folder)
    messages = [
        {"role": "user", "content": sample["prompt"]},
        {"role": "assistant", "content": tag.join(_steps(sample)) + tag},
    ]
    text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=False)
    input_ids = tokenizer.encode(text, return_tensors="pt")
    with torch.no_grad():
        logits = model(input_ids=input_ids).logits[0]
    mask = input_ids[0] == tokenizer.encode(tag, add_special_tokens=False)[0]
    return logits.double().softmax(-1)[mask][:, 1].tolist()


@pytest.fixture(scope="module")
def minilm_prm(tmp_path_factory: pytest.TempPathFactory) -> str:
    from rewardlab.models.backbones.encoder import minilm_dir

    return save(tmp_path_factory.mktemp("minilm-prm"), str(minilm_dir()), step_separator="\n")


@pytest.fixture(scope="module")
def smollm2_prm(tmp_path_factory: pytest.TempPathFactory) -> str:
    from tests.integrations.helpers import smollm2_folder

    return save(tmp_path_factory.mktemp("smollm2-prm"), str(smollm2_folder()), step_separator="\n")


def test_trl_layout_on_an_encoder_equals_a_plain_forward_pass(minilm_prm: str) -> None:
    prm = HFProcessReward(path=minilm_prm, batch_size=2, device="cpu")
    got = prm.score_batch(SOLUTIONS)
    for r, s in zip(got, SOLUTIONS, strict=True):
        expected = trl_reference(minilm_prm, s, "\n")
        assert r.status.value == "ok" and len(r.info["step_scores"]) == len(_steps(s))
        assert r.info["step_scores"] == pytest.approx(expected, abs=1e-5)
        assert r.score == pytest.approx(min(expected), abs=1e-5)


def test_trl_layout_on_a_decoder_equals_a_plain_forward_pass(smollm2_prm: str) -> None:
    prm = HFProcessReward(path=smollm2_prm, batch_size=3, aggregate="product", credit="min", device="cpu")
    got = prm.score_batch(SOLUTIONS)
    spread = set()
    for r, s in zip(got, SOLUTIONS, strict=True):
        expected = trl_reference(smollm2_prm, s, "\n")
        assert r.info["step_scores"] == pytest.approx(expected, abs=1e-5)
        product = 1.0
        for p in expected:
            product *= p
        assert r.score == pytest.approx(product, abs=1e-5)
        assert len(r.info["step_returns"]) == len(expected)
        spread.update(round(p, 4) for p in expected)
    assert len(spread) > 3  # the steps get different scores: the comparison means something
    # alone as in a batch
    assert prm.score(SOLUTIONS[2]).info["step_scores"] == pytest.approx(got[2].info["step_scores"], abs=1e-5)


def test_a_tag_in_the_chat_template_as_qwen_math_prm_reads_it(smollm2_prm: str) -> None:
    prm = HFProcessReward(path=smollm2_prm, step_tag="<file_sep>", prompt_format="chat_template", split="\n")
    got = prm.score_batch(SOLUTIONS)
    for r, s in zip(got, SOLUTIONS, strict=True):
        expected = qwen_reference(smollm2_prm, s, "<file_sep>")
        assert len(expected) == len(_steps(s))
        assert r.info["step_scores"] == pytest.approx(expected, abs=1e-5)


def test_the_folder_says_how_steps_are_marked(smollm2_prm: str, tmp_path: Path) -> None:
    # a copy whose config.json names a tag and the chat-template format: no spec parameter needed
    copy = tmp_path / "tagged"
    copy.mkdir()
    for f in Path(smollm2_prm).iterdir():
        (copy / f.name).symlink_to(f)
    config = json.loads((Path(smollm2_prm) / "config.json").read_text())
    del config["step_separator"]
    (copy / "config.json").unlink()
    (copy / "config.json").write_text(
        json.dumps({**config, "step_tag": "<file_sep>", "prompt_format": "chat_template"})
    )
    r = resolve(f"prm:{copy}").reward.score(SOLUTIONS[1])
    assert r.info["step_scores"] == pytest.approx(qwen_reference(str(copy), SOLUTIONS[1], "<file_sep>"), abs=1e-5)
    # neither marker: refused with what to add
    bare = tmp_path / "bare"
    bare.mkdir()
    for f in Path(smollm2_prm).iterdir():
        if f.name != "config.json":
            (bare / f.name).symlink_to(f)
    (bare / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="neither 'step_separator' nor 'step_tag'"):
        HFProcessReward(path=str(bare))
    # ... unless the spec says it
    assert HFProcessReward(path=str(bare), step_separator="\n").score(SOLUTIONS[1]).status.value == "ok"
    with pytest.raises(ValueError, match="not both"):
        HFProcessReward(path=str(bare), step_separator="\n", step_tag="<file_sep>")
    two_tokens = HFProcessReward(path=str(bare), step_tag=" ки").score(SOLUTIONS[1])
    assert two_tokens.status.value == "error" and "is 2 tokens for this tokenizer" in str(two_tokens.error)


def test_given_steps_and_what_is_not_applicable(minilm_prm: str) -> None:
    prm = HFProcessReward(path=minilm_prm)
    s = SOLUTIONS[0]
    given = prm.score({"prompt": s["prompt"], "completion": "ignored", "steps": _steps(s)})
    assert given.info["step_scores"] == pytest.approx(prm.score(s).info["step_scores"], abs=1e-9)
    empty, missing = prm.score_batch([{"prompt": "p", "completion": "  \n "}, {"prompt": "p"}])
    assert empty.status.value == "not_applicable" and missing.status.value == "not_applicable"


def test_prm_scheme_picks_the_folder_type(minilm_prm: str, tmp_path: Path) -> None:
    spec = resolve(f"prm:{minilm_prm}")
    assert spec.reward.type_name == "hf_prm"
    own = tmp_path / "own"
    own.mkdir()
    (own / "prm.json").write_text("{}")
    (own / "config.json").write_text(json.dumps({"architectures": ["LlamaForTokenClassification"]}))
    assert prm_node(str(own)) == {"type": "prm", "path": str(own)}  # rewardlab's own folder wins
    assert prm_node(str(tmp_path / "missing"))["type"] == "prm"  # and says what is wrong itself


def test_several_classes_need_the_good_one(tmp_path: Path) -> None:
    from rewardlab.models.hf.save import save_classifier

    folder = save_classifier(tmp_path / "three", task="token", num_labels=3, config={"step_separator": "\n"})
    with pytest.raises(ValueError, match="3 classes: say which one means a good step"):
        HFProcessReward(path=folder)
    with pytest.raises(ValueError, match="'good_label' is 3; the head has 3 classes"):
        HFProcessReward(path=folder, good_label=3)
    assert HFProcessReward(path=folder, good_label=2).score(SOLUTIONS[1]).status.value == "ok"
    with pytest.raises(ValueError, match=r"expected a \.\.\.ForTokenClassification"):
        HFProcessReward(path=save_classifier(tmp_path / "seq", num_labels=1))
