r"""Label-free rewards read from a causal LM's own next-token distributions (no reference needed).

- ``self_certainty`` (Kang et al. 2025, "Scalable Best-of-N Selection via Self-Certainty"; the
  reward of INTUITOR, Zhao et al. 2025): the mean over the completion's tokens of
  ``KL(U || p_t)``, the divergence of the next-token distribution from uniform,
  ``-log V - (1/V) sum_j log p_t(j)``. Peaked (confident) distributions score high.
- ``answer_confidence``: how probable the model finds the final answer it wrote, given the
  prompt and the reasoning before it ("confidence as a reward"): the mean token probability of
  the answer span (``mean_prob``), its joint probability (``prob``) or mean log-probability.
- ``entropy``: minus the mean entropy (nats) of the next-token distributions over the final
  answer span (or the whole completion), as RENT (Prabhudesai et al. 2025) rewards low entropy:
  higher is more certain.

The model is any local causal LM -- the policy itself or another (``smollm2``, a Hugging Face
folder, a ``.gguf`` file) -- shared within the process with judges and implicit rewards. The
completion is rendered as the assistant turn of the model's chat template; the end-of-turn
marker the template appends counts as a completion token for ``self_certainty`` (it is what the
model predicts last), and never for the answer span. The final answer is found by the math
extractor (``\boxed{}``, ``####``, "the answer is", the last number ...) or by ``pattern``.

>>> r = SelfCertainty()
>>> sure = r.score({"prompt": "What is 2+2?", "completion": "2+2 = 4."}).score
>>> odd = r.score({"prompt": "What is 2+2?", "completion": "zebra quantum marmalade 9."}).score
>>> sure > odd > 0
True
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, Field, PrivateAttr, field_validator

from ..core.context import ScoreContext
from ..core.errors import NotApplicable
from ..core.example import Example
from ..core.registry import register
from ..core.result import RewardResult
from ..core.reward import Outcome
from ..core.sample import Sample
from .fallback import batch_fallback
from .lazy import LazyModelReward
from .options import Device

__all__ = ["AnswerConfidence", "AnswerEntropy", "SelfCertainty", "TokenStats", "answer_span", "token_stats"]

_HEAD_CHUNK = 256
"""Completion positions whose full next-token distributions are held at once."""


@dataclass(frozen=True)
class TokenStats:
    """Per completion token: log p(token), the entropy of the distribution it was drawn from, and
    that distribution's KL divergence from uniform; ``offsets`` are the tokens' character spans in
    the rendered completion."""

    logprob: tuple[float, ...]
    entropy: tuple[float, ...]
    kl_uniform: tuple[float, ...]
    offsets: tuple[tuple[int, int], ...]
    truncated: bool


def token_stats(backbone: Any, rendered: Sequence[Any], *, batch_size: int = 8, model: Any = None) -> list[TokenStats]:
    """:class:`TokenStats` of each rendered sample's completion tokens (one forward pass per batch)."""
    import torch

    from .lm_ops import buckets_by_length, head_logits

    if backbone.kind != "causal_lm":
        raise ValueError(f"backbone '{backbone.name}' is a {backbone.kind}; this needs a causal LM (e.g. 'smollm2')")
    encoded = backbone.encode(rendered)
    offsets = [
        e.offsets
        for e in backbone.fast_tokenizer.encode_batch([r.completion for r in rendered], add_special_tokens=False)
    ]
    model = backbone.model if model is None else model
    out: list[TokenStats | None] = [None] * len(rendered)
    with torch.inference_mode():
        for indices in buckets_by_length([len(e) for e in encoded], batch_size):
            hidden = backbone.hidden_states(backbone.collate([encoded[i] for i in indices]), model)
            for row, i in enumerate(indices):
                e = encoded[i]
                start = max(e.completion_start, 1)
                positions = list(range(start, e.completion_end))
                lp: list[float] = []
                ent: list[float] = []
                kl: list[float] = []
                for c in range(0, len(positions), _HEAD_CHUNK):
                    chunk = positions[c : c + _HEAD_CHUNK]
                    logits = head_logits(model, hidden[row, [p - 1 for p in chunk]])
                    logp = torch.log_softmax(logits, dim=-1).double()
                    targets = torch.tensor([e.input_ids[p] for p in chunk], device=logp.device)
                    lp += logp.gather(1, targets.unsqueeze(1)).squeeze(1).cpu().tolist()
                    ent += (-(logp.exp() * logp).sum(-1)).cpu().tolist()
                    kl += (-math.log(logp.shape[-1]) - logp.mean(-1)).cpu().tolist()
                skipped = start - e.completion_start  # a completion without context loses its first token
                spans = tuple(tuple(o) for o in offsets[i][skipped : skipped + len(positions)])
                out[i] = TokenStats(tuple(lp), tuple(ent), tuple(kl), spans, e.truncated)  # type: ignore[arg-type]
    return [s for s in out if s is not None]


def answer_span(text: str, *, pattern: str | None = None, prompt: str | None = None) -> tuple[int, int] | None:
    r"""The character span of the final answer in ``text`` (``None`` when there is none).

    With ``pattern`` (a regular expression), the last match's first group (or whole match);
    otherwise the math extractor's final answer, inside its box or after its marker.

    >>> text = "3 + 4 = 7\n#### 7"
    >>> s = answer_span(text); text[s[0]:s[1]]
    '7'
    >>> t = r"So \boxed{12}."
    >>> s = answer_span(t); t[s[0]:s[1]]
    '12'
    >>> answer_span("no answer here") is None
    True
    """
    if pattern is not None:
        matches = list(re.finditer(pattern, text))
        if not matches:
            return None
        m = matches[-1]
        group = 1 if m.re.groups else 0
        return (m.start(group), m.end(group)) if m.group(group) else None
    from ..verifiers.math.extract import extract

    found = extract(text, prompt=prompt)
    if not found.candidates or found.truncated:
        return None
    c = found.candidates[-1]
    inner = text.find(c.text, c.start, c.end) if c.text else -1
    if inner >= 0:
        return inner, inner + len(c.text)
    return (c.start, c.end) if c.end > c.start else None


def _check_model_ref(value: str) -> str:
    from pathlib import Path

    if value != "smollm2" and not Path(value).expanduser().exists():
        raise ValueError(
            f"model '{value}' not found: expected 'smollm2', a local Hugging Face causal LM folder or a .gguf file "
            "(nothing is downloaded)"
        )
    return value


def _check_regex(value: str | None) -> str | None:
    if value is not None:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"pattern {value!r} is not a regular expression: {exc}") from None
    return value


AnswerPattern = Annotated[
    str | None,
    AfterValidator(_check_regex),
    Field(description="Regular expression of the answer (first group), instead of the math extractor."),
]
"""The ``pattern`` field of the rewards that read a final answer (checked to compile)."""


class _DistributionReward(LazyModelReward):
    """Shared plumbing: the model, batching, rendering and the answer span."""

    family: ClassVar[str] = "model"
    reads: ClassVar[tuple[str, ...]] = ("prompt", "completion")

    model: str = Field(
        default="smollm2", description="'smollm2', a local causal LM folder or a .gguf file (the policy or another)."
    )
    batch_size: int = Field(default=8, ge=1, description="Sequences per forward pass (length-bucketed).")
    max_length: int = Field(default=1024, ge=16, description="Token limit of prompt + completion (context cut first).")
    device: Device = "auto"

    _backbone: Any = PrivateAttr(default=None)
    _model_attrs: ClassVar[tuple[str, ...]] = ("_backbone",)

    @field_validator("model")
    @classmethod
    def _check_model(cls, value: str) -> str:
        return _check_model_ref(value)

    def backbone(self) -> Any:
        from .backbones.causal_lm import shared_causal_lm

        return self._load_once(
            "_backbone", lambda: shared_causal_lm(self.model, device=self.device, max_length=self.max_length)
        )

    def _value(self, stats: TokenStats, lo: int, hi: int) -> tuple[float, dict[str, Any]]:
        raise NotImplementedError

    def _span(self, sample: Sample, rendered: Any) -> tuple[int, int]:
        """Character span in the rendered completion that the score reads."""
        raise NotImplementedError

    @batch_fallback(ready=lambda self: self.backbone())
    def _score_batch(self, samples: list[Sample], ctx: ScoreContext) -> Sequence[Outcome]:
        backbone = self.backbone()
        out: list[Outcome] = [None] * len(samples)
        jobs: list[tuple[int, Any, tuple[int, int]]] = []
        for i, s in enumerate(samples):
            if s.completion is None or not s.completion_text.strip():
                out[i] = NotApplicable("the sample has no completion")
                continue
            rendered = backbone.render(s)
            try:
                jobs.append((i, rendered, self._span(s, rendered)))
            except NotApplicable as exc:
                out[i] = exc
        if not jobs:
            return out
        stats = token_stats(backbone, [r for _, r, _ in jobs], batch_size=self.batch_size)
        for (i, _, (lo, hi)), st in zip(jobs, stats, strict=True):
            chosen = [k for k, (a, b) in enumerate(st.offsets) if a < hi and b > lo]
            if not chosen:
                out[i] = NotApplicable(
                    "the span to score was cut off (the completion is longer than max_length)"
                    if st.truncated
                    else "the span to score has no tokens"
                )
                continue
            value, info = self._value(st, chosen[0], chosen[-1] + 1)
            info["tokens"] = len(chosen)
            if st.truncated:
                info["truncated"] = True
            out[i] = RewardResult.ok(value, info=info)
        return out


def _completion_span(sample: Sample, rendered: Any) -> tuple[int, int]:
    return 0, len(rendered.completion)


def _final_answer_span(sample: Sample, rendered: Any, pattern: str | None) -> tuple[int, int]:
    text = sample.completion_text
    span = answer_span(text, pattern=pattern, prompt=sample.prompt_text or None)
    if span is None:
        raise NotApplicable("no final answer found in the completion" + (f" (pattern {pattern!r})" if pattern else ""))
    at = rendered.completion.find(text)
    if at < 0:
        raise NotApplicable("the chat template changed the completion's text; its answer span cannot be located")
    return at + span[0], at + span[1]


@register("self_certainty", aliases=("intuitor",), family="model")
class SelfCertainty(_DistributionReward):
    """Mean KL divergence from uniform of the model's next-token distributions over the completion.

    Kang et al. 2025 (best-of-N by self-certainty) and INTUITOR (Zhao et al. 2025) use it as a
    reward without labels: ``mean_t [-log V - (1/V) sum_j log p_t(j)]``, in nats, ``V`` the
    vocabulary size; higher is more certain. ``info`` has the mean token entropy and log-probability.

    >>> SelfCertainty().score({"prompt": "Say hi", "completion": "Hi!"}).score > 0
    True
    """

    example: ClassVar[Example] = Example(
        sample={"prompt": "What is 2+2?", "completion": "2+2 = 4."},
        skip="loads the embedded SmolLM2 (tested in tests/models/test_label_free.py)",
    )

    def _span(self, sample: Sample, rendered: Any) -> tuple[int, int]:
        return _completion_span(sample, rendered)

    def _value(self, stats: TokenStats, lo: int, hi: int) -> tuple[float, dict[str, Any]]:
        n = hi - lo
        info = {
            "mean_entropy": math.fsum(stats.entropy[lo:hi]) / n,
            "mean_logprob": math.fsum(stats.logprob[lo:hi]) / n,
        }
        return math.fsum(stats.kl_uniform[lo:hi]) / n, info


Aggregate = Literal["mean_prob", "prob", "mean_logprob"]


@register("answer_confidence", family="model")
class AnswerConfidence(_DistributionReward):
    r"""How probable the model finds the final answer it wrote, given the prompt and its reasoning.

    The answer span is found by the math extractor (``\boxed{}``, ``####``, "the answer is",
    the last number ...) or by ``pattern`` (a regular expression; its first group is the
    answer). ``aggregate``: ``mean_prob`` (mean token probability, in [0, 1]), ``prob`` (the
    answer's joint probability) or ``mean_logprob``. ``info`` has the answer text and its tokens.

    >>> r = AnswerConfidence()
    >>> right = r.score({"prompt": "What is 2+2?", "completion": "2+2 = 4.\n#### 4"}).score
    >>> wrong = r.score({"prompt": "What is 2+2?", "completion": "2+2 = 4.\n#### 9"}).score
    >>> 0 < wrong < right < 1
    True
    """

    example: ClassVar[Example] = Example(
        sample={"prompt": "What is 2+2?", "completion": "2+2 = 4.\n#### 4"},
        skip="loads the embedded SmolLM2 (tested in tests/models/test_label_free.py)",
    )

    aggregate: Aggregate = Field(default="mean_prob", description="'mean_prob', 'prob' or 'mean_logprob'.")
    pattern: AnswerPattern = None

    def _span(self, sample: Sample, rendered: Any) -> tuple[int, int]:
        return _final_answer_span(sample, rendered, self.pattern)

    def _value(self, stats: TokenStats, lo: int, hi: int) -> tuple[float, dict[str, Any]]:
        lps = stats.logprob[lo:hi]
        if self.aggregate == "mean_prob":
            value = math.fsum(math.exp(v) for v in lps) / len(lps)
        elif self.aggregate == "prob":
            value = math.exp(math.fsum(lps))
        else:
            value = math.fsum(lps) / len(lps)
        return value, {"answer_logprob": math.fsum(lps)}


@register("entropy", aliases=("answer_entropy", "rent"), family="model")
class AnswerEntropy(_DistributionReward):
    """Minus the mean entropy (nats) of the model's next-token distributions over the final answer
    (``span="answer"``) or the whole completion (``span="completion"``): higher is more certain,
    as RENT rewards.

    >>> r = AnswerEntropy(span="completion")
    >>> r.score({"prompt": "What is 2+2?", "completion": "4"}).score < 0
    True
    """

    example: ClassVar[Example] = Example(
        sample={"prompt": "What is 2+2?", "completion": "2+2 = 4.\n#### 4"},
        skip="loads the embedded SmolLM2 (tested in tests/models/test_label_free.py)",
    )

    span: Literal["answer", "completion"] = Field(
        default="answer", description="'answer' (the final answer's tokens) or 'completion' (every token)."
    )
    pattern: AnswerPattern = None

    def _span(self, sample: Sample, rendered: Any) -> tuple[int, int]:
        if self.span == "completion":
            return _completion_span(sample, rendered)
        return _final_answer_span(sample, rendered, self.pattern)

    def _value(self, stats: TokenStats, lo: int, hi: int) -> tuple[float, dict[str, Any]]:
        mean = math.fsum(stats.entropy[lo:hi]) / (hi - lo)
        return -mean, {"mean_entropy": mean}
