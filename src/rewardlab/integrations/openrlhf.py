"""OpenRLHF: the remote reward contract, in both of its forms.

1. **HTTP** (``--remote_rm_url http://HOST:PORT/get_reward``): ``rewardlab serve`` answers
   ``POST /get_reward`` with ``{"rewards", "scores", "extra_logs"}``; this module holds the
   mapping both ways (:func:`samples_from_openrlhf`, :func:`openrlhf_payload`).
2. **A reward file** (``--remote_rm_url /path/to/file.py``): OpenRLHF imports the file and calls
   ``reward_func(queries, prompts, labels)``; it expects a dict of tensors ``rewards``,
   ``scores`` and ``extra_logs`` (one value per query). Point it at
   ``rewardlab/integrations/openrlhf_reward_func.py`` (print its path with
   ``python -m rewardlab.integrations.openrlhf``) and configure it with environment variables:
   ``REWARDLAB_SPEC`` (score in process) or ``REWARDLAB_URL`` (through ``rewardlab serve``),
   ``REWARDLAB_TOKEN``, ``REWARDLAB_LABEL_FIELD`` (default ``answer``), ``REWARDLAB_ON_MISSING``
   (``raise``, ``nan`` or a number).

Each query is prompt + response: the response is the query with its prompt cut off the front.
A label that is a string goes to the sample field ``label_field`` (``answer``); a JSON object
(or a string holding one) is merged into the sample, so several reference fields can travel.

>>> s = samples_from_openrlhf(["Q: 2+2? A: 4"], ["Q: 2+2? A:"], ["4"])[0]
>>> s.completion, s.get("answer"), s.prompt
(' 4', '4', 'Q: 2+2? A:')
>>> make_reward_func("exact_match", on_missing="nan")(["Q: A: 4"], ["Q: A:"], ["4"])["rewards"].tolist()
[1.0]
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from typing import Any

from ..core.result import RewardResult
from ..core.sample import Sample
from .common import MissingPolicy, RewardSource, fill_missing

__all__ = [
    "OpenRLHFRewardFunc",
    "make_reward_func",
    "openrlhf_payload",
    "reward_file_path",
    "reward_func",
    "samples_from_openrlhf",
]

LABEL_FIELD_ENV = "REWARDLAB_LABEL_FIELD"
ON_MISSING_ENV = "REWARDLAB_ON_MISSING"


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


def samples_from_openrlhf(
    queries: Sequence[str],
    prompts: Sequence[str] | None = None,
    labels: Sequence[Any] | None = None,
    *,
    label_field: str = "answer",
) -> list[Sample]:
    """Samples from OpenRLHF's ``query`` (prompt + response), ``prompts`` and ``labels``."""
    n = len(queries)
    if prompts is not None and len(prompts) != n:
        raise ValueError(f"'prompts' has {len(prompts)} items but 'query' has {n}")
    if labels is not None and len(labels) != n:
        raise ValueError(f"'labels' has {len(labels)} items but 'query' has {n}")
    out: list[Sample] = []
    for i, query in enumerate(queries):
        prompt = prompts[i] if prompts is not None else None
        if prompt and query.startswith(prompt):
            completion = query[len(prompt) :]
        else:
            completion = query
        fields = _label_fields(labels[i] if labels is not None else None, label_field)
        fields.pop("prompt", None)
        fields.pop("completion", None)
        out.append(Sample.model_validate({"prompt": prompt, "completion": completion, "query": query, **fields}))
    return out


def openrlhf_payload(results: Sequence[RewardResult], components: Sequence[str]) -> dict[str, Any]:
    """The ``/get_reward`` response: ``rewards``/``scores`` (``null`` where there is no score),
    ``extra_logs`` (every component, one value per query), ``statuses`` and ``errors``."""
    names = list(components)
    for r in results:
        for name in r.components:
            if name not in names:
                names.append(name)
    rewards = [r.score for r in results]
    return {
        "rewards": rewards,
        "scores": list(rewards),
        "extra_logs": {name: [r.components.get(name) for r in results] for name in names},
        "statuses": [r.status.value for r in results],
        "errors": [r.error for r in results],
    }


class OpenRLHFRewardFunc:
    """``reward_func(queries, prompts, labels, **kwargs)`` for OpenRLHF, in process or remote.

    Returns ``{"rewards": Tensor, "scores": Tensor, "extra_logs": {component: Tensor}}``; a
    component missing for a query is NaN in its log. A query with no reward follows
    ``on_missing`` (``raise`` by default: a failure stops the step loudly instead of training
    on a made-up number).
    """

    def __init__(
        self,
        spec: Any = None,
        *,
        urls: str | Sequence[str] | None = None,
        token: str | None = None,
        label_field: str = "answer",
        on_missing: MissingPolicy = "raise",
    ) -> None:
        self.source = RewardSource.create(spec, urls=urls, token=token)
        self.label_field = label_field
        self.on_missing = on_missing

    def __call__(
        self, queries: Sequence[str], prompts: Sequence[str], labels: Sequence[Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        import torch

        samples = samples_from_openrlhf(queries, prompts, labels, label_field=self.label_field)
        results = self.source.score(samples)
        rewards = torch.tensor(fill_missing(results, self.on_missing), dtype=torch.float32)
        payload = openrlhf_payload(results, self.source.spec.component_names if self.source.spec else [])
        logs = {
            name: torch.tensor([math.nan if v is None else float(v) for v in values], dtype=torch.float32)
            for name, values in payload["extra_logs"].items()
        }
        return {"rewards": rewards, "scores": rewards.clone(), "extra_logs": logs}


def make_reward_func(
    spec: Any = None,
    *,
    urls: str | Sequence[str] | None = None,
    token: str | None = None,
    label_field: str = "answer",
    on_missing: MissingPolicy = "raise",
) -> OpenRLHFRewardFunc:
    """An OpenRLHF ``reward_func`` scoring with ``spec`` in process, or with the server(s) at ``urls``."""
    return OpenRLHFRewardFunc(spec, urls=urls, token=token, label_field=label_field, on_missing=on_missing)


def _policy_from_env() -> MissingPolicy:
    value = os.environ.get(ON_MISSING_ENV, "raise").strip().lower()
    if value in ("raise", "nan"):
        return value  # type: ignore[return-value]
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"${ON_MISSING_ENV}={value!r}: expected 'raise', 'nan' or a number") from None


_DEFAULT: OpenRLHFRewardFunc | None = None


def reward_func(queries: Sequence[str], prompts: Sequence[str], labels: Sequence[Any] | None = None, **kwargs: Any):
    """OpenRLHF's entry point, configured from the environment (see the module docstring)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = OpenRLHFRewardFunc(
            label_field=os.environ.get(LABEL_FIELD_ENV, "answer"), on_missing=_policy_from_env()
        )
    return _DEFAULT(queries, prompts, labels, **kwargs)


def reward_file_path() -> str:
    """The path to give OpenRLHF as ``--remote_rm_url``."""
    from pathlib import Path

    return str(Path(__file__).with_name("openrlhf_reward_func.py"))


if __name__ == "__main__":  # python -m rewardlab.integrations.openrlhf
    print(reward_file_path())
