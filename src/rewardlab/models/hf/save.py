"""Write a standard Hugging Face classification folder from an embedded backbone (no download).

For trying the ``hf_reward_model`` / ``hf_prm`` path and for tests: the backbone's weights with a
freshly initialized (untrained) classification head, saved with ``save_pretrained`` -- the
format a public reward model ships in. ``config`` adds keys to ``config.json`` (a PRM's
``step_separator``, for instance).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

__all__ = ["save_classifier"]


def _source(backbone: str) -> str:
    if backbone == "minilm":
        from ..backbones.encoder import minilm_dir

        return str(minilm_dir())
    if backbone == "smollm2":
        from ..backbones.causal_lm import convert_gguf, smollm2_gguf_file

        return str(convert_gguf(smollm2_gguf_file(), quiet=True))
    return backbone


def save_classifier(
    out: str | Path,
    *,
    backbone: str = "minilm",
    task: Literal["sequence", "token"] = "sequence",
    num_labels: int = 1,
    id2label: dict[int, str] | None = None,
    config: dict[str, Any] | None = None,
    seed: int = 0,
) -> str:
    """Save ``backbone`` (``minilm``, ``smollm2`` or a local folder) with a new ``num_labels`` head.

    Returns the folder (as a string, ready for ``rm:``/``prm:``).
    """
    import torch
    from transformers import AutoModelForSequenceClassification, AutoModelForTokenClassification, AutoTokenizer

    from ..runtime import quiet_transformers

    source = _source(backbone)
    auto = AutoModelForSequenceClassification if task == "sequence" else AutoModelForTokenClassification
    kwargs: dict[str, Any] = {"num_labels": num_labels}
    if id2label is not None:
        kwargs["id2label"] = dict(id2label)
        kwargs["label2id"] = {v: k for k, v in id2label.items()}
    torch.manual_seed(seed)
    with quiet_transformers():
        tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=True)
        model = auto.from_pretrained(source, local_files_only=True, dtype=torch.float32, **kwargs)
        if model.config.pad_token_id is None and tokenizer.pad_token_id is not None:
            model.config.pad_token_id = tokenizer.pad_token_id
        for key, value in (config or {}).items():
            setattr(model.config, key, value)
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        model.save_pretrained(str(folder))
        tokenizer.save_pretrained(str(folder))
    return str(folder)
