"""The process reward network: a causal-LM body, its top layers fine-tuned, and a step head.

The backbone's lower layers (the *trunk*) stay frozen and are shared with every other user of
the same backbone in the process; the top ``train_layers`` decoder layers and the final norm
are the network's own copies, trained with a linear (or small MLP) head that reads a logit at
every token. A step's score is ``sigmoid(logit)`` at its last token.

Because the trunk is frozen, a trainer can run it once per example and cache its output
(:meth:`PRMNet.trunk_states`), then train only the top (:meth:`PRMNet.top_states`): on a CPU
this makes an epoch cost ``train_layers / n_layers`` of a forward pass instead of a full
forward and backward pass. This split needs a decoder whose forward takes ``inputs_embeds`` and
runs ``self.layers`` then ``self.norm`` (Llama, Mistral, Qwen2/3, OLMo, SmolLM2); other models
train and score with full forward passes through ``forward``.

Saved folder: ``prm.json`` (configuration, backbone, metrics) and ``prm.safetensors`` (the top
layers, the norm and the head: about 14 MB per SmolLM2 layer), next to ``MODEL_CARD.md``.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

import torch
from torch import nn

__all__ = ["SPLIT_MODEL_TYPES", "PRMNet"]

SPLIT_MODEL_TYPES = frozenset({"llama", "mistral", "qwen2", "qwen3", "olmo", "olmo2", "smollm3"})
HeadKind = Literal["linear", "mlp"]


class _Identity(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def _view(body: nn.Module, layers: nn.ModuleList, norm: nn.Module) -> nn.Module:
    """The body with other decoder layers and norm (parameters shared, nothing copied)."""
    view = copy.copy(body)
    view._modules = dict(body._modules)  # type: ignore[assignment]
    view._modules["layers"] = layers
    view._modules["norm"] = norm
    return view


class PRMNet(nn.Module):
    """Frozen trunk (shared) + own top layers + norm + step head."""

    def __init__(self, body: nn.Module, *, train_layers: int, head: HeadKind = "linear") -> None:
        super().__init__()
        layers = list(body.layers)  # type: ignore[union-attr, arg-type]
        if not 0 <= train_layers <= len(layers):
            raise ValueError(f"train_layers must be in 0..{len(layers)}, got {train_layers}")
        hidden = int(body.config.hidden_size)  # type: ignore[union-attr]
        self.n_layers = len(layers)
        self.train_layers = train_layers
        self.head_kind = head
        self.model_type = str(getattr(body.config, "model_type", ""))  # type: ignore[union-attr]
        self.top_layers = nn.ModuleList([copy.deepcopy(layer) for layer in layers[len(layers) - train_layers :]])
        self.norm = copy.deepcopy(body.norm)  # type: ignore[union-attr]
        if head == "linear":
            self.head: nn.Module = nn.Linear(hidden, 1)
        elif head == "mlp":
            self.head = nn.Sequential(nn.Linear(hidden, hidden // 2), nn.GELU(), nn.Linear(hidden // 2, 1))
        else:
            raise ValueError(f"unknown head '{head}'; expected 'linear' or 'mlp'")
        for module in self.head.modules():
            if isinstance(module, nn.Linear):
                nn.init.normal_(module.weight, std=0.02)
                nn.init.zeros_(module.bias)
        # Not registered as submodules: the shared trunk is neither trained nor saved.
        trunk = nn.ModuleList(layers[: len(layers) - train_layers])
        self._trunk = [_view(body, trunk, _Identity())]
        self._top = [_view(body, self.top_layers, self.norm)]
        self._full = [_view(body, nn.ModuleList([*trunk, *self.top_layers]), self.norm)]
        for p in body.parameters():
            p.requires_grad_(False)

    @property
    def can_split(self) -> bool:
        """Whether the trunk's output can be cached and fed to the top layers."""
        return self.model_type in SPLIT_MODEL_TYPES

    def trainable_parameters(self) -> list[nn.Parameter]:
        return [p for p in self.parameters() if p.requires_grad]

    @staticmethod
    def _last(out: Any) -> torch.Tensor:
        return out.last_hidden_state if hasattr(out, "last_hidden_state") else out[0]

    def trunk_states(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """The frozen trunk's output (the input of the first own layer), without gradients."""
        with torch.no_grad():
            return self._last(self._trunk[0](input_ids=input_ids, attention_mask=attention_mask, use_cache=False))

    def top_states(self, trunk: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """The own layers and norm on top of cached trunk states."""
        return self._last(self._top[0](inputs_embeds=trunk, attention_mask=attention_mask, use_cache=False))

    def hidden(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Final hidden states of the whole network (trunk, then own layers)."""
        return self._last(self._full[0](input_ids=input_ids, attention_mask=attention_mask, use_cache=False))

    def step_logits(self, hidden: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
        """Head logits at the given (row, position) pairs."""
        return self.head(hidden[rows, cols]).squeeze(-1)

    def own_state(self) -> dict[str, torch.Tensor]:
        """What is saved: top layers, norm and head."""
        return {k: v.detach().cpu().contiguous() for k, v in self.state_dict().items()}
