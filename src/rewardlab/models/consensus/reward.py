"""``consensus_model``: score a prompt's responses with a consensus reward model (``rm:DIR``).

The folder is what ``rewardlab train bt`` writes from candidate lists with scores (its default for
such data): a linear Bradley-Terry head on each response's length and on how much it agrees with the
*other* responses to the same prompt. Use it like any reward::

    rewardlab score -r rm:models/alpaca-bt -i samples.jsonl
    reward: {type: consensus_model, path: models/alpaca-bt}

It is **batch dependent**: a response's score depends on the other responses of its group (the
samples with the same ``group_key``, else the call's ``--group-key``, else the same prompt), so
score every response of a prompt in one call -- a best-of-N set, a GRPO group. A response with no
other in its group gets status ``error`` saying so, never a made-up score. Scores of different
groups are not comparable: use them to rank responses to one prompt.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field, PrivateAttr, field_validator

from ...compose.group import group_keys, groups_of, is_missing_key
from ...core.context import ScoreContext
from ...core.example import Example
from ...core.registry import register
from ...core.result import RewardResult
from ...core.reward import Outcome
from ...core.sample import Sample
from ..lazy import LazyModelReward, split_completions
from .features import FEATURES

__all__ = ["ConsensusModel"]

_RECALL = FEATURES.index("recall_consensus")
_COSINE = FEATURES.index("cosine_consensus")


def _tiny_folder(scratch: Path) -> dict[str, Any]:
    """A consensus model trained on four tiny lists under ``scratch``: the example's instance."""
    from ..bt.candidates import CandidateList
    from .train import train_consensus

    lists = [
        CandidateList(
            f"q{i}",
            [{"role": "user", "content": f"Name a capital city ({i})."}],
            [f"Paris is the capital of France ({i}).", "Paris.", "No idea."],
            [0.9, 0.6, 0.1],
        )
        for i in range(4)
    ]
    train_consensus(lists, [], scratch / "consensus")
    return {"path": str(scratch / "consensus")}


@register("consensus_model", family="model")
class ConsensusModel(LazyModelReward):
    """A consensus reward model trained by ``rewardlab train bt`` on candidate lists (``rm:DIR``).

    Scores each response against the other responses to its prompt (see the module docstring);
    ``info`` has the ``group_size``, the response's ``recall_consensus`` and ``cosine_consensus``,
    and ``members`` / ``std`` for an ensemble.

    >>> import tempfile
    >>> tmp = tempfile.TemporaryDirectory()
    >>> rm = ConsensusModel(**_tiny_folder(Path(tmp.name)))
    >>> group = [{"prompt": "Name a capital.", "completion": c} for c in ["Rome is the capital of Italy.", "No."]]
    >>> a, b = rm.score_batch(group)
    >>> a.score > b.score, a.info["group_size"]
    (True, 2)
    >>> rm.score_batch(group[:1])[0].status.value  # alone: nothing to agree with
    'error'
    >>> tmp.cleanup()
    """

    batch_dependent: ClassVar[bool] = True
    reads: ClassVar[tuple[str, ...]] = ("prompt", "completion")
    example: ClassVar[Example] = Example(
        sample={"prompt": "Name a capital city.", "completion": "Paris is the capital of France."},
        batch=(
            {"prompt": "Name a capital city.", "completion": "Paris is the capital of France."},
            {"prompt": "Name a capital city.", "completion": "No idea."},
        ),
        setup=_tiny_folder,
    )

    path: str = Field(description="Consensus-model folder written by `rewardlab train bt` from candidate lists.")
    group_key: str | None = Field(
        default=None, description="Sample field grouping one prompt's responses (default: the call's, else the prompt)."
    )

    _model: Any = PrivateAttr(default=None)
    _model_attrs: ClassVar[tuple[str, ...]] = ("_model",)

    @field_validator("path")
    @classmethod
    def _check_path(cls, value: str) -> str:
        from .folder import shared_model

        shared_model(value)  # raises with the precise reason; loaded once, then shared
        return value

    @property
    def model(self) -> Any:
        """The loaded model (on first use; shared by rewards naming the same folder)."""
        from .folder import shared_model

        return self._load_once("_model", lambda: shared_model(self.path))

    def _score_batch(self, samples: list[Sample], ctx: ScoreContext) -> Sequence[Outcome]:
        out, usable = split_completions(samples)
        key = self.group_key or ctx.group_key
        keys = group_keys([samples[i] for i in usable], key)
        for positions in groups_of(keys):
            members = [usable[j] for j in positions]
            if len(members) < 2:
                out[members[0]] = RuntimeError(self._alone(key, is_missing_key(keys[positions[0]])))
                continue
            group = [samples[i] for i in members]
            feats, scores = self.model.score_group([s.completion_text for s in group])
            for row, i in enumerate(members):
                values = [float(v) for v in scores[row]]
                info: dict[str, Any] = {
                    "group_size": len(members),
                    "recall_consensus": round(float(feats[row, _RECALL]), 6),
                    "cosine_consensus": round(float(feats[row, _COSINE]), 6),
                }
                if len(values) > 1:
                    info["members"] = values
                    info["std"] = statistics.pstdev(values)
                out[i] = RewardResult.ok(statistics.fmean(values), info=info)
        return out

    @staticmethod
    def _alone(key: str | None, missing: bool) -> str:
        where = "the prompt" if key in (None, "prompt") else f"'{key}'"
        why = "it has no group key" if missing else f"it is the only response of its group (by {where})"
        return (
            f"consensus_model: {why}, so there is nothing to compare it with; score every response to a prompt in "
            "one call (--group-key)"
        )
