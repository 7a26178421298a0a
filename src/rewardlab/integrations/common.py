"""What every adapter shares: where rewards come from (a spec in this process, or a server
through the client), and what to do when a trainer needs a number the reward did not give.

>>> source = RewardSource.create("exact_match")
>>> [r.score for r in source.score([{"completion": "4", "answer": "4"}])]
[1.0]
>>> source.describe()
'in process: exact_match'
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any, Literal

from ..core.errors import RewardlabError
from ..core.result import RewardResult
from ..core.reward import Reward
from ..core.sample import Sample, as_samples
from ..core.spec import Spec, resolve

__all__ = [
    "SPEC_ENV",
    "TOKEN_ENV",
    "URL_ENV",
    "MissingPolicy",
    "MissingReward",
    "RewardSource",
    "fill_missing",
    "split_urls",
]

SPEC_ENV = "REWARDLAB_SPEC"
URL_ENV = "REWARDLAB_URL"
TOKEN_ENV = "REWARDLAB_TOKEN"

MissingPolicy = Literal["raise", "nan"] | float


class MissingReward(RewardlabError):
    """A trainer needs a number for every sample, and a result has none (failed or not applicable)."""


def split_urls(value: str | Sequence[str] | None) -> list[str]:
    """Server URLs from a list or a comma/space separated string.

    >>> split_urls("http://a:1, http://b:2")
    ['http://a:1', 'http://b:2']
    """
    if value is None:
        return []
    if isinstance(value, str):
        return [u for u in value.replace(",", " ").split() if u]
    return [u for u in value if u]


class RewardSource:
    """Scores samples with a spec in this process, or through ``rewardlab serve`` (the client).

    Picklable either way: the spec travels as its reference or its data, the client without its
    connections.
    """

    def __init__(
        self,
        spec: str | Spec | Reward | None = None,
        *,
        urls: str | Sequence[str] | None = None,
        token: str | None = None,
        timeout_s: float = 300.0,
        client_options: dict[str, Any] | None = None,
    ) -> None:
        self.urls = split_urls(urls)
        if spec is None and not self.urls:
            raise ValueError("give a spec (name, file or Spec) to score in process, or server URL(s) to score remotely")
        self.spec: Spec | None = resolve(spec) if spec is not None and not self.urls else None
        self.token = token
        self.timeout_s = timeout_s
        self.client_options = dict(client_options or {})
        self._client: Any = None
        self._aclient: Any = None
        self._aclient_loop: Any = None

    @classmethod
    def create(
        cls,
        spec: str | Spec | Reward | None = None,
        *,
        urls: str | Sequence[str] | None = None,
        token: str | None = None,
        **kw: Any,
    ) -> RewardSource:
        """A source from arguments, else from ``$REWARDLAB_URL`` / ``$REWARDLAB_SPEC`` / ``$REWARDLAB_TOKEN``."""
        if spec is None and not urls:
            urls = os.environ.get(URL_ENV) or None
            spec = None if urls else os.environ.get(SPEC_ENV) or None
        if spec is None and not urls:
            raise ValueError(
                f"no reward configured: pass spec=... or urls=..., or set ${SPEC_ENV} (a spec file or reward name) "
                f"or ${URL_ENV} (rewardlab serve URL(s))"
            )
        return cls(spec, urls=urls, token=token or os.environ.get(TOKEN_ENV) or None, **kw)

    @property
    def remote(self) -> bool:
        return bool(self.urls)

    def describe(self) -> str:
        if self.remote:
            return "server: " + ", ".join(self.urls)
        assert self.spec is not None
        return f"in process: {self.spec.name}"

    @property
    def client(self) -> Any:
        if self._client is None:
            from ..serve.client import RewardClient

            self._client = RewardClient(self.urls, token=self.token, timeout=self.timeout_s, **self.client_options)
        return self._client

    def async_client(self) -> Any:
        """The async client of the running event loop (one per loop: its connections belong to it)."""
        import asyncio

        from ..serve.client import AsyncRewardClient

        loop = asyncio.get_running_loop()
        if self._aclient is None or self._aclient_loop is not loop:
            self._aclient = AsyncRewardClient(
                self.urls, token=self.token, timeout=self.timeout_s, **self.client_options
            )
            self._aclient_loop = loop
        return self._aclient

    def score(
        self,
        samples: Sequence[Sample | dict[str, Any]],
        *,
        step: int | None = None,
        group_key: str | None = None,
    ) -> list[RewardResult]:
        batch = as_samples(samples)
        if self.remote:
            return self.client.score(batch, step=step, group_key=group_key)
        assert self.spec is not None
        return self.spec.score_batch(batch, step=step, group_key=group_key)

    async def ascore(
        self,
        samples: Sequence[Sample | dict[str, Any]],
        *,
        step: int | None = None,
        group_key: str | None = None,
    ) -> list[RewardResult]:
        batch = as_samples(samples)
        if self.remote:
            return await self.async_client().score(batch, step=step, group_key=group_key)
        assert self.spec is not None
        return await self.spec.ascore_batch(batch, step=step, group_key=group_key)

    @property
    def component_names(self) -> list[str]:
        if self.remote:
            return list(self.client.spec()["components"])
        assert self.spec is not None
        return self.spec.component_names

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.update(_client=None, _aclient=None, _aclient_loop=None)
        return state


def fill_missing(results: Sequence[RewardResult], policy: MissingPolicy) -> list[float]:
    """One number per result for trainers that cannot take a missing reward.

    ``raise`` (the default of the adapters) raises :class:`MissingReward` naming the samples and
    why; ``nan`` puts NaN (visible in any mean); a number puts that number, explicitly chosen.

    >>> fill_missing([RewardResult.ok(1.0), RewardResult.failed("boom")], "nan")[1]
    nan
    >>> fill_missing([RewardResult.failed("boom")], "raise")
    Traceback (most recent call last):
    ...
    rewardlab.integrations.common.MissingReward: 1 of 1 samples have no reward: sample 0: error: boom ...
    """
    out: list[float] = []
    missing: list[tuple[int, RewardResult]] = []
    for i, r in enumerate(results):
        if r.score is not None:
            out.append(float(r.score))
            continue
        missing.append((i, r))
        if policy == "nan":
            out.append(math.nan)
        elif isinstance(policy, (int, float)) and not isinstance(policy, bool):
            out.append(float(policy))
        else:
            out.append(math.nan)
    if missing and policy == "raise":
        shown = "; ".join(
            f"sample {i}: {r.status.value}: {r.error or r.info.get('reason', '')}" for i, r in missing[:3]
        )
        raise MissingReward(
            f"{len(missing)} of {len(results)} samples have no reward: {shown} "
            "(set on_missing='nan' or a number to accept them, or an 'on_error: default=<v>' policy in the spec)"
        )
    return out
