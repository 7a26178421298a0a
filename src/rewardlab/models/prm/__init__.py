"""Process reward models: score a solution step by step (``prm``), train one (``rewardlab train prm``)
from step labels (PRM800K-style records) or automatic Monte-Carlo labels (:mod:`.mc`).

Importing this package is light: torch loads when a model is trained or used.
"""

from __future__ import annotations

from .aggregate import AGGREGATIONS, aggregate, step_returns
from .reward import ProcessReward
from .steps import split_steps

__all__ = ["AGGREGATIONS", "ProcessReward", "aggregate", "split_steps", "step_returns"]
