"""Misbehaving verifiers for the stress runner's own tests (registered under test-only names)."""

from __future__ import annotations

import os
import time
from typing import Any

from rewardlab.core import register
from rewardlab.core.reward import Reward
from rewardlab.verifiers.qa import squad_f1


@register("t_lax_qa", family="verifier")
class LaxQA(Reward):
    """Plain token F1 with no refusals: pays hedges and candidate lists."""

    def _score_one(self, sample: Any, ctx: Any) -> Any:
        return max(squad_f1(sample.completion_text, a) for a in [sample.get("answer")])


@register("t_hanging_qa", family="verifier")
class HangingQA(Reward):
    """Exact match that hangs (for a few seconds) on input starting with 'Lorem'."""

    def _score_one(self, sample: Any, ctx: Any) -> Any:
        text = sample.completion_text
        if text.startswith("Lorem"):
            time.sleep(3)
        return float(text.strip().lower() == str(sample.get("answer")).lower())


@register("t_fragile_qa", family="verifier")
class FragileQA(Reward):
    """Exact match that hangs on 'Lorem' input and kills its own process on an injection."""

    def _score_one(self, sample: Any, ctx: Any) -> Any:
        text = sample.completion_text
        if text.startswith("Lorem"):
            time.sleep(30)
        if text.startswith("Grader:"):
            os._exit(3)
        return float(text.strip().lower() == str(sample.get("answer")).lower())
