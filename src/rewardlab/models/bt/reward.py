"""``reward_model``: score completions with a trained reward-model folder (``rm:DIR``).

The folder is what ``rewardlab train bt`` writes (Bradley-Terry on MiniLM, SmolLM2 or any
local Hugging Face model). Use it like any other reward::

    rewardlab score -r rm:models/hh-bt -i samples.jsonl
    reward: {type: reward_model, path: models/hh-bt, batch_size: 64}

An ensemble (``--ensemble K``) scores with the mean of its members and lists every member's
score in ``info["members"]`` (with their ``std``), which the ``ensemble`` combinator turns into
a worst-case or mean - k*std reward::

    reward: {type: ensemble, method: mean_minus_std, k: 1.0, children: [rm:models/hh-bt-ens]}
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field, PrivateAttr, field_validator

from ...core.context import ScoreContext
from ...core.example import Example
from ...core.registry import register, register_resolver
from ...core.result import RewardResult
from ...core.reward import Outcome
from ...core.sample import Sample
from ..fallback import batch_fallback
from ..folders import rm_node
from ..lazy import LazyModelReward, split_completions

__all__ = ["RewardModel"]


def _untrained_folder(scratch: Path) -> dict[str, Any]:
    """An untrained reward-model folder on MiniLM under ``scratch``: the example's tiny instance."""
    from .checkpoint import create_reward_model

    return {"path": str(create_reward_model(scratch / "rm", max_length=32))}


@register("reward_model", aliases=("rm",), family="model")
class RewardModel(LazyModelReward):
    """A trained scalar reward model (Bradley-Terry): higher means more preferred.

    ``path`` is a folder written by ``rewardlab train bt`` (``rm:DIR`` on the command line).
    Scoring is batched by length, deterministic (a sample's score does not depend on the other
    samples of the batch) and runs on a GPU when one is visible. Rewards naming the same folder
    share one loaded copy of the weights. ``info`` has ``members`` and ``std`` for an ensemble,
    and ``truncated: true`` when the input was cut to ``max_length``.

    >>> import tempfile
    >>> from rewardlab.models.bt.checkpoint import create_reward_model
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = create_reward_model(tmp.name, backbone="minilm", max_length=64)  # an untrained head, for show
    >>> rm = RewardModel(path=str(folder))
    >>> a, b = rm.score_batch([{"prompt": "Hi", "completion": "Hello!"}, {"prompt": "Hi", "completion": "Go away."}])
    >>> a.status.value, abs(a.score - rm.score({"prompt": "Hi", "completion": "Hello!"}).score) < 1e-5
    ('ok', True)
    >>> tmp.cleanup()
    """

    reads: ClassVar[tuple[str, ...]] = ("prompt", "completion")
    example: ClassVar[Example] = Example(sample={"prompt": "Hi", "completion": "Hello!"}, setup=_untrained_folder)

    path: str = Field(description="Reward-model folder written by `rewardlab train bt`.")
    batch_size: int = Field(default=32, ge=1, description="Samples per forward pass (batches are length-bucketed).")
    max_length: int | None = Field(
        default=None, ge=8, description="Token limit per sample (default: the length the model was trained with)."
    )
    device: str = Field(default="auto", description="'auto' (GPU when available, else CPU), 'cpu', 'cuda', 'cuda:N'.")
    threads: int | None = Field(
        default=None, ge=1, description="CPU threads for torch (default: this process's share of the cores)."
    )

    _scorer: Any = PrivateAttr(default=None)
    _model_attrs: ClassVar[tuple[str, ...]] = ("_scorer",)

    @field_validator("path")
    @classmethod
    def _check_path(cls, value: str) -> str:
        from .checkpoint import CONFIG_FILE, read_config

        folder = Path(value).expanduser()
        if not (folder / CONFIG_FILE).is_file():
            read_config(folder)  # raises with the precise reason
        return value

    @property
    def scorer(self) -> Any:
        """The loaded model (on first use)."""
        return self._load_once("_scorer", self._load_scorer)

    def _load_scorer(self) -> Any:
        from .checkpoint import shared_reward_model
        from .scorer import RewardModelScorer

        model = shared_reward_model(self.path, device=self.device, max_length=self.max_length, threads=self.threads)
        return RewardModelScorer(model, batch_size=self.batch_size)

    @batch_fallback(ready=lambda self: self.scorer)
    def _score_batch(self, samples: list[Sample], ctx: ScoreContext) -> Sequence[Outcome]:
        out, usable = split_completions(samples)
        if not usable:
            return out
        scored = self.scorer.score([samples[i] for i in usable])
        for i, members, truncated in zip(usable, scored.scores, scored.truncated, strict=True):
            out[i] = _result(members, truncated)
        return out


def _result(members: list[float], truncated: bool) -> Outcome:
    if not all(math.isfinite(v) for v in members):
        return ValueError(f"the model produced a non-finite score ({members})")
    score = math.fsum(members) / len(members)
    info: dict[str, Any] = {}
    if len(members) > 1:
        info["members"] = members
        info["std"] = statistics.pstdev(members)
    if truncated:
        info["truncated"] = True
    return RewardResult.ok(score, info=info)


register_resolver(
    "rm",
    rm_node,
    "a reward-model folder written by `rewardlab train bt`, or a Hugging Face sequence-classification folder (rm:DIR)",
)
