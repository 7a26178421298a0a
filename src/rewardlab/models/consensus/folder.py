"""The consensus reward model on disk: one JSON file, read back into a :class:`ConsensusModelData`.

::

    DIR/
      consensus_model.json   format, feature names, standardization, one weight vector per member,
                             the training vocabulary (document frequencies), what it was trained on
      card.json, MODEL_CARD.md

No pickles and no tensors: the whole model is a few hundred numbers and a word list, readable by
people and by any language. ``rm:DIR`` recognizes the folder by its ``consensus_model.json``.

>>> import tempfile
>>> from .agreement import Vocabulary
>>> from .head import LinearHead
>>> import numpy as np
>>> tmp = tempfile.TemporaryDirectory()
>>> head = LinearHead(np.zeros(len(FEATURES)), np.ones(len(FEATURES)), [np.arange(len(FEATURES), dtype=float)])
>>> path = save_model(tmp.name, ConsensusModelData(head, Vocabulary({"paris": 3}, 10)))
>>> back = load_model(tmp.name)
>>> back.vocab.df, back.head.members[0][:3].tolist(), path.name
({'paris': 3}, [0.0, 1.0, 2.0], 'consensus_model.json')
>>> tmp.cleanup()
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ... import __version__
from ..folders import read_folder_json
from ..shared import SharedModels, file_stamp
from .agreement import Vocabulary
from .features import FEATURES, group_features
from .head import LinearHead

__all__ = [
    "CONSENSUS_FILE",
    "ConsensusModelData",
    "ConsensusModelError",
    "is_consensus_model_dir",
    "load_model",
    "save_model",
    "shared_model",
]

FORMAT = "rewardlab.consensus_model"
FORMAT_VERSION = 1
CONSENSUS_FILE = "consensus_model.json"


class ConsensusModelError(ValueError):
    """A consensus-model folder is missing, unreadable or of another format."""


@dataclass
class ConsensusModelData:
    """A trained consensus reward model: its head, its vocabulary and how it was trained."""

    head: LinearHead
    vocab: Vocabulary
    training: dict[str, Any] = field(default_factory=dict)

    def score_group(self, responses: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The [len(responses), 6] features and [len(responses), members] scores of one prompt's
        responses (at least two)."""
        feats = group_features(responses, self.vocab)
        return feats, self.head.scores(feats)


def is_consensus_model_dir(folder: str | Path) -> bool:
    """Whether ``folder`` holds a consensus reward model."""
    return (Path(folder).expanduser() / CONSENSUS_FILE).is_file()


def save_model(folder: str | Path, model: ConsensusModelData) -> Path:
    """Write ``consensus_model.json`` into ``folder`` (created); returns its path."""
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    data = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "rewardlab_version": __version__,
        "features": list(FEATURES),
        "mean": model.head.mean.tolist(),
        "std": model.head.std.tolist(),
        "members": [w.tolist() for w in model.head.members],
        "training": model.training,
        "vocabulary": model.vocab.to_json(),
    }
    file = path / CONSENSUS_FILE
    file.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return file


def load_model(folder: str | Path) -> ConsensusModelData:
    """Read a folder written by :func:`save_model` (:class:`ConsensusModelError` saying what is wrong)."""
    file = Path(folder).expanduser() / CONSENSUS_FILE
    try:
        data = read_folder_json(folder, CONSENSUS_FILE, "consensus reward model")
    except ValueError as exc:
        raise ConsensusModelError(str(exc)) from None
    if data.get("format") != FORMAT:
        raise ConsensusModelError(f"{file}: expected format '{FORMAT}'")
    if data.get("format_version") != FORMAT_VERSION:
        raise ConsensusModelError(
            f"{file}: format version {data.get('format_version')}, this rewardlab reads version {FORMAT_VERSION}"
        )
    if data.get("features") != list(FEATURES):
        raise ConsensusModelError(f"{file}: its features differ from this rewardlab's ({len(FEATURES)} features)")
    try:
        head = LinearHead(
            np.array(data["mean"], dtype=np.float64),
            np.array(data["std"], dtype=np.float64),
            [np.array(w, dtype=np.float64) for w in data["members"]],
        )
        vocab = Vocabulary.from_json(data["vocabulary"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ConsensusModelError(f"{file}: malformed ({type(exc).__name__}: {exc})") from None
    shapes = {len(head.mean), len(head.std), *(len(w) for w in head.members)}
    if shapes != {len(FEATURES)} or not head.members:
        raise ConsensusModelError(f"{file}: expected {len(FEATURES)} values per vector and at least one member")
    return ConsensusModelData(head, vocab, dict(data.get("training") or {}))


_SHARED: SharedModels[ConsensusModelData] = SharedModels(most=8)


def shared_model(folder: str | Path) -> ConsensusModelData:
    """A process-wide loaded copy (reloaded when the file changes)."""
    path = Path(folder).expanduser().resolve()
    key = ("consensus", str(path), file_stamp(path / CONSENSUS_FILE))
    return _SHARED.get(key, lambda: load_model(path))
