"""Telling what a model folder is, from its files alone (no torch, no transformers).

``rm:DIR`` and ``prm:DIR`` accept both rewardlab's own folders and the standard Hugging Face
ones; these functions decide which reward a folder becomes:

- ``reward_model.json`` -> ``reward_model`` (written by ``rewardlab train bt``);
- ``consensus_model.json`` -> ``consensus_model`` (written by ``rewardlab train bt`` from candidate
  lists with scores, its default there);
- ``prm.json`` -> ``prm`` (written by ``rewardlab train prm``);
- ``config.json`` whose ``architectures`` name a ``...ForSequenceClassification`` ->
  ``hf_reward_model`` (Skywork-Reward, ArmoRM-style multi-head heads, OpenAssistant's DeBERTa,
  anything saved with ``save_pretrained`` from ``AutoModelForSequenceClassification``);
- ``config.json`` naming a ``...ForTokenClassification`` -> ``hf_prm`` (TRL's ``PRMTrainer``
  output and other token-classification process reward models).

>>> hf_task({"architectures": ["LlamaForSequenceClassification"]})
'sequence_classification'
>>> hf_task({"architectures": ["Qwen2ForTokenClassification"]})
'token_classification'
>>> hf_task({"architectures": ["LlamaForCausalLM"]}) is None
True
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

__all__ = ["HFTask", "hf_config_of", "hf_task", "prm_node", "read_folder_json", "read_hf_config", "rm_node"]

HFTask = Literal["sequence_classification", "token_classification"]


def hf_task(config: dict[str, Any]) -> HFTask | None:
    """The head a Hugging Face ``config.json`` describes, when it is one a reward reads."""
    architectures = [str(a) for a in config.get("architectures") or []]
    if any(a.endswith("ForSequenceClassification") for a in architectures):
        return "sequence_classification"
    if any(a.endswith("ForTokenClassification") for a in architectures):
        return "token_classification"
    return None


def read_folder_json(folder: str | Path, name: str, what: str, content: str = "JSON file") -> dict[str, Any]:
    """The JSON object in ``folder/name``, ``ValueError`` saying what is wrong: no such folder, no
    such file (the folder "is not a ``what``"), not readable ``content``, not an object."""
    path = Path(folder).expanduser()
    if not path.is_dir():
        raise ValueError(f"model folder '{path}' does not exist")
    file = path / name
    if not file.is_file():
        raise ValueError(f"'{path}' is not a {what}: it has no {name}")
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{file}: not a readable {content} ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{file}: expected a JSON object, got {type(data).__name__}")
    return data


def read_hf_config(folder: str | Path) -> dict[str, Any]:
    """The ``config.json`` of a Hugging Face model folder (``ValueError`` saying what is wrong)."""
    return read_folder_json(folder, "config.json", "Hugging Face model folder", "JSON model config")


_HEAD_NAMES = {
    "sequence_classification": "...ForSequenceClassification",
    "token_classification": "...ForTokenClassification",
}


def hf_config_of(folder: str | Path, task: HFTask, other: str = "") -> dict[str, Any]:
    """The ``config.json`` of ``folder``, checked to describe a ``task`` head (``ValueError`` naming
    what it describes instead; ``other``, when given, says which reward rewardlab's own folders of
    the kind are)."""
    config = read_hf_config(folder)
    if hf_task(config) != task:
        raise ValueError(
            f"'{folder}': config.json names {config.get('architectures')}; expected a "
            f"{_HEAD_NAMES[task]} model" + (f" ({other})" if other else "")
        )
    return config


def _task_of(folder: str | Path) -> HFTask | None:
    try:
        return hf_task(read_hf_config(folder))
    except ValueError:
        return None


def rm_node(argument: str) -> dict[str, Any]:
    """The spec node of ``rm:DIR``: rewardlab's own folder, or a sequence-classification folder."""
    folder = Path(argument).expanduser()
    if (folder / "consensus_model.json").is_file():
        return {"type": "consensus_model", "path": argument}
    if not (folder / "reward_model.json").is_file() and _task_of(folder) == "sequence_classification":
        return {"type": "hf_reward_model", "path": argument}
    return {"type": "reward_model", "path": argument}


def prm_node(argument: str) -> dict[str, Any]:
    """The spec node of ``prm:DIR``: rewardlab's own PRM folder, or a token-classification folder."""
    folder = Path(argument).expanduser()
    if not (folder / "prm.json").is_file() and _task_of(folder) == "token_classification":
        return {"type": "hf_prm", "path": argument}
    return {"type": "prm", "path": argument}
