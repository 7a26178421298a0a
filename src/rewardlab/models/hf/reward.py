"""``hf_reward_model``: a standard Hugging Face sequence-classification reward model (``rm:DIR``).

The reward models people already have ship as a Hugging Face folder whose ``config.json`` names
a ``...ForSequenceClassification`` head: one logit (Skywork-Reward, OpenAssistant's DeBERTa, what
TRL's ``RewardTrainer`` saves) or several (ArmoRM-style multi-objective heads). ``rm:DIR``
recognises such a folder by itself::

    rewardlab score -r rm:/models/Skywork-Reward-V2-Llama-3.1-8B -i samples.jsonl
    reward: {type: hf_reward_model, path: /models/armo, weights: {helpfulness: 0.7, honesty: 0.3}}

Inputs are rendered the way the model cards do (:mod:`.inputs`): the conversation through the
tokenizer's chat template, or the (question, answer) pair for a model without one. With
several outputs, say which one is the reward (``head``: an index or an ``id2label`` name) or how
to weigh them (``weights``: one number per output, a list or a ``{label: weight}`` map);
``activation`` turns logits into probabilities first (``softmax`` for a good/bad classifier).
Custom architectures that need ``trust_remote_code`` are not run (nothing downloaded or
executed from a folder): use a standard ``...ForSequenceClassification`` export.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field

from ...core.context import ScoreContext
from ...core.example import Example
from ...core.registry import register
from ...core.result import RewardResult
from ...core.reward import Outcome
from ...core.sample import Sample
from ..fallback import batch_fallback
from ..folders import HFTask
from ..lazy import split_completions
from ..options import Device
from .base import HFFolderReward, MaxLength, Threads

__all__ = ["HFRewardModel", "combine_logits", "head_labels"]

Activation = Literal["none", "sigmoid", "softmax"]


def head_labels(config: dict[str, Any]) -> list[str]:
    """The output names of a classification head (``id2label``, ``LABEL_i`` where unnamed).

    >>> head_labels({"num_labels": 2, "id2label": {"0": "bad", "1": "good"}})
    ['bad', 'good']
    >>> head_labels({"architectures": ["BertForSequenceClassification"]})
    ['LABEL_0', 'LABEL_1']
    """
    id2label = config.get("id2label") or {}
    n = config.get("num_labels")
    if not isinstance(n, int):
        n = len(id2label) if id2label else 2  # transformers' default for a head without num_labels
    return [str(id2label.get(str(i), id2label.get(i, f"LABEL_{i}"))) for i in range(n)]


def combine_logits(
    logits: Sequence[float], *, activation: Activation, head: int | None, weights: Sequence[float] | None
) -> float:
    """One score from a head's outputs: ``activation``, then the chosen output or the weighted sum.

    >>> combine_logits([0.0, 2.0], activation="softmax", head=1, weights=None) > 0.88
    True
    >>> combine_logits([1.0, 3.0], activation="none", head=None, weights=[0.5, 0.5])
    2.0
    """
    values = [float(v) for v in logits]
    if activation == "sigmoid":
        values = [1.0 / (1.0 + math.exp(-v)) for v in values]
    elif activation == "softmax":
        top = max(values)
        exps = [math.exp(v - top) for v in values]
        total = math.fsum(exps)
        values = [e / total for e in exps]
    if weights is not None:
        return math.fsum(w * v for w, v in zip(weights, values, strict=True))
    return values[head if head is not None else 0]


def _untrained_folder(scratch: Path) -> dict[str, Any]:
    """A MiniLM sequence-classification folder (untrained head) under ``scratch``: the example's instance."""
    from .save import save_classifier

    return {"path": save_classifier(scratch / "hf-rm", backbone="minilm", num_labels=1)}


@register("hf_reward_model", aliases=("hf_rm",), family="model")
class HFRewardModel(HFFolderReward):
    """A Hugging Face ``...ForSequenceClassification`` folder as a reward (higher is better).

    ``info`` has ``logits`` (every output by name) when the head has several, and
    ``truncated: true`` when the input was cut to ``max_length``. Scores equal the model's own
    forward pass on the same input (batched by length; a sample's score does not depend on its
    batch).

    >>> import tempfile
    >>> from rewardlab.models.hf.save import save_classifier
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = save_classifier(tmp.name, backbone="minilm", num_labels=1)  # an untrained head, for show
    >>> rm = HFRewardModel(path=folder)
    >>> r = rm.score({"prompt": "Hi", "completion": "Hello!"})
    >>> r.status.value, isinstance(r.score, float)
    ('ok', True)
    >>> tmp.cleanup()
    """

    reads: ClassVar[tuple[str, ...]] = ("prompt", "completion")
    hf_task: ClassVar[HFTask] = "sequence_classification"
    folder_hint: ClassVar[str] = "a rewardlab folder is type reward_model; rm:DIR picks the type"
    example: ClassVar[Example] = Example(sample={"prompt": "Hi", "completion": "Hello!"}, setup=_untrained_folder)

    path: str = Field(description="A Hugging Face folder with a ...ForSequenceClassification model (config.json).")
    head: int | str | None = Field(
        default=None,
        description="With several outputs: the one that is the reward (index or id2label name; "
        "default for 2 outputs with activation=softmax: 1).",
    )
    weights: list[float] | dict[str, float] | None = Field(
        default=None, description="With several outputs: their weights (a list, or {label: weight})."
    )
    activation: Activation = Field(
        default="none", description="'none' (raw logits), 'sigmoid' or 'softmax' before choosing or weighing."
    )
    batch_size: int = Field(default=16, ge=1, description="Samples per forward pass (batches are length-bucketed).")
    max_length: MaxLength = None
    device: Device = "auto"
    threads: Threads = None

    def _check_config(self, config: dict[str, Any]) -> None:
        self._resolve_head(head_labels(config))

    def _resolve_head(self, labels: list[str]) -> tuple[int | None, list[float] | None]:
        """The output index or the weight vector (checked against the head's outputs)."""
        n = len(labels)
        if self.head is not None and self.weights is not None:
            raise ValueError("give 'head' or 'weights', not both")
        if self.weights is not None:
            if isinstance(self.weights, dict):
                unknown = sorted(set(self.weights) - set(labels))
                if unknown:
                    raise ValueError(f"'weights' names {unknown}, which are not outputs of the head: {labels}")
                return None, [float(self.weights.get(label, 0.0)) for label in labels]
            if len(self.weights) != n:
                raise ValueError(f"'weights' has {len(self.weights)} numbers; the head has {n} outputs: {labels}")
            return None, [float(w) for w in self.weights]
        if self.head is None:
            if n == 2 and self.activation == "softmax":
                return 1, None  # a good/bad classifier: P(class 1), TRL's and most trainers' "good"
            if n > 1:
                raise ValueError(
                    f"the head has {n} outputs ({labels}): say which is the reward with 'head' (index or name) "
                    "or how to weigh them with 'weights'"
                )
            return 0, None
        if isinstance(self.head, str):
            if self.head not in labels:
                raise ValueError(f"'head' is '{self.head}', not an output of the head: {labels}")
            return labels.index(self.head), None
        if not 0 <= self.head < n:
            raise ValueError(f"'head' is {self.head}; the head has {n} outputs (0..{n - 1}): {labels}")
        return self.head, None

    @batch_fallback(ready=lambda self: self.loaded)
    def _score_batch(self, samples: list[Sample], ctx: ScoreContext) -> Sequence[Outcome]:
        from .classify import classifier_logits
        from .inputs import encode_for_classifier

        loaded = self.loaded
        labels = loaded.labels
        head, weights = self._resolve_head(labels)
        out, usable = split_completions(samples)
        inputs = [encode_for_classifier(loaded.tokenizer, samples[i], loaded.max_length) for i in usable]
        logits = classifier_logits(loaded, inputs, self.batch_size)
        for i, x, row in zip(usable, inputs, logits, strict=True):
            if not all(math.isfinite(v) for v in row):
                out[i] = ValueError(f"the model produced a non-finite output ({row})")
                continue
            info: dict[str, Any] = {}
            if len(row) > 1:
                info["logits"] = dict(zip(labels, row, strict=True))
            if x.truncated:
                info["truncated"] = True
            score = combine_logits(row, activation=self.activation, head=head, weights=weights)
            out[i] = RewardResult.ok(score, info=info)
        return out
