"""What every generative judge shares: the backend, the verdict mode, the master-key guard.

A judge reward holds its backend settings (:class:`~.config.JudgeBackendConfig`) as a field, so
a judge in a spec is data like any other reward, and builds the backend (a loaded model or an
HTTP client with its cache) on first use. Judges are picklable: the backend is rebuilt after
unpickling.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar, Literal

from pydantic import Field, PrivateAttr

from ...core.errors import NotApplicable
from ...core.sample import Sample
from ..backbones.rendering import sample_parts
from ..lazy import LazyModelReward
from .backends import ChatRequest, JudgeBackend, make_backend
from .config import JudgeBackendConfig
from .guard import master_key_reason
from .prompts import render_conversation

__all__ = ["JudgeReward", "normalized_probs"]

Verdict = Literal["text", "logprobs"]


def normalized_probs(logprobs: Sequence[float]) -> tuple[list[float], float]:
    """Probabilities renormalized over the choices, and the mass the choices had before.

    >>> probs, mass = normalized_probs([math.log(0.3), math.log(0.1)])
    >>> [round(p, 2) for p in probs], round(mass, 2)
    ([0.75, 0.25], 0.4)
    """
    finite = [v for v in logprobs if v != -math.inf]
    if not finite:
        raise ValueError("no probability on any verdict choice")
    top = max(finite)
    weights = [math.exp(v - top) if v != -math.inf else 0.0 for v in logprobs]
    total = sum(weights)
    return [w / total for w in weights], math.exp(top) * total


class JudgeReward(LazyModelReward):
    """Base of the judges (not registered itself)."""

    backend: JudgeBackendConfig = Field(
        default_factory=JudgeBackendConfig,
        description="Where verdicts come from: a local model name/folder, or {kind: openai, base_url, model, ...}.",
    )
    verdict: Verdict = Field(
        default="text",
        description="'text': parse the reply ('Score: N', 'Verdict: A'); 'logprobs': read the verdict tokens' "
        "probabilities (expected score, P(A wins), P(yes)).",
    )
    max_new_tokens: int = Field(default=32, ge=1, description="Reply length limit for text verdicts.")
    guard: bool = Field(
        default=True,
        description="Refuse master-key responses (':', 'Thought process:', restating the question) before judging.",
    )

    _backend_obj: Any = PrivateAttr(default=None)
    _model_attrs: ClassVar[tuple[str, ...]] = ("_backend_obj",)

    @property
    def judge_backend(self) -> JudgeBackend:
        """The backend (built on first use)."""
        return self._load_once("_backend_obj", lambda: make_backend(self.backend))

    # ---- helpers for subclasses ------------------------------------------------------------
    @staticmethod
    def conversation_and_response(sample: Sample) -> tuple[str, str, str]:
        """The conversation as text, the last user turn, and the response text."""
        prompt, response = sample_parts(sample)
        last_user = next((m["content"] for m in reversed(prompt) if m["role"] == "user"), "")
        return render_conversation(prompt), last_user, response

    def guard_reason(self, response: str, question: str) -> str | None:
        return master_key_reason(response, question) if self.guard else None

    def judged(self, sample: Sample) -> tuple[str, str, str | None]:
        """What a judge reads of ``sample``: the conversation as text, the response, and why the guard
        refuses the response (``None``: judge it). ``NotApplicable`` when there is no completion."""
        if sample.completion is None:
            raise NotApplicable("the sample has no completion to judge")
        conversation, question, response = self.conversation_and_response(sample)
        return conversation, response, self.guard_reason(response, question)

    def ask(self, conversations: Sequence[list[dict[str, str]]], choices: list[str]) -> list[Any]:
        """One verdict per conversation, in order: the reply text (``verdict: text``, at most
        ``max_new_tokens``) or the backend's probabilities of ``choices`` (``verdict: logprobs``)."""
        requests = [ChatRequest.of(m, max_tokens=self.max_new_tokens) for m in conversations]
        if self.verdict == "text":
            return self.judge_backend.complete(requests)
        return self.judge_backend.choose(requests, choices)
