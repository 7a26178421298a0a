"""verl: a reward spec as verl's ``compute_score``, in process or through ``rewardlab serve``.

verl's reward managers call ``compute_score(data_source, solution_str, ground_truth,
extra_info)`` per sample (``naive``), or ``compute_score(data_sources=..., solution_strs=...,
ground_truths=..., extra_infos=...)`` on a whole batch (``batch``: use
:func:`compute_score_batch`, which lets model rewards batch). A returned dict must hold
``score``; every other key is logged per sample (``reward_extra_info``). Point verl at this
module in its config::

    custom_reward_function:
      path: /path/to/rewardlab/integrations/verl_reward_fn.py   # printed by: python -m rewardlab.integrations.verl
      name: compute_score                      # or compute_score_batch with reward_model.reward_manager=batch
      reward_kwargs: {spec: /path/to/spec.yaml, component: total}  # or {urls: "http://rm:8000"}

The sample is ``completion = solution_str`` (end-of-sequence and padding markers removed:
``end_markers``, default :data:`~rewardlab.integrations.common.END_MARKERS`), ``answer =
ground_truth`` (``answer_field``), ``data_source``, and the keys of ``extra_info`` (``question``
or ``prompt`` becomes the prompt). The dict has ``score`` and every component of the spec
(``NaN`` where a component has no value). A sample with no score follows ``on_missing``:
``raise`` (the default: verl needs a number, and a failure must not become one silently),
``nan``, or a number you choose. A sample without ``ground_truth`` when the spec reads it is
an error (``missing_label``), not a score of the spec's other parts.

verl computes GRPO/RLOO advantages per group itself and calls ``compute_score`` one sample at
a time, so give it the raw reward: ``component: total`` (the sum inside the example spec's
``group_norm``). A normalizing spec cannot see groups here: each sample is refused (status
error, ``batch_of_one``), and a warning says so when the scorer is made.

>>> compute_score("gsm8k", "<answer>4</answer>", "4", {"question": "2+2?"}, spec="exact_match")
{'score': 0.0, 'exact_match': 0.0}
>>> compute_score("gsm8k", "4", "4", None, spec="exact_match")["score"]
1.0
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from typing import Any

from ..core.result import RewardResult
from ..core.sample import Sample
from .common import (
    MissingPolicy,
    RewardSource,
    TrainerAdapter,
    end_markers,
    fill_missing,
    strip_end_markers,
)

__all__ = ["VerlScorer", "compute_score", "compute_score_batch", "reward_file_path", "sample_from_verl"]

log = logging.getLogger("rewardlab.integrations.verl")


def sample_from_verl(
    data_source: Any,
    solution_str: str,
    ground_truth: Any,
    extra_info: Any = None,
    *,
    answer_field: str = "answer",
    markers: Sequence[str] | None = None,
) -> Sample:
    """The sample a verl call describes (``markers``: end-of-sequence texts to strip; default the common ones).

    >>> sample_from_verl("gsm8k", "<answer>4</answer><|im_end|>", "4", {"question": "2+2?"}).completion
    '<answer>4</answer>'
    """
    fields: dict[str, Any] = dict(extra_info) if isinstance(extra_info, dict) else {}
    prompt = fields.pop("prompt", None) or fields.get("question") or fields.get("query")
    fields.pop("completion", None)
    if ground_truth is not None:
        fields[answer_field] = ground_truth
    completion = (
        strip_end_markers(solution_str, end_markers(markers)) if isinstance(solution_str, str) else solution_str
    )
    return Sample.model_validate({**fields, "prompt": prompt, "completion": completion, "data_source": data_source})


class VerlScorer(TrainerAdapter):
    """``compute_score`` for one reward source; picklable (verl ships it to Ray workers)."""

    label_hint = "verl's ground_truth is empty: set reward_model.ground_truth in the dataset"

    def __init__(
        self,
        spec: Any = None,
        *,
        urls: str | Sequence[str] | None = None,
        token: str | None = None,
        answer_field: str = "answer",
        on_missing: MissingPolicy = "raise",
        component: str | None = None,
        end_markers: Sequence[str] | None = None,
    ) -> None:
        super().__init__(
            RewardSource.create(spec, urls=urls, token=token, component=component), answer_field, on_missing
        )
        self.markers = tuple(end_markers) if end_markers is not None else None
        self.startup_warning = (
            None
            if self.source.remote
            else self.source.warn_if_normalizing(
                "verl", "verl calls compute_score one sample at a time and normalizes per group itself (GRPO, RLOO)"
            )
        )

    def _dicts(self, results: list[RewardResult]) -> list[dict[str, float]]:
        scores = fill_missing(results, self.on_missing)
        names = self.components
        out = []
        for score, r in zip(scores, results, strict=True):
            row: dict[str, float] = {"score": score}
            for name in names:
                value = r.components.get(name)
                row[name] = math.nan if value is None else float(value)
            out.append(row)
        return out

    def _sample(self, data_source: Any, solution_str: str, ground_truth: Any, extra_info: Any) -> Sample:
        return sample_from_verl(
            data_source, solution_str, ground_truth, extra_info, answer_field=self.label_field, markers=self.markers
        )

    def __call__(
        self, data_source: Any, solution_str: str, ground_truth: Any, extra_info: Any = None, **kwargs: Any
    ) -> dict[str, float]:
        return self._dicts(self.score_labelled([self._sample(data_source, solution_str, ground_truth, extra_info)]))[0]

    def batch(
        self,
        data_sources: Sequence[Any],
        solution_strs: Sequence[str],
        ground_truths: Sequence[Any],
        extra_infos: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> list[dict[str, float]]:
        n = len(solution_strs)
        extras = list(extra_infos) if extra_infos is not None else [None] * n
        if not (len(data_sources) == len(ground_truths) == len(extras) == n):
            raise ValueError(
                f"verl batch: {len(data_sources)} data_sources, {n} solution_strs, {len(ground_truths)} "
                f"ground_truths, {len(extras)} extra_infos: one of each per sample is needed"
            )
        samples = [
            self._sample(d, s, g, e)
            for d, s, g, e in zip(data_sources, solution_strs, ground_truths, extras, strict=True)
        ]
        return self._dicts(self.score_labelled(samples))


_SCORERS: dict[tuple[Any, ...], VerlScorer] = {}
_WARNED: set[tuple[str, ...]] = set()
_LOCK = threading.Lock()


_OPTIONS = ("spec", "urls", "token", "answer_field", "on_missing", "component", "end_markers")


def _scorer(kwargs: dict[str, Any]) -> VerlScorer:
    unknown = tuple(sorted(set(kwargs) - set(_OPTIONS)))
    if unknown and unknown not in _WARNED:
        _WARNED.add(unknown)  # verl may pass arguments of its own: said once, not fatal
        log.warning(
            "rewardlab compute_score: ignoring keyword arguments %s (rewardlab reads %s)",
            ", ".join(unknown),
            ", ".join(_OPTIONS),
        )
    options = {k: kwargs.get(k) for k in _OPTIONS}
    key = tuple(sorted((k, str(v)) for k, v in options.items()))
    with _LOCK:
        scorer = _SCORERS.get(key)
        if scorer is None:
            scorer = VerlScorer(
                options["spec"],
                urls=options["urls"],
                token=options["token"],
                answer_field=options["answer_field"] or "answer",
                on_missing=options["on_missing"] if options["on_missing"] is not None else "raise",
                component=options["component"],
                end_markers=options["end_markers"],
            )
            _SCORERS[key] = scorer
    return scorer


def compute_score(
    data_source: Any, solution_str: str, ground_truth: Any, extra_info: Any = None, **reward_kwargs: Any
) -> dict[str, float]:
    """verl's per-sample ``compute_score``; ``reward_kwargs`` (``spec``, ``urls``, ``token``,
    ``answer_field``, ``on_missing``, ``component``, ``end_markers``) come from
    ``custom_reward_function.reward_kwargs``."""
    return _scorer(reward_kwargs)(data_source, solution_str, ground_truth, extra_info)


def compute_score_batch(
    data_sources: Sequence[Any],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Sequence[Any] | None = None,
    **reward_kwargs: Any,
) -> list[dict[str, float]]:
    """verl's batched ``compute_score`` (``reward_manager=batch``): one call for the whole batch."""
    return _scorer(reward_kwargs).batch(data_sources, solution_strs, ground_truths, extra_infos)


def reward_file_path() -> str:
    """The file to give verl as ``custom_reward_function.path`` (verl loads it by path)."""
    from pathlib import Path

    return str(Path(__file__).with_name("verl_reward_fn.py"))


if __name__ == "__main__":  # python -m rewardlab.integrations.verl
    print(reward_file_path())
