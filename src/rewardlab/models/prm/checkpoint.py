"""A trained process reward model on disk, and loading it back.

``prm.json`` holds the configuration (backbone, trained layers, head, how steps are split and
joined, the token limit, the label mode, the default aggregation), the training parameters
and the metrics; ``prm.safetensors`` the network's own weights (:class:`PRMNet`). The backbone
itself is not copied: ``smollm2`` is the embedded model, any other backbone is the local
folder recorded at training time.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

__all__ = ["CONFIG_FILE", "WEIGHTS_FILE", "LoadedPRM", "PRMConfig", "load_prm", "read_prm_config", "save_prm"]

CONFIG_FILE = "prm.json"
WEIGHTS_FILE = "prm.safetensors"
FORMAT = "rewardlab-prm/1"


@dataclass
class PRMConfig:
    """What is needed to rebuild and use a trained PRM."""

    backbone: str = "smollm2"
    train_layers: int = 2
    head: Literal["linear", "mlp"] = "linear"
    separator: str = "\n"
    separator_regex: bool = False
    join: str = "\n"
    max_length: int = 1024
    label_mode: Literal["step", "outcome"] = "step"
    aggregate: Literal["min", "product", "last", "mean"] = "min"
    training: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, **asdict(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PRMConfig:
        fmt = data.get("format")
        if fmt != FORMAT:
            raise ValueError(f"unsupported PRM format {fmt!r}; expected {FORMAT!r}")
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def read_prm_config(folder: str | Path) -> PRMConfig:
    """The configuration of a PRM folder; ``ValueError`` saying what is missing or wrong."""
    path = Path(folder).expanduser()
    if not path.is_dir():
        raise ValueError(f"PRM folder '{path}' does not exist (train one with `rewardlab train prm`)")
    config_file = path / CONFIG_FILE
    if not config_file.is_file():
        raise ValueError(
            f"'{path}' is not a PRM folder: it has no {CONFIG_FILE} (train one with `rewardlab train prm`)"
        )
    if not (path / WEIGHTS_FILE).is_file():
        raise ValueError(f"PRM folder '{path}' has no {WEIGHTS_FILE}")
    try:
        return PRMConfig.from_json(json.loads(config_file.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, TypeError) as exc:
        raise ValueError(f"{config_file}: unreadable ({exc})") from None


def save_prm(folder: str | Path, net: Any, config: PRMConfig) -> Path:
    """Write ``prm.json`` and ``prm.safetensors`` into ``folder`` (created)."""
    from safetensors.torch import save_file

    path = Path(folder).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    save_file(net.own_state(), str(path / WEIGHTS_FILE))
    (path / CONFIG_FILE).write_text(json.dumps(config.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


@dataclass
class LoadedPRM:
    config: PRMConfig
    backbone: Any
    net: Any


def load_prm(folder: str | Path, *, device: str | None = "auto", threads: int | None = None) -> LoadedPRM:
    """The PRM of ``folder`` on ``device``, its trunk shared with the process's copy of the backbone."""
    from safetensors.torch import load_file

    from ..backbones.causal_lm import shared_causal_lm
    from ..runtime import configure_threads
    from .network import PRMNet

    config = read_prm_config(folder)
    backbone = shared_causal_lm(config.backbone, device=device, max_length=config.max_length)
    if backbone.device == "cpu":
        configure_threads(threads)
    body = backbone.base_model(backbone.model)
    net = PRMNet(body, train_layers=config.train_layers, head=config.head)
    state = load_file(str(Path(folder).expanduser() / WEIGHTS_FILE))
    missing, unexpected = net.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise ValueError(f"PRM weights do not match the network: missing {missing[:3]}, unexpected {unexpected[:3]}")
    net.to(backbone.device).eval()
    return LoadedPRM(config=config, backbone=backbone, net=net)
