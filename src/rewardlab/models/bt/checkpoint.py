"""The reward-model folder: what ``rewardlab train bt`` writes and ``rm:DIR`` reads.

::

    DIR/
      reward_model.json        format, backbone (name, kind, pooling, max length, chat template
                               fingerprint), ensemble mode and members
      member-0/                a Hugging Face model folder (config.json, model.safetensors,
                               tokenizer files) with the fine-tuned backbone ...
        reward_head.safetensors   ... and the linear head (one output per head member)
      member-1/ ...            more members for --ensemble K --ensemble-mode members
      card.json, MODEL_CARD.md the model card (data, parameters, metrics; see card.py)

Weights are safetensors only: nothing is unpickled when a model is loaded.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from ...core.errors import RewardlabError
from ..backbones import Backbone, TemplateWarning, load_backbone
from ..backbones.base import BackboneKind, Pooling
from ..backbones.rendering import template_fingerprint
from ..shared import SharedModels, file_stamp
from .network import ScalarRewardNetwork

__all__ = [
    "CONFIG_FILE",
    "HEAD_FILE",
    "LoadedRewardModel",
    "MemberInfo",
    "RewardModelConfig",
    "RewardModelError",
    "create_reward_model",
    "is_reward_model_dir",
    "load_reward_model",
    "read_config",
    "save_member",
    "shared_reward_model",
    "write_config",
]

FORMAT = "rewardlab.reward_model"
FORMAT_VERSION = 1
CONFIG_FILE = "reward_model.json"
HEAD_FILE = "reward_head.safetensors"
EnsembleMode = Literal["single", "members", "heads"]


class RewardModelError(RewardlabError, ValueError):
    """A reward-model folder is missing, incomplete or of an unknown format."""


@dataclass
class MemberInfo:
    """One independently fine-tuned backbone + head, stored in ``path`` (relative to the folder)."""

    path: str
    n_heads: int = 1
    seed: int | None = None


@dataclass
class RewardModelConfig:
    """The contents of ``reward_model.json``."""

    backbone: str
    kind: BackboneKind
    pooling: Pooling
    max_length: int
    members: list[MemberInfo]
    ensemble_mode: EnsembleMode = "single"
    chat_template: str | None = None
    rewardlab_version: str = ""
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    @property
    def n_scores(self) -> int:
        """How many member scores each sample gets (members x heads)."""
        return sum(m.n_heads for m in self.members)

    def to_json(self) -> dict[str, Any]:
        data = {"format": FORMAT, "format_version": FORMAT_VERSION, **asdict(self)}
        return data

    @classmethod
    def from_json(cls, data: Any, source: str) -> RewardModelConfig:
        def bad(field_name: str, expected: str) -> RewardModelError:
            got = data.get(field_name) if isinstance(data, dict) else data
            return RewardModelError(f"{source}: field '{field_name}': expected {expected}, got {got!r}")

        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise RewardModelError(f'{source}: not a rewardlab reward model (expected "format": "{FORMAT}")')
        if data.get("format_version") != FORMAT_VERSION:
            raise bad("format_version", f"{FORMAT_VERSION} (a newer rewardlab may have written this model)")
        if data.get("kind") not in ("encoder", "causal_lm"):
            raise bad("kind", "'encoder' or 'causal_lm'")
        if data.get("pooling") not in ("mean", "last", "cls", "completion_mean"):
            raise bad("pooling", "'mean', 'last', 'cls' or 'completion_mean'")
        if not isinstance(data.get("max_length"), int) or data["max_length"] < 8:
            raise bad("max_length", "an integer >= 8")
        if data.get("ensemble_mode", "single") not in ("single", "members", "heads"):
            raise bad("ensemble_mode", "'single', 'members' or 'heads'")
        members_raw = data.get("members")
        if not isinstance(members_raw, list) or not members_raw:
            raise bad("members", "a non-empty list of {path, n_heads, seed}")
        members = []
        for i, m in enumerate(members_raw):
            if not isinstance(m, dict) or not isinstance(m.get("path"), str):
                raise bad(f"members[{i}]", "{path, n_heads, seed}")
            n_heads = m.get("n_heads", 1)
            if not isinstance(n_heads, int) or n_heads < 1:
                raise bad(f"members[{i}].n_heads", "a positive integer")
            members.append(MemberInfo(path=m["path"], n_heads=n_heads, seed=m.get("seed")))
        return cls(
            backbone=str(data.get("backbone", "")),
            kind=data["kind"],
            pooling=data["pooling"],
            max_length=data["max_length"],
            members=members,
            ensemble_mode=data.get("ensemble_mode", "single"),
            chat_template=data.get("chat_template"),
            rewardlab_version=str(data.get("rewardlab_version", "")),
            created=str(data.get("created", "")),
        )


def is_reward_model_dir(path: str | Path) -> bool:
    return (Path(path) / CONFIG_FILE).is_file()


def read_config(path: str | Path) -> RewardModelConfig:
    """The configuration of a reward-model folder (raises :class:`RewardModelError` with the reason)."""
    folder = Path(path).expanduser()
    file = folder / CONFIG_FILE
    if not folder.is_dir():
        raise RewardModelError(f"{folder}: no such reward model folder (train one with `rewardlab train bt`)")
    if not file.is_file():
        raise RewardModelError(
            f"{folder}: not a reward model folder (no {CONFIG_FILE}); "
            f"train one with `rewardlab train bt --out {folder}`"
        )
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise RewardModelError(f"{file}: unreadable ({exc})") from None
    config = RewardModelConfig.from_json(data, str(file))
    for m in config.members:
        if not (folder / m.path / HEAD_FILE).is_file():
            raise RewardModelError(f"{folder / m.path}: missing {HEAD_FILE} (an incomplete or interrupted save?)")
    return config


def write_config(path: str | Path, config: RewardModelConfig) -> Path:
    file = Path(path) / CONFIG_FILE
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(json.dumps(config.to_json(), indent=2) + "\n", encoding="utf-8")
    return file


def save_member(folder: str | Path, network: ScalarRewardNetwork, *, index: int, seed: int | None) -> MemberInfo:
    """Save one member (fine-tuned backbone as a Hugging Face folder + head) under ``member-<index>``."""
    from safetensors.torch import save_file

    relative = f"member-{index}"
    target = Path(folder) / relative
    network.backbone.save(target, model=network.body)
    save_file(network.head_state(), str(target / HEAD_FILE), metadata={"format": FORMAT})
    return MemberInfo(path=relative, n_heads=network.n_heads, seed=seed)


@dataclass
class LoadedRewardModel:
    """A reward-model folder in memory: its config and one network per member (in eval mode)."""

    path: Path
    config: RewardModelConfig
    networks: list[ScalarRewardNetwork]

    @property
    def backbone(self) -> Backbone:
        """The backbone used for rendering and tokenization (all members share the tokenizer)."""
        return self.networks[0].backbone


def load_reward_model(
    path: str | Path,
    *,
    device: str | None = "auto",
    max_length: int | None = None,
    threads: int | None = None,
) -> LoadedRewardModel:
    """Load every member of a reward-model folder (offline, safetensors only)."""
    from safetensors.torch import load_file

    folder = Path(path).expanduser()
    config = read_config(folder)
    networks = []
    for member in config.members:
        backbone = load_backbone(
            folder / member.path,
            kind=config.kind,
            name=config.backbone or None,
            device=device,
            max_length=max_length or config.max_length,
            threads=threads,
        )
        network = ScalarRewardNetwork(backbone, n_heads=member.n_heads, pooling=config.pooling)
        state = load_file(str(folder / member.path / HEAD_FILE), device="cpu")
        expected = set(network.head.state_dict())
        if set(state) != expected:
            raise RewardModelError(
                f"{folder / member.path / HEAD_FILE}: expected tensors {sorted(expected)}, found {sorted(state)}"
            )
        try:
            network.head.load_state_dict({k: v.to(network.head.weight) for k, v in state.items()})
        except RuntimeError as exc:
            raise RewardModelError(f"{folder / member.path / HEAD_FILE}: {exc}") from None
        network.eval()
        networks.append(network)
    fingerprint = template_fingerprint(networks[0].backbone.tokenizer)
    if fingerprint != config.chat_template:
        warnings.warn(
            f"reward model {folder}: the tokenizer's chat template ({fingerprint}) differs from the one it was "
            f"trained with ({config.chat_template}); scores may not match training",
            TemplateWarning,
            stacklevel=2,
        )
    return LoadedRewardModel(path=folder, config=config, networks=networks)


def create_reward_model(
    out: str | Path,
    *,
    backbone: str | Backbone = "minilm",
    n_heads: int = 1,
    pooling: Pooling | None = None,
    max_length: int | None = None,
    seed: int = 0,
) -> Path:
    """Write an **untrained** reward-model folder (backbone + randomly initialized head).

    Useful to try the folder format and the scoring path; `rewardlab train bt` writes trained ones.
    """
    from ... import __version__

    bb = backbone if isinstance(backbone, Backbone) else load_backbone(backbone, max_length=max_length, device="cpu")
    network = ScalarRewardNetwork(bb, n_heads=n_heads, pooling=pooling)
    network.init_head(seed)
    folder = Path(out)
    member = save_member(folder, network, index=0, seed=seed)
    config = RewardModelConfig(
        backbone=bb.name,
        kind=bb.kind,
        pooling=network.pooling,
        max_length=bb.max_length,
        members=[member],
        ensemble_mode="single" if n_heads == 1 else "heads",
        chat_template=template_fingerprint(bb.tokenizer),
        rewardlab_version=__version__,
    )
    write_config(folder, config)
    return folder


_SHARED: SharedModels[LoadedRewardModel] = SharedModels(most=4)


def shared_reward_model(
    path: str | Path, *, device: str | None = "auto", max_length: int | None = None, threads: int | None = None
) -> LoadedRewardModel:
    """A process-wide loaded copy of a reward-model folder, for inference.

    Rewards, specs and server workers that name the same folder share one copy of its weights
    (scoring does not change them). The key includes the modification time of
    ``reward_model.json``, so a folder retrained in place is loaded afresh. At most four
    models are kept (least recently used dropped).
    """
    from ..runtime import choose_device

    folder = Path(path).expanduser().resolve()
    key = (str(folder), file_stamp(folder / CONFIG_FILE), choose_device(device), max_length, threads)
    return _SHARED.get(key, lambda: load_reward_model(folder, device=device, max_length=max_length, threads=threads))
