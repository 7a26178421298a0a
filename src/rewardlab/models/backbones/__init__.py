"""Backbones of learned rewards: the embedded MiniLM encoder, the embedded SmolLM2 causal LM,
and any local Hugging Face model folder.

:func:`load_backbone` is the one entry point::

    load_backbone("minilm")                    # embedded all-MiniLM-L6-v2 (encoder)
    load_backbone("smollm2")                   # embedded SmolLM2-135M-Instruct (causal LM)
    load_backbone("/models/my-bert")           # a local folder: kind read from its config.json
    load_backbone("/models/qwen", kind="causal_lm", device="cuda", max_length=2048)

Nothing heavy is imported here: the backbone modules import torch and transformers only when a
model or tokenizer is first used.

>>> load_backbone("minilm").kind
'encoder'
>>> backbone_kind_of_config({"architectures": ["LlamaForCausalLM"], "model_type": "llama"})
'causal_lm'
>>> backbone_kind_of_config({"architectures": ["BertModel"], "model_type": "bert"})
'encoder'
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from .base import Backbone, BackboneKind, EncodedSample, Pooling, TemplateWarning
from .rendering import RenderedSample

__all__ = [
    "BUILTIN_BACKBONES",
    "Backbone",
    "BackboneKind",
    "EncodedSample",
    "Pooling",
    "RenderedSample",
    "TemplateWarning",
    "backbone_kind_of_config",
    "load_backbone",
]

# name -> (module, class, classmethod that builds the embedded model)
BUILTIN_BACKBONES: dict[str, tuple[str, str, str]] = {
    "minilm": ("rewardlab.models.backbones.encoder", "EncoderBackbone", "minilm"),
    "smollm2": ("rewardlab.models.backbones.causal_lm", "CausalLMBackbone", "smollm2"),
}
# kind -> (module, class) for local folders
KIND_CLASSES: dict[str, tuple[str, str]] = {
    "encoder": ("rewardlab.models.backbones.encoder", "EncoderBackbone"),
    "causal_lm": ("rewardlab.models.backbones.causal_lm", "CausalLMBackbone"),
}

_DECODER_MODEL_TYPES = frozenset(
    {
        "llama",
        "mistral",
        "mixtral",
        "qwen2",
        "qwen3",
        "qwen2_moe",
        "qwen3_moe",
        "gemma",
        "gemma2",
        "gemma3_text",
        "phi",
        "phi3",
        "gpt2",
        "gpt_neox",
        "gptj",
        "falcon",
        "olmo",
        "olmo2",
        "smollm3",
        "starcoder2",
        "stablelm",
        "opt",
        "bloom",
        "granite",
        "cohere",
    }
)


def backbone_kind_of_config(config: dict[str, Any]) -> BackboneKind:
    """``causal_lm`` when a Hugging Face ``config.json`` describes a decoder-only LM, else ``encoder``."""
    architectures = [str(a) for a in config.get("architectures") or []]
    if any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in architectures):
        return "causal_lm"
    if config.get("model_type") in _DECODER_MODEL_TYPES:
        return "causal_lm"
    return "encoder"


def _class(module: str, cls: str) -> type[Backbone]:
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            raise ValueError(f"backbone module '{module}' is not available in this installation") from None
        raise
    return getattr(mod, cls)  # type: ignore[no-any-return]


def load_backbone(name_or_path: str | Path, *, kind: BackboneKind | None = None, **kw: Any) -> Backbone:
    """A backbone by built-in name (``minilm``, ``smollm2``) or local Hugging Face folder.

    ``kind`` forces ``encoder`` or ``causal_lm`` for a folder (default: read from its
    ``config.json``; a folder or file with a ``.gguf`` model is a causal LM). Other keywords
    (``device``, ``dtype``, ``max_length``, ``threads``, ``name``) go to the backbone.
    Nothing is loaded until the model or tokenizer is first used.
    """
    key = str(name_or_path)
    if key in BUILTIN_BACKBONES:
        module, cls, factory = BUILTIN_BACKBONES[key]
        if kind is not None and kind != KIND_OF_BUILTIN[key]:
            raise ValueError(f"backbone '{key}' has kind '{KIND_OF_BUILTIN[key]}', not '{kind}'")
        return getattr(_class(module, cls), factory)(**kw)  # type: ignore[no-any-return]
    path = Path(key).expanduser()
    if not path.exists():
        raise ValueError(
            f"unknown backbone '{key}': expected one of {', '.join(sorted(BUILTIN_BACKBONES))} "
            "or a local Hugging Face model folder"
        )
    if kind is None:
        kind = _kind_of_path(path)
    if kind not in KIND_CLASSES:
        raise ValueError(f"unknown backbone kind '{kind}'; expected 'encoder' or 'causal_lm'")
    module, cls = KIND_CLASSES[kind]
    return _class(module, cls)(path, **kw)


KIND_OF_BUILTIN: dict[str, BackboneKind] = {"minilm": "encoder", "smollm2": "causal_lm"}


def _kind_of_path(path: Path) -> BackboneKind:
    if path.is_file():
        if path.suffix == ".gguf":
            return "causal_lm"
        raise ValueError(f"backbone '{path}' is a file; expected a Hugging Face model folder or a .gguf file")
    config_file = path / "config.json"
    if config_file.is_file():
        try:
            config = json.loads(config_file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"{config_file}: not a readable JSON model config ({exc})") from None
        return backbone_kind_of_config(config)
    if any(path.glob("*.gguf")):
        return "causal_lm"
    raise ValueError(f"backbone folder '{path}' has no config.json (nor a .gguf file); is it a Hugging Face model?")
