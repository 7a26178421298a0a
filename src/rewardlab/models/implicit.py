"""Rewards read from language-model likelihoods: the DPO implicit reward and reference likelihood.

- ``dpo_implicit``: ``beta * (log pi(y|x) - log pi_ref(y|x))``, the reward a DPO-trained policy
  ``pi`` implicitly defines against its reference ``pi_ref`` (Rafailov et al., 2023). Both are
  local causal LMs; ``y`` is the completion rendered as the assistant turn of the chat template
  (end-of-turn marker included), ``x`` the rendered prompt.
- ``reference_likelihood``: how likely the reference answer is after the prompt and the
  response, as in RLPR (Yu et al., 2025: the mean token probability of the reference answer
  given the reasoning) and follow-up likelihood rewards (the probability of a follow-up turn).
  Optionally debiased by the same likelihood without the response (``debias``).

Models load on first use and are shared within the process with the judges and process
reward models (:func:`~rewardlab.models.backbones.causal_lm.shared_causal_lm`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar, Literal

from pydantic import Field, PrivateAttr, field_validator

from ..core.context import ScoreContext
from ..core.errors import NotApplicable
from ..core.example import Example
from ..core.registry import register
from ..core.result import RewardResult
from ..core.reward import Outcome, prepare_each
from ..core.sample import Sample
from ..verifiers.common.text import Extract, extract_answer
from .fallback import batch_fallback
from .lazy import LazyModelReward, split_completions
from .options import Device

__all__ = ["DPOImplicitReward", "ReferenceLikelihood"]


def _check_model_ref(value: str) -> str:
    from pathlib import Path

    if value == "smollm2":
        return value
    path = Path(value).expanduser()
    if not path.exists():
        raise ValueError(
            f"model '{value}' not found: expected 'smollm2', a local Hugging Face causal LM folder or a .gguf file "
            "(nothing is downloaded)"
        )
    return value


class _LMReward(LazyModelReward):
    """Shared plumbing: model fields, lazy shared backbones, picklability."""

    batch_size: int = Field(default=8, ge=1, description="Sequences per forward pass (length-bucketed).")
    max_length: int = Field(default=1024, ge=16, description="Token limit of prompt + completion (context cut first).")
    device: Device = "auto"

    _backbones: dict[str, Any] = PrivateAttr(default_factory=dict)
    _model_attrs: ClassVar[tuple[str, ...]] = ("_backbones",)

    def _backbone(self, ref: str) -> Any:
        with self._load_lock:
            if ref not in self._backbones:
                from .backbones.causal_lm import shared_causal_lm

                self._backbones[ref] = shared_causal_lm(ref, device=self.device, max_length=self.max_length)
            return self._backbones[ref]


@register("dpo_implicit", aliases=("implicit_reward",), family="model")
class DPOImplicitReward(_LMReward):
    """DPO implicit reward ``beta * (log pi(y|x) - log pi_ref(y|x))`` from two local causal LMs.

    ``policy`` and ``reference`` are ``smollm2``, a local Hugging Face causal-LM folder or a
    ``.gguf`` file; they should share a tokenizer (a policy fine-tuned from the reference).
    ``length_normalize`` divides each log-probability by the completion's token count (the
    per-token form used by SimPO-style rewards). ``info`` has both log-probabilities and the
    token count.

    >>> r = DPOImplicitReward(policy="smollm2", reference="smollm2", beta=0.1)
    >>> r.score({"prompt": "Say hi", "completion": "Hi!"}).score  # a policy equal to its reference
    0.0
    """

    reads: ClassVar[tuple[str, ...]] = ("prompt", "completion")
    example: ClassVar[Example] = Example(
        sample={"prompt": "Say hi", "completion": "Hi!"},
        params={"policy": "smollm2", "reference": "smollm2", "beta": 0.1},
        score=0.0,
        skip="scoring loads SmolLM2 twice (policy, reference); tests/models/test_implicit.py scores and pickles it",
    )

    policy: str = Field(description="The trained policy: 'smollm2', a causal LM folder or a .gguf file.")
    reference: str = Field(default="smollm2", description="The reference policy the DPO run started from.")
    beta: float = Field(default=0.1, gt=0.0, description="The DPO temperature (the beta of the training run).")
    length_normalize: bool = Field(
        default=False, description="Use mean instead of summed token log-probabilities (per-token reward)."
    )

    @field_validator("policy", "reference")
    @classmethod
    def _check_models(cls, value: str) -> str:
        return _check_model_ref(value)

    @batch_fallback(ready=lambda self: [self._backbone(ref) for ref in (self.policy, self.reference)])
    def _score_batch(self, samples: list[Sample], ctx: ScoreContext) -> Sequence[Outcome]:
        from .lm_ops import completion_logprobs

        out, usable = split_completions(samples, "the sample has no completion")
        if not usable:
            return out
        logps = {}
        for role, ref in (("policy", self.policy), ("reference", self.reference)):
            backbone = self._backbone(ref)
            rendered = [backbone.render(samples[i]) for i in usable]
            logps[role] = completion_logprobs(backbone, rendered, batch_size=self.batch_size)
        for k, i in enumerate(usable):
            pol, ref = logps["policy"][k], logps["reference"][k]
            if pol.tokens == 0 or ref.tokens == 0:
                out[i] = NotApplicable("the completion has no tokens to score")
                continue
            a, b = (pol.mean, ref.mean) if self.length_normalize else (pol.total, ref.total)
            info: dict[str, Any] = {"policy_logp": a, "reference_logp": b, "tokens": pol.tokens}
            if pol.tokens != ref.tokens:
                info["reference_tokens"] = ref.tokens
            if pol.truncated or ref.truncated:
                info["truncated"] = True
            out[i] = RewardResult.ok(self.beta * (a - b), info=info)
        return out


Aggregate = Literal["mean_prob", "mean_logprob", "sum_logprob", "prob"]


@register("reference_likelihood", aliases=("rlpr",), family="model")
class ReferenceLikelihood(_LMReward):
    """Likelihood of the reference answer after the prompt and the response (RLPR, follow-up likelihood).

    The context is the chat-rendered prompt, the response as the assistant turn's text and
    ``answer_prefix``; the target is the reference (``answer_field``; a list keeps the best).
    With ``follow_up=true`` the target is instead rendered as the next user turn (follow-up
    likelihood: "Thanks, that solved it!"). ``replace_answer`` (e.g. ``answer_tag``) puts the
    reference in place of the response's own answer, as RLPR does, instead of appending it.
    ``aggregate``: ``mean_prob`` (RLPR's default, in [0, 1]), ``prob`` (the whole answer's
    probability), ``mean_logprob`` or ``sum_logprob``. ``debias`` subtracts the same quantity
    computed without the response (how likely the answer was anyway), clipped at 0 for the
    probability forms.

    >>> r = ReferenceLikelihood(answer_prefix=" The answer is ")
    >>> good = r.score({"prompt": "What is 2+2?", "completion": "2+2 equals 4.", "answer": "4"}).score
    >>> bad = r.score({"prompt": "What is 2+2?", "completion": "2+2 equals 5.", "answer": "4"}).score
    >>> 0.0 < bad < good < 1.0
    True
    """

    reads: ClassVar[tuple[str, ...]] = ("prompt", "completion", "answer")
    example: ClassVar[Example] = Example(
        sample={"prompt": "What is 2+2?", "completion": "2+2 equals 4.", "answer": "4"},
        params={"answer_prefix": " The answer is "},
        skip="scoring loads SmolLM2; tests/models/test_implicit.py scores, batches and pickles it",
    )

    model: str = Field(default="smollm2", description="'smollm2', a causal LM folder or a .gguf file.")
    answer_field: str = Field(default="answer", description="Sample field with the reference answer (or a list).")
    answer_prefix: str = Field(
        default="\nThe answer is: ", description="Text placed between the response and the reference answer."
    )
    replace_answer: Extract = Field(
        default="none",
        description="Where the response's own answer is, to be replaced by the reference ('answer_tag', 'boxed', "
        "'last_line', 'none': append after the response).",
    )
    follow_up: bool = Field(default=False, description="Score the reference as the next user turn (follow-up).")
    aggregate: Aggregate = Field(default="mean_prob", description="How token log-probabilities become the score.")
    debias: bool = Field(default=False, description="Subtract the likelihood of the answer without the response.")

    @field_validator("model")
    @classmethod
    def _check_model(cls, value: str) -> str:
        return _check_model_ref(value)

    def _references(self, sample: Sample) -> list[str]:
        value = sample.get(self.answer_field)
        if value is None:
            raise NotApplicable(f"the sample has no reference in field '{self.answer_field}'")
        refs = [str(v) for v in (value if isinstance(value, list) else [value]) if v is not None and str(v).strip()]
        if not refs:
            raise NotApplicable(f"field '{self.answer_field}' holds no reference")
        return refs

    def _render(self, backbone: Any, sample: Sample, reference: str, with_response: bool) -> Any:
        from .backbones.rendering import RenderedSample, sample_parts

        prompt, response = sample_parts(sample)
        if not with_response:
            response = ""
        if self.follow_up:
            turns = [*prompt, {"role": "assistant", "content": response}, {"role": "user", "content": reference}]
            if backbone.has_chat_template:
                text = backbone.tokenizer.apply_chat_template(turns, tokenize=False, add_generation_prompt=False)
            else:
                text = "\n".join(f"{t['role']}: {t['content']}" for t in turns)
            at = text.rfind(reference)
            return RenderedSample(prompt=text[:at], completion=reference)
        head = backbone.render_prompt(prompt)
        if self.replace_answer != "none" and with_response:
            own = extract_answer(response, self.replace_answer, None)
            if own is not None and own.strip():
                at = response.rfind(own)
                return RenderedSample(prompt=head + response[:at], completion=reference)
        return RenderedSample(prompt=head + response + self.answer_prefix, completion=reference)

    def _value(self, token_logprobs: Any) -> float:
        if token_logprobs.tokens == 0:
            raise ValueError("the reference answer encodes to no tokens")
        if self.aggregate == "mean_prob":
            return math.fsum(math.exp(v) for v in token_logprobs.token_logprobs) / token_logprobs.tokens
        if self.aggregate == "prob":
            return math.exp(token_logprobs.total)
        if self.aggregate == "mean_logprob":
            return token_logprobs.mean
        return token_logprobs.total

    @batch_fallback(ready=lambda self: self._backbone(self.model))
    def _score_batch(self, samples: list[Sample], ctx: ScoreContext) -> Sequence[Outcome]:
        from .lm_ops import completion_logprobs

        backbone = self._backbone(self.model)
        out, references = prepare_each(samples, self._references, NotApplicable)
        jobs: list[tuple[int, str, bool]] = []  # (sample index, reference, with response)
        for i, refs in references.items():
            if samples[i].completion is None:
                out[i] = NotApplicable("the sample has no completion")
                continue
            for ref in refs:
                jobs.append((i, ref, True))
                if self.debias:
                    jobs.append((i, ref, False))
        if not jobs:
            return out
        rendered = [self._render(backbone, samples[i], ref, with_resp) for i, ref, with_resp in jobs]
        values = completion_logprobs(backbone, rendered, batch_size=self.batch_size)
        best: dict[int, tuple[float, dict[str, Any]]] = {}
        by_key = {(i, ref, w): v for (i, ref, w), v in zip(jobs, values, strict=True)}
        for i, ref, with_resp in jobs:
            if not with_resp:
                continue
            try:
                value = self._value(by_key[(i, ref, True)])
                info: dict[str, Any] = {"reference": ref, "likelihood": value}
                if self.debias:
                    prior = self._value(by_key[(i, ref, False)])
                    info["prior"] = prior
                    value = value - prior
                    if self.aggregate in ("mean_prob", "prob"):
                        value = max(0.0, value)
            except ValueError as exc:
                out[i] = exc
                continue
            if by_key[(i, ref, True)].truncated:
                info["truncated"] = True
            if i not in best or value > best[i][0]:
                best[i] = (value, info)
        for i, (value, info) in best.items():
            if not isinstance(out[i], BaseException):
                out[i] = RewardResult.ok(value, info=info)
        return out
