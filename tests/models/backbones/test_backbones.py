"""Backbones: dispatch, lazy loading, rendering, template checks, truncation and padding (real MiniLM)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from rewardlab.models.backbones import TemplateWarning, backbone_kind_of_config, load_backbone
from rewardlab.models.backbones.base import EncodedSample, truncation_budget
from rewardlab.models.backbones.encoder import EncoderBackbone, minilm_dir
from rewardlab.models.backbones.rendering import (
    RenderedSample,
    check_chat_template,
    render_transcript,
    render_with_chat_template,
    sample_parts,
    template_fingerprint,
)
from rewardlab.models.runtime import available_cores, choose_device, threads_for_process

CHATML = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
NO_GENERATION_PROMPT = "{% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}\n{% endfor %}"
REWRITES_HISTORY = (  # renders only the last two turns: the prompt is not a prefix of the whole
    "{% for m in messages[-2:] %}<{{ m['role'] }}>{{ m['content'] }}</{{ m['role'] }}>{% endfor %}"
    "{% if add_generation_prompt %}<assistant>{% endif %}"
)


@pytest.fixture(scope="module")
def minilm() -> EncoderBackbone:
    return EncoderBackbone.minilm(max_length=48)


# ---- dispatch, laziness, devices ---------------------------------------------------------------
def test_dispatch_by_name_and_folder_is_lazy(tmp_path: Path) -> None:
    bb = load_backbone("minilm")
    assert (bb.kind, bb.name, bb.device, bb.default_pooling) == ("encoder", "minilm", "cpu", "completion_mean")
    assert not bb.is_loaded  # nothing loaded until the model is used
    folder = load_backbone(minilm_dir())
    assert isinstance(folder, EncoderBackbone) and folder.name == "model"
    with pytest.raises(ValueError, match=r"unknown backbone 'bert-large'.*minilm, smollm2"):
        load_backbone("bert-large")
    with pytest.raises(ValueError, match=r"has no config\.json"):
        load_backbone(tmp_path)
    with pytest.raises(ValueError, match="'minilm' has kind 'encoder', not 'causal_lm'"):
        load_backbone("minilm", kind="causal_lm")
    (tmp_path / "config.json").write_text("{oops")
    with pytest.raises(ValueError, match="not a readable JSON model config"):
        load_backbone(tmp_path)


def test_kind_detection_from_config() -> None:
    assert backbone_kind_of_config({"architectures": ["Qwen2ForCausalLM"]}) == "causal_lm"
    assert backbone_kind_of_config({"architectures": ["GPT2LMHeadModel"]}) == "causal_lm"
    assert backbone_kind_of_config({"model_type": "mistral"}) == "causal_lm"
    assert backbone_kind_of_config({"architectures": ["DebertaV2Model"], "model_type": "deberta-v2"}) == "encoder"


def test_devices_and_threads() -> None:
    import torch

    assert choose_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    assert choose_device("CPU") == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA GPU is visible"):
            choose_device("cuda")
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        choose_device("tpu")
    assert threads_for_process(cores=8, local_processes=2, busy_elsewhere=0) == 4
    assert threads_for_process(cores=8, local_processes=2, busy_elsewhere=6) == 2
    assert threads_for_process(cores=2, local_processes=1, busy_elsewhere=9) == 1
    assert threads_for_process(cores=1, local_processes=3) == 1
    assert 1 <= threads_for_process() <= available_cores()
    with pytest.raises(ValueError, match="max_length must be at least 8"):
        EncoderBackbone.minilm(max_length=2)


# ---- rendering -----------------------------------------------------------------------------------
def test_encoder_rendering_is_a_transcript_with_the_completion_apart(minilm: EncoderBackbone) -> None:
    sample = {
        "prompt": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": " Hi "}],
        "completion": "Hello!",
    }
    r = minilm.render(sample)
    assert r == RenderedSample(prompt="system: Be brief.\nuser: Hi\nassistant: ", completion="Hello!")
    assert r.text == "system: Be brief.\nuser: Hi\nassistant: Hello!"
    # A completion given as a trajectory: earlier turns join the context, the last assistant turn is scored.
    traj = {
        "prompt": "Plan a trip",
        "completion": [
            {"role": "assistant", "content": "Where to?"},
            {"role": "user", "content": "Rome"},
            {"role": "assistant", "content": "Day 1: the Colosseum."},
        ],
    }
    prompt, completion = sample_parts(traj)
    assert [m["role"] for m in prompt] == ["user", "assistant", "user"] and completion == "Day 1: the Colosseum."
    assert render_transcript(None, "x").text == "assistant: x"


def test_chat_template_rendering_and_checks(minilm: EncoderBackbone) -> None:
    tok = minilm.tokenizer
    previous = tok.chat_template
    try:
        tok.chat_template = CHATML
        r = render_with_chat_template(tok, [{"role": "user", "content": "Hi"}], "Hello")
        assert r.prompt == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
        assert r.completion == "Hello<|im_end|>\n"
        assert check_chat_template(tok) == []
        assert template_fingerprint(tok) is not None
        tok.chat_template = NO_GENERATION_PROMPT
        assert any("ignores add_generation_prompt" in p for p in check_chat_template(tok))
        tok.chat_template = REWRITES_HISTORY
        problems = check_chat_template(tok)
        assert any("drops message contents" in p for p in problems)
        assert any("not prefix-consistent" in p for p in problems)
        tok.chat_template = None
        assert "no chat template" in check_chat_template(tok)[0]
        assert template_fingerprint(tok) is None
    finally:
        tok.chat_template = previous


def test_encoder_warns_when_its_tokenizer_brings_a_template(tmp_path: Path) -> None:
    folder = tmp_path / "bert-with-template"
    bb = EncoderBackbone.minilm()
    bb.tokenizer.chat_template = CHATML
    bb.tokenizer.save_pretrained(folder)
    for name in ("config.json", "model.safetensors"):
        (folder / name).symlink_to(minilm_dir() / name)
    other = load_backbone(folder)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _ = other.tokenizer
    assert any(issubclass(w.category, TemplateWarning) and "do not use it" in str(w.message) for w in caught)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _ = EncoderBackbone.minilm().tokenizer  # MiniLM itself has no template: no warning


# ---- tokens --------------------------------------------------------------------------------------
def test_truncation_budget() -> None:
    assert truncation_budget(prompt_len=10, completion_len=5, budget=20) == (10, 5)
    assert truncation_budget(prompt_len=100, completion_len=5, budget=20) == (15, 5)
    assert truncation_budget(prompt_len=100, completion_len=100, budget=20) == (5, 15)
    assert truncation_budget(prompt_len=2, completion_len=100, budget=20) == (2, 18)


def test_encode_keeps_the_completion_and_the_latest_context(minilm: EncoderBackbone) -> None:
    long_context = " ".join(f"word{i}" for i in range(200)) + " final question"
    short, long = minilm.encode(
        [
            minilm.render({"prompt": "Hi", "completion": "Hello there"}),
            minilm.render({"prompt": long_context, "completion": "the answer"}),
        ]
    )
    tok = minilm.tokenizer
    assert not short.truncated and short.input_ids[0] == tok.cls_token_id and short.input_ids[-1] == tok.sep_token_id
    assert tok.decode(short.input_ids[short.completion_start : short.completion_end]) == "hello there"
    assert set(short.token_type_ids[short.completion_start :]) == {1}  # type: ignore[index]
    assert long.truncated and len(long) == 48
    assert tok.decode(long.input_ids[long.completion_start : long.completion_end]) == "the answer"
    context = tok.decode(long.input_ids[1 : long.completion_start - 1])
    assert context.endswith("final question assistant :") and "word0 " not in context


def test_padding_and_batching_do_not_change_features(minilm: EncoderBackbone) -> None:
    import torch

    texts = [("Hi", "Hello"), ("Tell me a long story about dragons and castles", "Once upon a time there was one.")]
    encoded = minilm.encode([minilm.render({"prompt": p, "completion": c}) for p, c in texts])
    with torch.inference_mode():
        for pooling in ("completion_mean", "mean", "last", "cls"):
            together = minilm.embed(encoded, pooling)  # type: ignore[arg-type]
            alone = torch.cat([minilm.embed([e], pooling) for e in encoded])  # type: ignore[arg-type]
            assert torch.allclose(together, alone, atol=1e-5), pooling
            assert together.shape == (2, minilm.hidden_size)
        mask = minilm.completion_mask(encoded)
        by_hand = minilm.features(minilm.collate(encoded), pooling="completion_mean", completion_mask=mask)
        assert torch.equal(by_hand, minilm.embed(encoded))
    assert int(mask[0].sum()) == encoded[0].completion_end - encoded[0].completion_start
    with pytest.raises(ValueError, match="needs the completion mask"):
        minilm.pool(torch.zeros(1, 2, 3), torch.ones(1, 2), "completion_mean")
    empty = EncodedSample([101, 102, 102], [0, 0, 1], 2, 2, False)
    assert minilm.completion_mask([empty]).tolist() == [[1, 1, 1]]  # nothing to pool: whole input


def test_save_writes_a_loadable_safetensors_folder(minilm: EncoderBackbone, tmp_path: Path) -> None:
    import torch

    folder = minilm.save(tmp_path / "copy")
    assert (folder / "model.safetensors").is_file() and not list(folder.glob("*.bin"))
    again = load_backbone(folder, max_length=48)
    assert again.kind == "encoder"
    enc = minilm.encode([minilm.render({"prompt": "a", "completion": "b"})])
    with torch.inference_mode():
        assert torch.allclose(minilm.embed(enc), again.embed(enc), atol=1e-6)
    assert again.describe()["parameters"] == minilm.describe()["parameters"]
