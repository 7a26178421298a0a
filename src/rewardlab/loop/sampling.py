"""N completions per prompt, from a local causal LM or an OpenAI-compatible endpoint.

A :class:`Sampler` answers a list of :class:`SampleRequest` (chat messages, how many
completions, a seed) with one list of :class:`Completion` per request; a failed completion is
the exception in its slot, so one failure never loses the others.

- :class:`LocalSampler`: the embedded SmolLM2 (``"smollm2"``), a local Hugging Face folder or a
  ``.gguf`` file, through transformers ``generate``; the prompt is rendered with the model's chat
  template (generation prompt included). The completions of ``batch_prompts`` prompts are drawn
  in one left-padded batch, seeded from their seeds: the same file, seed and batch size give the
  same completions (a resumed run draws its missing completions in new batches).
- :class:`OpenAISampler`: ``/v1/chat/completions`` of vLLM, llama.cpp server or a hosted API,
  one request per completion (``n=1``, seed = the request's seed + the sample index), with the
  judge backend's client: timeouts, retries with backoff, bounded concurrency, a rate limit
  (:class:`~rewardlab.models.judges.backends.http.OpenAIBackend`). The server applies its chat
  template.

:func:`make_sampler` builds either from a model reference (``smollm2``, a path, or
``openai:MODEL`` with a ``base_url``).

>>> p = SamplingParams(n=4, temperature=0.7, max_tokens=64, stop=("\\n\\n",))
>>> p.n, p.greedy
(4, False)
>>> request_seed(0, "gsm8k-test-1") == request_seed(0, "gsm8k-test-1") != request_seed(1, "gsm8k-test-1")
True
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "Completion",
    "LocalSampler",
    "OpenAISampler",
    "SampleRequest",
    "Sampler",
    "SamplingError",
    "SamplingParams",
    "make_sampler",
    "request_seed",
]


class SamplingError(RuntimeError):
    """A completion could not be produced (the message says why)."""


@dataclass(frozen=True)
class SamplingParams:
    """Decoding settings shared by every request of a run."""

    n: int = 8
    """Completions per prompt."""
    temperature: float = 0.7
    """0 is greedy decoding (then all ``n`` completions are the same)."""
    top_p: float = 1.0
    max_tokens: int = 256
    """Most new tokens per completion."""
    seed: int = 0
    stop: tuple[str, ...] = ()
    """Generation ends before the first of these strings (which is not kept)."""

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"n must be at least 1, got {self.n}")
        if self.max_tokens < 1:
            raise ValueError(f"max_tokens must be at least 1, got {self.max_tokens}")
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if any(not s for s in self.stop):
            raise ValueError("a stop string must not be empty")

    @property
    def greedy(self) -> bool:
        return self.temperature == 0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "stop": list(self.stop)}


@dataclass(frozen=True)
class SampleRequest:
    """``count`` completions of one prompt."""

    messages: list[dict[str, Any]]
    count: int
    seed: int


@dataclass(frozen=True)
class Completion:
    """One sampled completion."""

    text: str
    finish_reason: str
    """``stop`` (end of turn or a stop string), ``length`` (``max_tokens`` reached), or the server's word."""
    completion_tokens: int | None = None
    prompt_tokens: int | None = None


def request_seed(seed: int, group_id: str) -> int:
    """A 31-bit seed for one prompt, from the run's seed and the prompt's group id."""
    digest = hashlib.sha256(f"{seed}:{group_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


class Sampler(ABC):
    """Produces completions for chat prompts."""

    name: str = ""
    """What the output rows record as the model."""
    chunk_prompts: int = 1
    """How many prompts the driver hands over at once (more for concurrent HTTP requests)."""

    @abstractmethod
    def sample(
        self, requests: Sequence[SampleRequest], params: SamplingParams
    ) -> list[list[Completion | BaseException]]:
        """One list per request, ``request.count`` slots each (a completion or its exception)."""


# ---- local causal LMs ------------------------------------------------------------------------------
def _check_model(model: str) -> str:
    if model == "smollm2":
        return model
    path = Path(model).expanduser()
    if not path.exists():
        raise SamplingError(
            f"model '{model}' not found: expected 'smollm2', a local Hugging Face causal LM folder or a .gguf file "
            "(nothing is downloaded), or openai:NAME with --base-url for an endpoint"
        )
    return str(path)


@dataclass
class LocalSampler(Sampler):
    """Sampling with transformers from a local causal LM (see the module docstring).

    >>> LocalSampler("no/such/folder")
    Traceback (most recent call last):
    ...
    rewardlab.loop.sampling.SamplingError: model 'no/such/folder' not found: ...
    """

    model: str = "smollm2"
    device: str = "auto"
    max_length: int = 2048
    """Token limit of prompt + completion; the prompt is cut from the left to leave room."""
    batch_prompts: int = 4
    """Prompts generated together (their completions in one batch): more is faster on CPU and GPU."""
    _backbone: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.batch_prompts < 1:
            raise SamplingError(f"batch_prompts must be at least 1, got {self.batch_prompts}")
        self.model = _check_model(self.model)
        self.name = self.model if self.model == "smollm2" else Path(self.model).name

    @property
    def backbone(self) -> Any:
        if self._backbone is None:
            from ..models.backbones.causal_lm import shared_causal_lm

            self._backbone = shared_causal_lm(self.model, device=self.device, max_length=self.max_length)
        return self._backbone

    @property
    def chunk_prompts(self) -> int:  # type: ignore[override]
        return self.batch_prompts

    def sample(
        self, requests: Sequence[SampleRequest], params: SamplingParams
    ) -> list[list[Completion | BaseException]]:
        out: list[list[Completion | BaseException]] = []
        for start in range(0, len(requests), self.batch_prompts):
            part = list(requests[start : start + self.batch_prompts])
            try:
                out.extend(self._batch(part, params))
            except Exception as exc:  # this batch failed; the others still run
                out.extend([[exc] * r.count for r in part])
        return out

    def _eos_ids(self) -> list[int]:
        backbone = self.backbone
        ids: list[int] = []
        for value in (backbone.tokenizer.eos_token_id, getattr(backbone.model.generation_config, "eos_token_id", None)):
            for v in value if isinstance(value, list) else [value]:
                if isinstance(v, int) and v not in ids:
                    ids.append(v)
        return ids

    def _batch(self, requests: list[SampleRequest], params: SamplingParams) -> list[list[Completion]]:
        import torch

        backbone = self.backbone
        tokenizer = backbone.tokenizer
        budget = max(8, backbone.max_length - params.max_tokens)
        prompt_ids = []
        for r in requests:
            ids = backbone.fast_tokenizer.encode(backbone.render_prompt(r.messages), add_special_tokens=False).ids
            prompt_ids.append(ids[-budget:])
        copies = [1 if params.greedy else r.count for r in requests]
        rows = [ids for ids, c in zip(prompt_ids, copies, strict=True) for _ in range(c)]
        width = max(len(x) for x in rows)
        pad = backbone.pad_token_id
        input_ids = torch.full((len(rows), width), pad, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for k, x in enumerate(rows):  # left padding: every row ends where generation starts
            input_ids[k, width - len(x) :] = torch.tensor(x, dtype=torch.long)
            mask[k, width - len(x) :] = 1
        eos = self._eos_ids()
        kwargs: dict[str, Any] = {
            "max_new_tokens": params.max_tokens,
            "do_sample": not params.greedy,
            "pad_token_id": pad,
            "eos_token_id": eos or None,
        }
        if not params.greedy:
            kwargs.update(temperature=params.temperature, top_p=params.top_p, top_k=0)
        if params.stop:
            kwargs.update(stop_strings=list(params.stop), tokenizer=tokenizer)
        seed = request_seed(requests[0].seed, ",".join(str(r.seed) for r in requests))
        with torch.random.fork_rng(devices=[] if backbone.device == "cpu" else None), torch.inference_mode():
            torch.manual_seed(seed)
            generated = backbone.model.generate(
                input_ids=input_ids.to(backbone.device), attention_mask=mask.to(backbone.device), **kwargs
            )
        new = generated[:, width:].tolist()
        out: list[list[Completion]] = []
        at = 0
        for r, ids, c in zip(requests, prompt_ids, copies, strict=True):
            done = [self._completion(row, eos, params, len(ids)) for row in new[at : at + c]]
            at += c
            out.append(done * r.count if params.greedy else done)
        return out

    def _completion(self, row: list[int], eos: list[int], params: SamplingParams, prompt_tokens: int) -> Completion:
        tokenizer = self.backbone.tokenizer
        end = next((k for k, t in enumerate(row) if t in eos), None)
        if end is not None:
            kept = row[:end]
            text = tokenizer.decode(kept, skip_special_tokens=True)
            return Completion(_cut(text, params.stop), "stop", end + 1, prompt_tokens)
        pad = self.backbone.pad_token_id
        kept = list(row)
        while kept and kept[-1] == pad:
            kept.pop()  # the row stopped on a stop string while others went on: the rest is padding
        text = tokenizer.decode(kept, skip_special_tokens=True)
        cut = _cut(text, params.stop)
        reason = "stop" if (cut != text or len(kept) < params.max_tokens) else "length"
        return Completion(cut, reason, len(kept), prompt_tokens)


def _cut(text: str, stop: Sequence[str]) -> str:
    end = len(text)
    for s in stop:
        at = text.find(s)
        if at >= 0:
            end = min(end, at)
    return text[:end]


# ---- OpenAI-compatible endpoints ---------------------------------------------------------------------
@dataclass
class OpenAISampler(Sampler):
    """Sampling through ``/v1/chat/completions`` (see the module docstring).

    ``api_key_env`` names the environment variable holding the key (never the key itself).
    """

    model: str = ""
    base_url: str = "http://127.0.0.1:8000/v1"
    api_key_env: str | None = "OPENAI_API_KEY"
    timeout_s: float = 120.0
    max_retries: int = 4
    concurrency: int = 8
    rate_limit_per_s: float | None = None
    extra_body: dict[str, Any] = field(default_factory=dict)
    _client: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.model:
            raise SamplingError("an endpoint needs a model name: -m openai:NAME (the name the server serves)")
        if self.concurrency < 1:
            raise SamplingError(f"concurrency must be at least 1, got {self.concurrency}")
        self.name = f"openai:{self.model}"

    @property
    def chunk_prompts(self) -> int:  # type: ignore[override]
        return max(1, self.concurrency)

    @property
    def client(self) -> Any:
        if self._client is None:
            from ..models.judges.backends.http import OpenAIBackend

            self._client = OpenAIBackend(
                base_url=self.base_url,
                model=self.model,
                api_key_env=self.api_key_env,
                timeout_s=self.timeout_s,
                max_retries=self.max_retries,
                concurrency=self.concurrency,
                rate_limit_per_s=self.rate_limit_per_s,
            )
        return self._client

    @property
    def endpoint(self) -> str:
        return str(self.client.endpoint)

    def _payload(self, request: SampleRequest, index: int, params: SamplingParams) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": request.messages,
            "max_tokens": params.max_tokens,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "n": 1,
            "seed": (request.seed + index) & 0x7FFFFFFF,
        }
        if params.stop:
            payload["stop"] = list(params.stop)
        payload.update(self.extra_body)
        return payload

    def sample(
        self, requests: Sequence[SampleRequest], params: SamplingParams
    ) -> list[list[Completion | BaseException]]:
        payloads = [self._payload(r, k, params) for r in requests for k in range(r.count)]
        bodies = self.client.post_many(payloads)
        out: list[list[Completion | BaseException]] = []
        at = 0
        for r in requests:
            out.append([_from_body(b, params.stop) for b in bodies[at : at + r.count]])
            at += r.count
        return out


def _from_body(body: dict[str, Any] | BaseException, stop: Sequence[str]) -> Completion | BaseException:
    if isinstance(body, BaseException):
        return body
    try:
        choice = body["choices"][0]
        content = (choice.get("message") or {}).get("content")
    except (KeyError, IndexError, TypeError, AttributeError):
        return SamplingError(f"the endpoint answered without choices[0].message: {str(body)[:200]}")
    if not isinstance(content, str):
        return SamplingError(f"the endpoint answered without message content: {str(body)[:200]}")
    usage = body.get("usage") if isinstance(body.get("usage"), dict) else {}
    reason = choice.get("finish_reason") or "stop"
    return Completion(
        _cut(content, stop),  # servers that ignore `stop` still get it applied
        str(reason),
        _int_or_none(usage.get("completion_tokens")),
        _int_or_none(usage.get("prompt_tokens")),
    )


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# ---- choosing one ------------------------------------------------------------------------------------
def make_sampler(
    model: str = "smollm2",
    *,
    base_url: str | None = None,
    device: str = "auto",
    max_length: int = 2048,
    batch_prompts: int = 4,
    **http: Any,
) -> Sampler:
    """A sampler for ``model``: ``openai:NAME`` (or any name with ``base_url``) is an endpoint,
    anything else a local model (``smollm2``, a folder, a ``.gguf`` file).

    >>> make_sampler("openai:qwen", base_url="http://127.0.0.1:8000/v1").name
    'openai:qwen'
    """
    if model.startswith("openai:") or base_url:
        name = model.removeprefix("openai:")
        return OpenAISampler(model=name, base_url=base_url or "http://127.0.0.1:8000/v1", **http)
    if http:
        raise SamplingError(f"{', '.join(sorted(http))}: only for an endpoint (-m openai:NAME --base-url URL)")
    return LocalSampler(model=model, device=device, max_length=max_length, batch_prompts=batch_prompts)
