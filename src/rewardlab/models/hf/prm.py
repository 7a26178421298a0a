"""``hf_prm``: a token-classification process reward model from a Hugging Face folder (``prm:DIR``).

A folder whose ``config.json`` names a ``...ForTokenClassification`` head -- what TRL's
``PRMTrainer`` saves, or any PRM exported that way -- scores a solution step by step. The folder
says how steps are marked (:mod:`.steps`) with keys in its ``config.json``, which a spec may
override::

    {"architectures": ["Qwen2ForTokenClassification"], "step_separator": "\\n", ...}
    {"step_tag": "ки", "prompt_format": "plain", "good_label": 1, ...}

    rewardlab score -r prm:/models/my-prm -i solutions.jsonl
    reward: {type: hf_prm, path: /models/my-prm, step_separator: "\\n\\n", aggregate: product}

A step's score is P(good): ``softmax`` over the classes at its marker, class ``good_label``
(default 1, TRL's "correct"), or ``sigmoid`` of a single-output head. Steps are the sample's
``steps`` list when it has one, else the completion split at ``split`` (default: the step
separator, or a newline for a tagged model). Aggregation and credit as for ``prm``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field

from ...core.context import ScoreContext
from ...core.errors import NotApplicable
from ...core.example import Example
from ...core.registry import register
from ...core.result import RewardResult
from ...core.reward import Outcome
from ...core.sample import Sample
from ..backbones.rendering import messages_as_dicts
from ..fallback import batch_fallback
from ..folders import HFTask
from ..options import Device
from ..prm.aggregate import Aggregation, aggregate, step_returns
from ..prm.steps import sample_steps
from .base import HFFolderReward, MaxLength, Threads
from .steps import PromptFormat, StepMarking

__all__ = ["HFProcessReward", "step_marking"]

CONFIG_KEYS = ("step_separator", "step_tag", "prompt_format", "good_label")


def step_marking(config: dict[str, Any], overrides: dict[str, Any]) -> StepMarking:
    """The step marking of a folder's ``config.json``, with the spec's values taking precedence.

    >>> step_marking({"step_separator": "\\n"}, {}).separator
    '\\n'
    >>> step_marking({"step_separator": "\\n"}, {"step_tag": "ки"}).tag
    'ки'
    """
    given = {k: v for k, v in overrides.items() if v is not None}
    separator = given.get("step_separator")
    tag = given.get("step_tag")
    if separator is None and tag is None:
        separator, tag = config.get("step_separator"), config.get("step_tag")
    if separator is None and tag is None:
        raise ValueError(
            "the folder's config.json says neither 'step_separator' nor 'step_tag': add one (TRL's PRMTrainer "
            'uses "step_separator": "\\n"), or give it in the spec'
        )
    for name, value in (("step_separator", separator), ("step_tag", tag)):
        if value is not None and not isinstance(value, str):
            raise ValueError(f"'{name}' must be a string, got {value!r}")
    if separator is not None and tag is not None:
        raise ValueError("give 'step_separator' or 'step_tag', not both")
    prompt_format = given.get("prompt_format") or config.get("prompt_format") or "plain"
    if prompt_format not in ("plain", "chat_template"):
        raise ValueError(f"'prompt_format' must be 'plain' or 'chat_template', got {prompt_format!r}")
    return StepMarking(separator=separator, tag=tag, prompt_format=prompt_format)


def step_probability(logits: Sequence[float], good_label: int) -> float:
    """P(good) from the head's outputs at a step: sigmoid of one output, else softmax's ``good_label``.

    >>> round(step_probability([0.0], 1), 3), round(step_probability([0.0, 0.0], 1), 3)
    (0.5, 0.5)
    """
    if len(logits) == 1:
        return 1.0 / (1.0 + math.exp(-float(logits[0])))
    top = max(logits)
    exps = [math.exp(float(v) - top) for v in logits]
    return exps[good_label] / math.fsum(exps)


def _untrained_folder(scratch: Path) -> dict[str, Any]:
    """A MiniLM token-classification folder (untrained head, steps end at a newline): the example's instance."""
    from .save import save_classifier

    folder = save_classifier(scratch / "hf-prm", task="token", num_labels=2, config={"step_separator": "\n"})
    return {"path": folder}


@register("hf_prm", aliases=("hf_process_reward",), family="model")
class HFProcessReward(HFFolderReward):
    """A Hugging Face token-classification PRM: per-step P(good) in ``info``, aggregated into one score.

    ``info`` has ``step_scores``, ``first_bad_step`` (the first step below 0.5, or null),
    ``aggregate`` and, with ``credit``, ``step_returns``; ``truncated: true`` when the problem was cut.

    >>> import tempfile
    >>> from rewardlab.models.hf.save import save_classifier
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = save_classifier(tmp.name, task="token", num_labels=2, config={"step_separator": "\\n"})
    >>> r = HFProcessReward(path=folder).score({"prompt": "1+1?", "completion": "1+1 = 2\\nA: 2"})
    >>> r.status.value, len(r.info["step_scores"]), r.info["aggregate"]
    ('ok', 2, 'min')
    >>> tmp.cleanup()
    """

    reads: ClassVar[tuple[str, ...]] = ("prompt", "completion", "steps")
    hf_task: ClassVar[HFTask] = "token_classification"
    folder_hint: ClassVar[str] = "a rewardlab PRM folder is type prm; prm:DIR picks the type"
    example: ClassVar[Example] = Example(
        sample={"prompt": "1+1?", "completion": "1+1 = 2\nA: 2"}, setup=_untrained_folder
    )

    path: str = Field(description="A Hugging Face folder with a ...ForTokenClassification model (config.json).")
    step_separator: str | None = Field(
        default=None, description="Text after each step whose last token is scored (default: the folder's)."
    )
    step_tag: str | None = Field(
        default=None, description="A one-token tag after each step, scored where it stands (default: the folder's)."
    )
    prompt_format: PromptFormat | None = Field(
        default=None,
        description="'plain' (TRL: BOS + problem text) or 'chat_template' (default: the folder's, else plain).",
    )
    good_label: int | None = Field(
        default=None, ge=0, description="The class meaning 'good step' (default: the folder's, else 1)."
    )
    split: str | None = Field(
        default=None, description="Where to split a completion into steps (default: the separator, else a newline)."
    )
    steps_field: str | None = Field(
        default="steps", description="Sample field with the solution already split into steps (used when present)."
    )
    aggregate: Aggregation = Field(default="min", description="'min', 'product', 'last' or 'mean' of the step scores.")
    credit: Literal["none", "min", "sum"] = Field(
        default="none", description="Also put per-step returns in info.step_returns ('min' form or 'sum' form)."
    )
    batch_size: int = Field(default=8, ge=1, description="Solutions per forward pass.")
    max_length: MaxLength = None
    device: Device = "auto"
    threads: Threads = None

    def _check_config(self, config: dict[str, Any]) -> None:
        self._marking(config)
        self._good(config)

    def _marking(self, config: dict[str, Any]) -> StepMarking:
        overrides = {
            "step_separator": self.step_separator,
            "step_tag": self.step_tag,
            "prompt_format": self.prompt_format,
        }
        return step_marking(config, overrides)

    def _good(self, config: dict[str, Any]) -> int:
        n = config.get("num_labels")
        if not isinstance(n, int):
            n = len(config.get("id2label") or {}) or 2
        good = self.good_label if self.good_label is not None else config.get("good_label", 1)
        if not isinstance(good, int) or (n > 1 and not 0 <= good < n):
            raise ValueError(f"'good_label' is {good!r}; the head has {n} classes (0..{n - 1})")
        if n > 2 and self.good_label is None and "good_label" not in config:
            raise ValueError(f"the head has {n} classes: say which one means a good step with 'good_label'")
        return good

    def _steps(self, sample: Sample, marking: StepMarking) -> list[str]:
        return sample_steps(sample, self.steps_field, self.split or marking.separator or "\n")

    @batch_fallback(ready=lambda self: self.loaded)
    def _score_batch(self, samples: list[Sample], ctx: ScoreContext) -> Sequence[Outcome]:
        from .classify import token_logits
        from .steps import encode_steps

        loaded = self.loaded
        marking = self._marking(loaded.config)
        good = self._good(loaded.config)
        out: list[Outcome] = [None] * len(samples)
        owners, inputs = [], []
        for i, s in enumerate(samples):
            try:
                steps = self._steps(s, marking)
                prompt = messages_as_dicts(s.prompt_messages)
                inputs.append(encode_steps(loaded.tokenizer, prompt, steps, marking, loaded.max_length))
                owners.append(i)
            except (NotApplicable, ValueError) as exc:
                out[i] = exc
        for i, x, rows in zip(owners, inputs, token_logits(loaded, inputs, self.batch_size), strict=True):
            scores = [step_probability(row, good) for row in rows]
            if not all(math.isfinite(v) for v in scores):
                out[i] = ValueError(f"the model produced a non-finite step score ({scores})")
                continue
            info: dict[str, Any] = {
                "step_scores": scores,
                "aggregate": self.aggregate,
                "first_bad_step": next((k for k, v in enumerate(scores) if v < 0.5), None),
            }
            if self.credit != "none":
                info["step_returns"] = step_returns(scores, self.credit)
            if x.truncated:
                info["truncated"] = True
            out[i] = RewardResult.ok(aggregate(scores, self.aggregate), info=info)
        return out
