"""Parameters that the model rewards share, declared once as ``Annotated`` field types.

A reward takes one as ``device: Device = "auto"``: the description and checks are the same in
every reward that has it, and each reward keeps its own field order.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

__all__ = ["Device"]

Device = Annotated[str, Field(description="'auto' (GPU when available, else CPU), 'cpu', 'cuda', 'cuda:N'.")]
"""Where a reward's model runs (resolved by :func:`rewardlab.models.runtime.choose_device`)."""
