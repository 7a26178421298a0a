"""Small torch networks for the learned intrinsic rewards (CPU, built from a seed).

torch is imported inside the functions: importing this module is cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["mlp", "optimizer", "seeded"]


def mlp(inputs: int, hidden: Sequence[int], outputs: int) -> Any:
    """``Linear -> ReLU -> ... -> Linear`` (no hidden layer: one linear map)."""
    import torch

    layers: list[Any] = []
    size = inputs
    for width in hidden:
        layers += [torch.nn.Linear(size, int(width)), torch.nn.ReLU()]
        size = int(width)
    layers.append(torch.nn.Linear(size, outputs))
    return torch.nn.Sequential(*layers)


def seeded(seed: int, build: Any) -> Any:
    """``build()`` with torch's global generator seeded by ``seed`` and restored after."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


def optimizer(name: str, params: Any, lr: float) -> Any:
    import torch

    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    return torch.optim.Adam(params, lr=lr)
