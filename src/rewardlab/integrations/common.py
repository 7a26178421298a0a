"""What every adapter shares: where rewards come from (a spec in this process, or a server
through the client), which node of the spec a trainer gets (``component=NAME``), the text a
trainer sends (end-of-sequence and padding markers removed), samples without the label the
spec reads (an error result, never 0.0), and what to do when a trainer needs a number the
reward did not give.

>>> source = RewardSource.create("exact_match")
>>> [r.score for r in source.score([{"completion": "4", "answer": "4"}])]
[1.0]
>>> source.describe()
'in process: exact_match'
>>> strip_end_markers("<answer>4</answer><|im_end|><|endoftext|><|endoftext|>")
'<answer>4</answer>'
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, Literal

from ..compose.introspect import normalizing_nodes, reference_fields, spec_component
from ..core.errors import RewardlabError
from ..core.result import RewardResult
from ..core.reward import Reward
from ..core.sample import Sample, as_samples
from ..core.spec import Spec, resolve

__all__ = [
    "COMPONENT_ENV",
    "END_MARKERS",
    "SPEC_ENV",
    "TOKEN_ENV",
    "URL_ENV",
    "MissingPolicy",
    "MissingReward",
    "RewardSource",
    "TrainerAdapter",
    "end_markers",
    "fill_missing",
    "label_failures",
    "score_with_failures",
    "split_urls",
    "strip_end_markers",
]

log = logging.getLogger("rewardlab.integrations")

SPEC_ENV = "REWARDLAB_SPEC"
URL_ENV = "REWARDLAB_URL"
TOKEN_ENV = "REWARDLAB_TOKEN"
COMPONENT_ENV = "REWARDLAB_COMPONENT"

# End-of-sequence, end-of-turn and padding texts of the common chat templates (Qwen/ChatML,
# Llama 2/3, Mistral, Gemma, Phi-3, DeepSeek, gpt-oss, SmolLM, BERT-style pads). Trainers that
# decode with special tokens kept (OpenRLHF, older verl) send a finished answer ending in one.
END_MARKERS: tuple[str, ...] = (
    "<|im_end|>",
    "<|endoftext|>",
    "<|eot_id|>",
    "<|eom_id|>",
    "<|end_of_text|>",
    "</s>",
    "<end_of_turn>",
    "<eos>",
    "<|end|>",
    "<|return|>",
    "<｜end▁of▁sentence｜>",
    "<|end▁of▁sentence|>",
    "<|finetune_right_pad_id|>",
    "<pad>",
    "<|pad|>",
    "[PAD]",
)

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


def end_markers(markers: Iterable[str] | None = None, tokenizer: Any = None) -> tuple[str, ...]:
    """The markers to strip: ``markers`` (default :data:`END_MARKERS`), plus the tokenizer's own
    end-of-sequence and padding tokens when one is given.

    >>> class Tok:
    ...     eos_token, pad_token = "<|custom_end|>", None
    >>> end_markers([], Tok())
    ('<|custom_end|>',)
    """
    out = list(END_MARKERS if markers is None else markers)
    if tokenizer is not None:
        for attr in ("eos_token", "pad_token"):
            token = getattr(tokenizer, attr, None)
            if isinstance(token, str) and token and token not in out:
                out.append(token)
    return tuple(m for m in out if m)


def strip_end_markers(text: str, markers: Sequence[str] = END_MARKERS) -> str:
    """``text`` without the end-of-sequence / padding markers (and the whitespace between them)
    at its end; unchanged when it ends in none.

    >>> strip_end_markers("<answer>4</answer>\\n<|im_end|>\\n")
    '<answer>4</answer>\\n'
    >>> strip_end_markers("no marker \\n")
    'no marker \\n'
    """
    out = text
    while True:
        trimmed = out.rstrip()
        for marker in markers:
            if marker and trimmed.endswith(marker):
                out = trimmed[: -len(marker)]
                break
        else:
            return out


def label_failures(
    samples: Sequence[Sample], field: str, references: Sequence[str], *, hint: str
) -> dict[int, RewardResult]:
    """Error results for the samples without the label ``field`` when the spec reads it (a
    reference such as ``answer``): a missing label is an error, not a score of the rest of the
    spec. ``hint`` tells the trainer's user where the label comes from."""
    if field not in references:
        return {}
    out: dict[int, RewardResult] = {}
    for i, s in enumerate(samples):
        value = s.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            out[i] = RewardResult.failed(
                f"no label: the spec reads the sample field '{field}' and this sample has none ({hint})",
                info={"reason": "missing_label", "field": field},
            )
    return out


def score_with_failures(
    score: Any, samples: Sequence[Sample], failures: dict[int, RewardResult], **kw: Any
) -> list[RewardResult]:
    """Results for ``samples``: ``failures`` where given, the others scored together by ``score``."""
    todo = [i for i in range(len(samples)) if i not in failures]
    scored = dict(zip(todo, score([samples[i] for i in todo], **kw) if todo else [], strict=True))
    return [failures[i] if i in failures else scored[i] for i in range(len(samples))]


class RewardSource:
    """Scores samples with a spec in this process, or through ``rewardlab serve`` (the client).

    ``component`` scores one named node of the spec (``total``: the sum without the group
    normalization around it) in process; a server serves a component with
    ``rewardlab serve --component NAME``.

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
        component: str | None = None,
    ) -> None:
        self.urls = split_urls(urls)
        if spec is None and not self.urls:
            raise ValueError("give a spec (name, file or Spec) to score in process, or server URL(s) to score remotely")
        if component and self.urls:
            raise ValueError(
                f"component={component!r} selects a node of an in-process spec; a server serves a component when "
                f"started with `rewardlab serve -r SPEC --component {component}`"
            )
        self.component = component or None
        self.spec: Spec | None = (
            spec_component(resolve(spec), self.component) if spec is not None and not self.urls else None
        )
        self._server_spec: dict[str, Any] | None = None
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
        """A source from arguments, else from ``$REWARDLAB_URL`` / ``$REWARDLAB_SPEC`` / ``$REWARDLAB_TOKEN``
        (and ``$REWARDLAB_COMPONENT`` with a spec)."""
        from_env = spec is None and not urls
        if from_env:
            urls = os.environ.get(URL_ENV) or None
            spec = None if urls else os.environ.get(SPEC_ENV) or None
            if spec is not None and not kw.get("component"):
                kw["component"] = os.environ.get(COMPONENT_ENV) or None
        if spec is None and not urls:
            raise ValueError(
                f"no reward configured: pass spec=... or urls=..., or set ${SPEC_ENV} (a spec file or reward name) "
                f"or ${URL_ENV} (rewardlab serve URL(s))"
            )
        return cls(spec, urls=urls, token=token or os.environ.get(TOKEN_ENV) or None, **kw)

    # ---- what the spec is -------------------------------------------------------------------
    def server_spec(self) -> dict[str, Any]:
        """The server's ``/v1/spec`` answer (remote sources; fetched once)."""
        if self._server_spec is None:
            self._server_spec = dict(self.client.spec())
        return self._server_spec

    @property
    def normalizes(self) -> list[str]:
        """Labels of the batch-dependent nodes of what this source scores ('<server>' when remote and
        batch dependent)."""
        if self.remote:
            return ["<server spec>"] if self.server_spec().get("batch_dependent") else []
        assert self.spec is not None
        return [f"{n.type_name} '{n.label}'" for n in normalizing_nodes(self.spec.reward)]

    @property
    def references(self) -> list[str]:
        """Sample fields besides prompt and completion that the scored spec reads (``answer``, ...)."""
        if self.remote:
            return list(self.server_spec().get("references") or [])
        assert self.spec is not None
        return reference_fields(self.spec.reward)

    def warn_if_normalizing(self, trainer: str, why: str) -> str | None:
        """Log (and return) a warning when the scored spec normalizes over groups or batches and the
        trainer normalizes too (or cannot send groups): said once, at start-up."""
        nodes = self.normalizes
        if not nodes:
            return None
        suggest = "NAME"
        if self.spec is not None:
            inner = [getattr(n, "child", None) for n in normalizing_nodes(self.spec.reward)]
            named = [c.label for c in inner if isinstance(c, Reward) and c.name]
            if named:
                suggest = named[0]
        message = (
            f"rewardlab: the spec given to {trainer} ({self.describe()}) normalizes ({', '.join(nodes)}), and {why}. "
            f"Give the trainer the raw reward instead: component={suggest!r} (`rewardlab serve --component "
            f"{suggest}`), or a spec without group_norm/batch_norm/running_norm. Samples that cannot be grouped "
            f"get status error, never 0.0."
        )
        log.warning("%s", message)
        return message

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

    def __setstate__(self, state: dict[str, Any]) -> None:
        state.setdefault("component", None)
        state.setdefault("_server_spec", None)
        self.__dict__.update(state)


class TrainerAdapter:
    """What the adapters of trainers that send a label with each sample (verl, OpenRLHF) share: the
    reward source, the sample field the label fills, the policy for a missing reward, the spec's
    component names (read once: every answer has the same keys), and scoring in which a sample
    without the label the spec reads is an error result, never a score of the rest of the spec."""

    label_hint: ClassVar[str] = ""
    """Where the trainer's user sets the label (said in the error of a sample without one)."""

    def __init__(self, source: RewardSource, label_field: str, on_missing: MissingPolicy) -> None:
        self.source = source
        self.label_field = label_field
        self.on_missing = on_missing
        self._components: list[str] | None = None
        self._references: list[str] | None = None

    @property
    def components(self) -> list[str]:
        """The spec's component names."""
        if self._components is None:
            self._components = list(self.source.component_names)
        return self._components

    def score_labelled(self, samples: list[Sample]) -> list[RewardResult]:
        """One result per sample: an error where the label is missing, else the source's score."""
        if self._references is None:
            self._references = self.source.references
        failures = label_failures(samples, self.label_field, self._references, hint=self.label_hint)
        return score_with_failures(self.source.score, samples, failures)


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
