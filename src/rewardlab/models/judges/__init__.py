"""Generative judges (LLM-as-a-judge): pointwise ``judge``, ``pairwise_judge``, ``rubric_judge``.

Backends: a local transformers model (SmolLM2 by default) or any OpenAI-compatible endpoint,
with timeouts, retries with backoff, a concurrency limit, a rate limit and a response cache.
Master-key responses are refused before judging (:mod:`.guard`). Importing this package is
light: models and HTTP clients load on first use.
"""

from __future__ import annotations

from .config import JudgeBackendConfig
from .guard import MASTER_KEY_PROBES, master_key_reason
from .pairwise import PairwiseJudge
from .pointwise import PointwiseJudge
from .rubric import Criterion, RubricJudge

__all__ = [
    "MASTER_KEY_PROBES",
    "Criterion",
    "JudgeBackendConfig",
    "PairwiseJudge",
    "PointwiseJudge",
    "RubricJudge",
    "master_key_reason",
]
