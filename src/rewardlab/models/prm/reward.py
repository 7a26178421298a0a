"""``prm``: score a solution step by step with a trained process reward model (``prm:DIR``).

The completion is split into steps (the model's separator unless overridden, or the sample's
``steps`` list when it has one), every step is scored in one forward pass, and the step scores
are aggregated (``min`` by default for step-trained models, ``last`` for outcome models).
``info`` holds ``step_scores``, ``first_bad_step`` (the first step scored below 0.5, or null)
and, with ``credit``, the per-step returns for RL credit assignment (min-form or sum-form).

    rewardlab score -r prm:models/gsm8k-prm -i solutions.jsonl
    reward: {type: prm, path: models/gsm8k-prm, aggregate: product, credit: min}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Literal

from pydantic import Field, PrivateAttr, field_validator

from ...core.context import ScoreContext
from ...core.errors import NotApplicable
from ...core.example import Example
from ...core.registry import register, register_resolver
from ...core.result import RewardResult
from ...core.reward import Outcome, prepare_each
from ...core.sample import Sample
from ..fallback import batch_fallback
from ..folders import prm_node
from ..lazy import LazyModelReward
from ..options import Device
from .aggregate import Aggregation, aggregate, step_returns
from .steps import sample_steps

__all__ = ["ProcessReward"]


@register("prm", aliases=("process_reward",), family="model")
class ProcessReward(LazyModelReward):
    """A trained process reward model: per-step scores in ``info``, aggregated into one score.

    ``path`` is a folder written by ``rewardlab train prm``. Scores are probabilities in
    [0, 1]. Aggregations: ``min`` (the weakest step), ``product`` (all steps good), ``last``
    (the final step's score, what an outcome model predicts) and ``mean``.

    >>> import tempfile
    >>> from rewardlab.models.prm.train import create_untrained_prm
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = create_untrained_prm(tmp.name, train_layers=1)  # an untrained head, for show
    >>> r = ProcessReward(path=folder).score({"prompt": "1+1?", "completion": "1+1 = 2\\nA: 2"})
    >>> r.status.value, len(r.info["step_scores"]), r.info["aggregate"]
    ('ok', 2, 'min')
    >>> tmp.cleanup()
    """

    reads: ClassVar[tuple[str, ...]] = ("prompt", "completion", "steps")
    example: ClassVar[Example] = Example(
        sample={"prompt": "1+1?", "completion": "1+1 = 2\nA: 2"},
        params={"path": "models/gsm8k-prm"},
        build=False,
        skip="building needs a PRM folder (an untrained one loads SmolLM2); tests/models/prm/ train and score one",
    )

    path: str = Field(description="PRM folder written by `rewardlab train prm`.")
    aggregate: Aggregation | None = Field(
        default=None, description="'min', 'product', 'last' or 'mean' (default: the model's own)."
    )
    separator: str | None = Field(default=None, description="Step separator (default: the model's own).")
    steps_field: str | None = Field(
        default="steps", description="Sample field with the solution already split into steps (used when present)."
    )
    credit: Literal["none", "min", "sum"] = Field(
        default="none", description="Also put per-step returns in info.step_returns ('min' form or 'sum' form)."
    )
    batch_size: int = Field(default=8, ge=1, description="Solutions per forward pass.")
    device: Device = "auto"

    _loaded: Any = PrivateAttr(default=None)
    _model_attrs: ClassVar[tuple[str, ...]] = ("_loaded",)

    @field_validator("path")
    @classmethod
    def _check_path(cls, value: str) -> str:
        from .checkpoint import read_prm_config

        read_prm_config(value)
        return value

    @property
    def loaded(self) -> Any:
        from .checkpoint import load_prm

        return self._load_once("_loaded", lambda: load_prm(self.path, device=self.device))

    def _steps(self, sample: Sample, config: Any) -> list[str]:
        separator = self.separator if self.separator is not None else config.separator
        regex = config.separator_regex if self.separator is None else False
        return sample_steps(sample, self.steps_field, separator, regex=regex)

    @batch_fallback(ready=lambda self: self.loaded)
    def _score_batch(self, samples: list[Sample], ctx: ScoreContext) -> Sequence[Outcome]:
        from .encode import encode_solutions
        from .scorer import step_probabilities

        loaded = self.loaded
        config = loaded.config
        how: Aggregation = self.aggregate or config.aggregate
        out, solutions = prepare_each(samples, lambda s: self._steps(s, config), (NotApplicable, ValueError))
        items: list[tuple[Any, list[str]]] = [(samples[i].prompt_messages, steps) for i, steps in solutions.items()]
        owners = list(solutions)
        encoded = encode_solutions(loaded.backbone, items, join=config.join, max_length=config.max_length)
        good = [(i, e) for i, e in zip(owners, encoded, strict=True) if not isinstance(e, Exception)]
        for i, e in zip(owners, encoded, strict=True):
            if isinstance(e, Exception):
                out[i] = e
        probs = step_probabilities(loaded.net, loaded.backbone, [e for _, e in good], batch_size=self.batch_size)
        for (i, e), scores in zip(good, probs, strict=True):
            first_bad = next((k for k, v in enumerate(scores) if v < 0.5), None)
            info: dict[str, Any] = {"step_scores": scores, "aggregate": how, "first_bad_step": first_bad}
            if self.credit != "none":
                info["step_returns"] = step_returns(scores, self.credit)
            if e.truncated:
                info["truncated"] = True
            out[i] = RewardResult.ok(aggregate(scores, how), info=info)
        return out


register_resolver(
    "prm",
    prm_node,
    "a process reward model folder written by `rewardlab train prm`, or a Hugging Face token-classification "
    "folder (prm:DIR)",
)
