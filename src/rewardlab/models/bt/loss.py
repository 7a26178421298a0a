"""The Bradley-Terry pairwise loss with an optional margin and a reward-centring regularizer.

For rewards ``r_c`` (chosen) and ``r_r`` (rejected) of shape ``[pairs, heads]``::

    loss = mean_w( -log sigmoid(r_c - r_r - m) ) + lambda * mean( (r_c + r_r)^2 )

- ``m``: a margin per pair (a constant, plus the pair's rating difference when known, as in
  Llama 2's reward models);
- ``lambda * (r_c + r_r)^2``: the "auxiliary" centring loss of Eisenstein et al. (2023), which
  keeps rewards near zero-mean so that they are comparable across prompts and models;
- ``w``: optional per-pair, per-head weights (bootstrap resampling of ensemble heads).

>>> import torch
>>> loss, stats = bradley_terry_loss(torch.tensor([[2.0], [0.0]]), torch.tensor([[0.0], [1.0]]))
>>> round(loss.item(), 4), stats["accuracy"]
(0.7201, 0.5)
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["bradley_terry_loss"]


def bradley_terry_loss(
    chosen: torch.Tensor,
    rejected: torch.Tensor,
    *,
    margin: torch.Tensor | float | None = None,
    center_coef: float = 0.0,
    weights: torch.Tensor | None = None,
) -> tuple[torch.Tensor, dict[str, float]]:
    """The loss (a scalar tensor) and plain-number statistics of the batch."""
    if chosen.shape != rejected.shape:
        raise ValueError(f"chosen {tuple(chosen.shape)} and rejected {tuple(rejected.shape)} rewards differ in shape")
    if chosen.dim() == 1:
        chosen, rejected = chosen.unsqueeze(1), rejected.unsqueeze(1)
    diff = chosen - rejected
    if margin is not None:
        m = torch.as_tensor(margin, dtype=diff.dtype, device=diff.device)
        diff = diff - (m.unsqueeze(1) if m.dim() == 1 else m)
    per_pair = -F.logsigmoid(diff)
    if weights is None:
        pairwise = per_pair.mean()
    else:
        w = weights.to(per_pair)
        pairwise = (per_pair * w).sum() / w.sum().clamp(min=1.0)
    loss = pairwise
    centring = ((chosen + rejected) ** 2).mean()
    if center_coef:
        loss = loss + center_coef * centring
    with torch.no_grad():
        mean_diff = (chosen - rejected).mean(dim=1)
        accuracy = ((mean_diff > 0).float() + 0.5 * (mean_diff == 0).float()).mean().item()
    stats = {
        "loss": float(loss.detach()),
        "bt_loss": float(pairwise.detach()),
        "centring": float(centring.detach()),
        "accuracy": accuracy,
        "margin": float(mean_diff.mean()),
    }
    return loss, stats
