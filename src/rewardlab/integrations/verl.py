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
      reward_kwargs: {spec: /path/to/spec.yaml}  # or {urls: "http://rm:8000"}; or $REWARDLAB_SPEC / $REWARDLAB_URL

The sample is ``completion = solution_str``, ``answer = ground_truth`` (``answer_field``),
``data_source``, and the keys of ``extra_info`` (``question`` or ``prompt`` becomes the prompt).
The dict has ``score`` and every component of the spec (``NaN`` where a component has no value).
A sample with no score follows ``on_missing``: ``raise`` (the default: verl needs a number, and
a failure must not become one silently), ``nan``, or a number you choose.

>>> compute_score("gsm8k", "<answer>4</answer>", "4", {"question": "2+2?"}, spec="exact_match")
{'score': 0.0, 'exact_match': 0.0}
>>> compute_score("gsm8k", "4", "4", None, spec="exact_match")["score"]
1.0
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from typing import Any

from ..core.result import RewardResult
from ..core.sample import Sample
from .common import MissingPolicy, RewardSource, fill_missing

__all__ = ["VerlScorer", "compute_score", "compute_score_batch", "reward_file_path", "sample_from_verl"]


def sample_from_verl(
    data_source: Any, solution_str: str, ground_truth: Any, extra_info: Any = None, *, answer_field: str = "answer"
) -> Sample:
    """The sample a verl call describes."""
    fields: dict[str, Any] = dict(extra_info) if isinstance(extra_info, dict) else {}
    prompt = fields.pop("prompt", None) or fields.get("question") or fields.get("query")
    fields.pop("completion", None)
    if ground_truth is not None:
        fields[answer_field] = ground_truth
    return Sample.model_validate({**fields, "prompt": prompt, "completion": solution_str, "data_source": data_source})


class VerlScorer:
    """``compute_score`` for one reward source; picklable (verl ships it to Ray workers)."""

    def __init__(
        self,
        spec: Any = None,
        *,
        urls: str | Sequence[str] | None = None,
        token: str | None = None,
        answer_field: str = "answer",
        on_missing: MissingPolicy = "raise",
    ) -> None:
        self.source = RewardSource.create(spec, urls=urls, token=token)
        self.answer_field = answer_field
        self.on_missing = on_missing
        self._components: list[str] | None = None

    @property
    def components(self) -> list[str]:
        if self._components is None:
            self._components = list(self.source.component_names)
        return self._components

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

    def __call__(
        self, data_source: Any, solution_str: str, ground_truth: Any, extra_info: Any = None, **kwargs: Any
    ) -> dict[str, float]:
        sample = sample_from_verl(data_source, solution_str, ground_truth, extra_info, answer_field=self.answer_field)
        return self._dicts(self.source.score([sample]))[0]

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
            sample_from_verl(d, s, g, e, answer_field=self.answer_field)
            for d, s, g, e in zip(data_sources, solution_strs, ground_truths, extras, strict=True)
        ]
        return self._dicts(self.source.score(samples))


_SCORERS: dict[tuple[Any, ...], VerlScorer] = {}
_LOCK = threading.Lock()


def _scorer(kwargs: dict[str, Any]) -> VerlScorer:
    options = {k: kwargs.get(k) for k in ("spec", "urls", "token", "answer_field", "on_missing")}
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
            )
            _SCORERS[key] = scorer
    return scorer


def compute_score(
    data_source: Any, solution_str: str, ground_truth: Any, extra_info: Any = None, **reward_kwargs: Any
) -> dict[str, float]:
    """verl's per-sample ``compute_score``; ``reward_kwargs`` (``spec``, ``urls``, ``token``,
    ``answer_field``, ``on_missing``) come from ``custom_reward_function.reward_kwargs``."""
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
