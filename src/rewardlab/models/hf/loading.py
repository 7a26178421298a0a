"""Loading a Hugging Face classification folder once per process (offline, safetensors or not).

Rewards, specs and server workers that name the same folder share one loaded copy (scoring does
not change the weights). The key holds the modification time of ``config.json``, so a folder
saved again in place is loaded afresh; at most four models are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..backbones import backbone_kind_of_config
from ..folders import HFTask, hf_config_of
from ..shared import SharedModels, file_stamp

__all__ = ["LoadedHFModel", "shared_hf_model"]


@dataclass
class LoadedHFModel:
    """A classification model in eval mode, its tokenizer and what scoring needs to know."""

    path: Path
    task: HFTask
    model: Any
    tokenizer: Any
    config: dict[str, Any]
    device: str
    decoder: bool
    """A decoder-only model (its head reads the last non-padding token)."""
    max_length: int

    @property
    def num_labels(self) -> int:
        return int(self.model.config.num_labels)

    @property
    def labels(self) -> list[str]:
        """The head's output names (``id2label``), in order."""
        id2label = getattr(self.model.config, "id2label", None) or {}
        return [str(id2label.get(i, id2label.get(str(i), f"LABEL_{i}"))) for i in range(self.num_labels)]

    @property
    def pad_id(self) -> int | None:
        """The id padding uses, or ``None`` when a decoder has none (it is then scored one sample at a time).

        A decoder's head finds each row's last token as the last one that is not
        ``config.pad_token_id``, so only that id may pad its batches.
        """
        config_pad = getattr(self.model.config, "pad_token_id", None)
        if self.decoder:
            return int(config_pad) if isinstance(config_pad, int) else None
        tok_pad = getattr(self.tokenizer, "pad_token_id", None)
        for candidate in (tok_pad, config_pad, 0):
            if isinstance(candidate, int):
                return candidate
        return 0  # pragma: no cover


def _default_max_length(model: Any, tokenizer: Any) -> int:
    limits = [getattr(model.config, "max_position_embeddings", None), getattr(tokenizer, "model_max_length", None)]
    usable = [int(v) for v in limits if isinstance(v, int) and 0 < v < 1_000_000]
    return min(usable) if usable else 512


def _load(path: Path, task: HFTask, device: str, threads: int | None, max_length: int | None) -> LoadedHFModel:
    """Load ``path`` with ``AutoModelFor{Sequence,Token}Classification`` (offline, float32) on ``device``."""
    import torch
    from transformers import (
        AutoModelForSequenceClassification,
        AutoModelForTokenClassification,
        AutoTokenizer,
    )

    from ..runtime import configure_threads, quiet_transformers

    config = hf_config_of(path, task)
    if device == "cpu":
        configure_threads(threads)
    auto = AutoModelForSequenceClassification if task == "sequence_classification" else AutoModelForTokenClassification
    with quiet_transformers():
        tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        model = auto.from_pretrained(str(path), local_files_only=True, dtype=torch.float32)
    model.to(device)
    model.eval()
    return LoadedHFModel(
        path=path,
        task=task,
        model=model,
        tokenizer=tokenizer,
        config=config,
        device=device,
        decoder=backbone_kind_of_config(config) == "causal_lm",
        max_length=max_length or _default_max_length(model, tokenizer),
    )


_SHARED: SharedModels[LoadedHFModel] = SharedModels(most=4)


def shared_hf_model(
    folder: str | Path,
    *,
    task: HFTask,
    device: str | None = "auto",
    threads: int | None = None,
    max_length: int | None = None,
) -> LoadedHFModel:
    """A process-wide loaded copy of ``folder`` (see the module docstring)."""
    from ..runtime import choose_device

    path = Path(folder).expanduser().resolve()
    chosen = choose_device(device)
    key = (str(path), file_stamp(path / "config.json"), task, chosen, threads, max_length)
    return _SHARED.get(key, lambda: _load(path, task, chosen, threads, max_length))
