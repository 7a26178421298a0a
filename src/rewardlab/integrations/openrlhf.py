"""OpenRLHF: the remote reward contract, in both of its forms.

1. **HTTP** (``--remote_rm_url http://HOST:PORT/get_reward``): ``rewardlab serve`` answers
   ``POST /get_reward`` with ``{"rewards", "scores", "extra_logs"}`` (plus ``statuses`` and
   ``errors``); this module holds the mapping both ways (:func:`samples_from_openrlhf`,
   :func:`openrlhf_payload`).
2. **A reward file** (``--remote_rm_url /path/to/file.py``): OpenRLHF imports the file and calls
   ``reward_func(queries, prompts, labels)``; it expects a dict of tensors ``rewards``,
   ``scores`` and ``extra_logs`` (one value per query). Point it at
   ``rewardlab/integrations/openrlhf_reward_func.py`` (print its path with
   ``python -m rewardlab.integrations.openrlhf``) and configure it with environment variables:
   ``REWARDLAB_SPEC`` (score in process) or ``REWARDLAB_URL`` (through ``rewardlab serve``),
   ``REWARDLAB_COMPONENT`` (a named node of the spec, e.g. ``total``), ``REWARDLAB_TOKEN``,
   ``REWARDLAB_LABEL_FIELD`` (default ``answer``), ``REWARDLAB_ON_MISSING`` (``raise``, ``nan``
   or a number), ``REWARDLAB_END_MARKERS`` (comma-separated texts to strip; ``none`` for none).

OpenRLHF decodes each query with its special tokens kept, so a finished response ends in the
end-of-sequence text (``<|im_end|>``, ``</s>``, ``<|eot_id|>`` ...): those markers (and padding)
are removed from the end of the response before scoring (``end_markers``, default
:data:`~rewardlab.integrations.common.END_MARKERS`). The response is the query with its prompt cut
off the front (or after the prompt, when the query starts with a BOS text the prompt lacks).
A label that is a string goes to the sample field ``label_field`` (``answer``); a JSON object
(or a string holding one) is merged into the sample, so several reference fields can travel. A
query without a label (OpenRLHF sends ``""`` without ``--label_key``) is an error result when
the spec reads that field, never a score of the rest of the spec.

OpenRLHF turns every value of the answer into a tensor (``torch.as_tensor``), so the HTTP answer
holds a number everywhere: a query without a score gets ``on_missing`` (default 0.0, counted,
logged, and explained in ``statuses``/``errors``); ``extra_logs['rewardlab_missing']`` is 1.0
for such a query, so the trainer's own logs show the share.

>>> s = samples_from_openrlhf(["Q: 2+2? A: 4<|im_end|>"], ["Q: 2+2? A:"], ["4"])[0]
>>> s.completion, s.get("answer"), s.prompt
(' 4', '4', 'Q: 2+2? A:')
>>> make_reward_func("exact_match", on_missing="nan")(["Q: A: 4"], ["Q: A:"], ["4"])["rewards"].tolist()
[1.0]
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Sequence
from typing import Any

from ..compose.introspect import reference_fields
from ..core.result import RewardResult
from ..core.sample import Sample
from ..core.spec import Spec
from .common import (
    MissingPolicy,
    RewardSource,
    TrainerAdapter,
    end_markers,
    fill_missing,
    label_failures,
    strip_end_markers,
)

__all__ = [
    "MISSING_LOG",
    "GetRewardRoute",
    "OpenRLHFRewardFunc",
    "make_reward_func",
    "openrlhf_payload",
    "reward_file_path",
    "reward_func",
    "samples_from_openrlhf",
]

log = logging.getLogger("rewardlab.integrations.openrlhf")

LABEL_FIELD_ENV = "REWARDLAB_LABEL_FIELD"
ON_MISSING_ENV = "REWARDLAB_ON_MISSING"
END_MARKERS_ENV = "REWARDLAB_END_MARKERS"
# extra_logs key: 1.0 where a query got no score (its reward is the on_missing value), else 0.0.
MISSING_LOG = "rewardlab_missing"
LABEL_HINT = "OpenRLHF sent no label for this query: pass --label_key with the dataset's reference column"
TRAINER_NOTE = (
    "OpenRLHF sends each query's samples in chunks without groups and normalizes rewards itself "
    "(GRPO, RLOO, REINFORCE++ baselines)"
)


def _label_fields(label: Any, label_field: str) -> dict[str, Any]:
    if label is None:
        return {}
    if isinstance(label, dict):
        return dict(label)
    if isinstance(label, str) and label.lstrip().startswith("{"):
        try:
            data = json.loads(label)
        except json.JSONDecodeError:
            data = None
        if isinstance(data, dict):
            return data
    return {label_field: label}


def _response(query: str, prompt: str | None) -> str:
    if prompt:
        if query.startswith(prompt):
            return query[len(prompt) :]
        at = query.find(prompt)  # the query may start with a BOS text the prompt string lacks
        if at >= 0:
            return query[at + len(prompt) :]
    return query


def samples_from_openrlhf(
    queries: Sequence[str],
    prompts: Sequence[str] | None = None,
    labels: Sequence[Any] | None = None,
    *,
    label_field: str = "answer",
    markers: Sequence[str] | None = None,
) -> list[Sample]:
    """Samples from OpenRLHF's ``query`` (prompt + response), ``prompts`` and ``labels``; the end
    markers (default the common chat templates') are removed from the end of each response."""
    n = len(queries)
    if prompts is not None and len(prompts) != n:
        raise ValueError(f"'prompts' has {len(prompts)} items but 'query' has {n}")
    if labels is not None and len(labels) != n:
        raise ValueError(f"'labels' has {len(labels)} items but 'query' has {n}")
    strip = end_markers(markers)
    out: list[Sample] = []
    for i, query in enumerate(queries):
        prompt = prompts[i] if prompts is not None else None
        completion = strip_end_markers(_response(query, prompt), strip)
        fields = _label_fields(labels[i] if labels is not None else None, label_field)
        fields.pop("prompt", None)
        fields.pop("completion", None)
        out.append(Sample.model_validate({"prompt": prompt, "completion": completion, "query": query, **fields}))
    return out


def openrlhf_payload(
    results: Sequence[RewardResult], components: Sequence[str], *, on_missing: float = 0.0
) -> dict[str, Any]:
    """The ``/get_reward`` response, with a number everywhere (OpenRLHF makes tensors of it):
    ``rewards``/``scores`` (``on_missing`` where there is no score), ``extra_logs`` (each of
    ``components``, one value per query, ``on_missing`` where a component has none, and
    :data:`MISSING_LOG`), ``statuses`` and ``errors``.

    >>> from rewardlab.core.result import RewardResult
    >>> body = openrlhf_payload([RewardResult.ok(1.0), RewardResult.failed("boom")], [], on_missing=-1.0)
    >>> body["rewards"], body["extra_logs"], body["statuses"]
    ([1.0, -1.0], {'rewardlab_missing': [0.0, 1.0]}, ['ok', 'error'])
    """
    fill = float(on_missing)
    if not math.isfinite(fill):
        raise ValueError(f"on_missing must be a finite number (JSON has no NaN), got {on_missing!r}")
    rewards = [fill if r.score is None else float(r.score) for r in results]
    logs: dict[str, list[float]] = {}
    for name in components:
        if name == MISSING_LOG:
            continue
        values = [r.components.get(name) for r in results]
        logs[name] = [fill if v is None else float(v) for v in values]
    logs[MISSING_LOG] = [1.0 if r.score is None else 0.0 for r in results]
    return {
        "rewards": rewards,
        "scores": list(rewards),
        "extra_logs": logs,
        "statuses": [r.status.value for r in results],
        "errors": [r.error for r in results],
    }


def missing_summary(results: Sequence[RewardResult]) -> str:
    """``"2 of 8 (error 2: no label: ...)"``: how many results have no score, and the first reason."""
    missing = [r for r in results if r.score is None]
    if not missing:
        return ""
    counts: dict[str, int] = {}
    for r in missing:
        counts[r.status.value] = counts.get(r.status.value, 0) + 1
    first = missing[0].error or str(missing[0].info.get("reason", ""))
    parts = ", ".join(f"{k} {v}" for k, v in counts.items())
    return f"{len(missing)} of {len(results)} ({parts}; first: {first[:200]})"


class GetRewardRoute:
    """What ``POST /get_reward`` does around the scoring call: samples from OpenRLHF's request
    (end markers stripped, missing labels as error results), and an answer with a number for
    every query (``on_missing`` where there is no score), counted in the metrics and logged.
    """

    def __init__(
        self,
        spec: Spec,
        *,
        label_field: str = "answer",
        on_missing: float = 0.0,
        markers: Sequence[str] | None = None,
        metrics: Any = None,
    ) -> None:
        self.components = list(spec.component_names)
        self.references = reference_fields(spec.reward)
        self.label_field = label_field
        self.on_missing = float(on_missing)
        self.markers = end_markers(markers)
        self.metrics = metrics

    def prepare(
        self, queries: Sequence[str], prompts: Sequence[str] | None, labels: Sequence[Any] | None
    ) -> tuple[list[Sample], dict[int, RewardResult]]:
        """The samples to score, and the error results of the queries that cannot be scored."""
        samples = samples_from_openrlhf(queries, prompts, labels, label_field=self.label_field, markers=self.markers)
        failures = label_failures(samples, self.label_field, self.references, hint=LABEL_HINT)
        return [s for i, s in enumerate(samples) if i not in failures], failures

    def answer(self, scored: Sequence[RewardResult], failures: dict[int, RewardResult], n: int) -> dict[str, Any]:
        """The response body for ``n`` queries: ``scored`` fills the places ``failures`` leaves."""
        it = iter(scored)
        results = [failures[i] if i in failures else next(it) for i in range(n)]
        summary = missing_summary(results)
        if summary:
            log.warning("/get_reward: %s queries got no score; answered on_missing=%g", summary, self.on_missing)
        if self.metrics is not None:
            if failures:
                self.metrics.observe_results(list(failures.values()))
            filled = sum(r.score is None for r in results)
            if filled:
                self.metrics.filled.labels(endpoint="/get_reward").inc(filled)
        return openrlhf_payload(results, self.components, on_missing=self.on_missing)


def _component(result: RewardResult, name: str) -> float:
    value = result.components.get(name)
    return math.nan if value is None else float(value)


class OpenRLHFRewardFunc(TrainerAdapter):
    """``reward_func(queries, prompts, labels, **kwargs)`` for OpenRLHF, in process or remote.

    Returns ``{"rewards": Tensor, "scores": Tensor, "extra_logs": {component: Tensor}}``; a
    component missing for a query is NaN in its log. A query with no reward follows
    ``on_missing`` (``raise`` by default: a failure stops the step loudly instead of training
    on a made-up number).
    """

    label_hint = LABEL_HINT

    def __init__(
        self,
        spec: Any = None,
        *,
        urls: str | Sequence[str] | None = None,
        token: str | None = None,
        label_field: str = "answer",
        on_missing: MissingPolicy = "raise",
        component: str | None = None,
        end_markers: Sequence[str] | None = None,
        tokenizer: Any = None,
    ) -> None:
        from .common import end_markers as _markers

        super().__init__(
            RewardSource.create(spec, urls=urls, token=token, component=component), label_field, on_missing
        )
        self.markers = _markers(end_markers, tokenizer)
        self.startup_warning = None if self.source.remote else self.source.warn_if_normalizing("OpenRLHF", TRAINER_NOTE)

    def score(
        self, queries: Sequence[str], prompts: Sequence[str] | None, labels: Sequence[Any] | None
    ) -> list[RewardResult]:
        samples = samples_from_openrlhf(queries, prompts, labels, label_field=self.label_field, markers=self.markers)
        results = self.score_labelled(samples)
        summary = missing_summary(results)
        if summary:
            log.warning("OpenRLHF reward_func: %s queries got no score", summary)
        return results

    def __call__(
        self, queries: Sequence[str], prompts: Sequence[str], labels: Sequence[Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        import torch

        results = self.score(queries, prompts, labels)
        rewards = torch.tensor(fill_missing(results, self.on_missing), dtype=torch.float32)
        logs = {
            name: torch.tensor([_component(r, name) for r in results], dtype=torch.float32)
            for name in self.components
            if name != MISSING_LOG
        }
        logs[MISSING_LOG] = torch.tensor([1.0 if r.score is None else 0.0 for r in results], dtype=torch.float32)
        return {"rewards": rewards, "scores": rewards.clone(), "extra_logs": logs}


make_reward_func = OpenRLHFRewardFunc
"""An OpenRLHF ``reward_func`` scoring with ``spec`` in process, or with the server(s) at ``urls``:
the class itself, whose instances are what OpenRLHF calls (the same options)."""


def _policy_from_env() -> MissingPolicy:
    value = os.environ.get(ON_MISSING_ENV, "raise").strip().lower()
    if value in ("raise", "nan"):
        return value  # type: ignore[return-value]
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"${ON_MISSING_ENV}={value!r}: expected 'raise', 'nan' or a number") from None


def _markers_from_env() -> list[str] | None:
    value = os.environ.get(END_MARKERS_ENV)
    if value is None:
        return None
    if value.strip().lower() in ("", "none"):
        return []
    return [m.strip() for m in value.split(",") if m.strip()]


_DEFAULT: OpenRLHFRewardFunc | None = None


def reward_func(queries: Sequence[str], prompts: Sequence[str], labels: Sequence[Any] | None = None, **kwargs: Any):
    """OpenRLHF's entry point, configured from the environment (see the module docstring)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = OpenRLHFRewardFunc(
            label_field=os.environ.get(LABEL_FIELD_ENV, "answer"),
            on_missing=_policy_from_env(),
            end_markers=_markers_from_env(),
        )
    return _DEFAULT(queries, prompts, labels, **kwargs)


def reward_file_path() -> str:
    """The path to give OpenRLHF as ``--remote_rm_url``."""
    from pathlib import Path

    return str(Path(__file__).with_name("openrlhf_reward_func.py"))


if __name__ == "__main__":  # python -m rewardlab.integrations.openrlhf
    print(reward_file_path())
