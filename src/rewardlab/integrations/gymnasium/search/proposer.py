"""Who writes the candidates: files (offline, and how the tests run) or a language model behind an
OpenAI-compatible endpoint (through the judge backend's client), with Eureka's reflection.

The prompt gives the task's description, its observation and action layout, and the function to
write. From the second round on it also gives the best candidates so far -- their code, fitness,
the statistics of each reward component during training, and the training curve -- and what went
wrong with the failed ones (Ma et al. 2023, "Eureka": reward reflection), and asks for improved
rewards.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from .fitness import Candidate, Evaluation
from .tasks import SearchTask

__all__ = [
    "FileProposer",
    "LLMProposer",
    "Proposer",
    "ProposerError",
    "extract_candidate",
    "prompt_messages",
    "reflection",
]

SIGNATURE = "def compute_reward(obs, action, next_obs, env_reward, terminated, truncated, info)"
SYSTEM = (
    "You write reward functions for reinforcement learning environments. Answer with one Python code block that "
    f"defines `{SIGNATURE}` returning either a float or a pair (float, dict of named float components). Use only "
    "the standard library's math, random, statistics, collections, functools and itertools (and numpy). Do not "
    "read files, import other modules or use the network."
)


class ProposerError(RuntimeError):
    """The proposer produced no candidate at all (the endpoint answered nothing)."""


class Proposer(Protocol):
    def propose(self, round_: int, history: Sequence[Evaluation]) -> list[Candidate]: ...


class FileProposer:
    """Candidates from a ``.py`` file or a directory of them (sorted by name), all in round 1;
    later rounds have none (the search then stops)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(f"{self.path}: no such file or directory")

    def propose(self, round_: int, history: Sequence[Evaluation]) -> list[Candidate]:
        """Every file in round 1; nothing later."""
        if round_ > 1:
            return []
        files = sorted(self.path.glob("*.py")) if self.path.is_dir() else [self.path]
        if not files:
            raise FileNotFoundError(f"{self.path}: no .py candidate files")
        return [Candidate(f.stem, f.read_text(encoding="utf-8"), round_, str(f)) for f in files]


def extract_candidate(text: str) -> str:
    """The code of a model's answer: its last fenced Python block, else the whole text."""
    from ....verifiers.code.program import extract_code

    return extract_code(text, "auto") or text


def reflection(history: Sequence[Evaluation], *, top: int = 2) -> str:
    """Eureka-style feedback: the best candidates with fitness, component statistics and training
    curve, then what failed and why."""
    ok = sorted(
        (e for e in history if e.status == "ok"), key=lambda e: (e.fitness or 0, e.env_return or 0), reverse=True
    )
    parts = []
    for e in ok[:top]:
        curve = [round(x, 2) for x in e.curve[:: max(1, len(e.curve) // 10)]]
        parts.append(
            f"Candidate {e.candidate.name} (round {e.candidate.round}): success rate {e.fitness:.2f}, "
            f"env return {e.env_return:.3f}.\nComponent statistics during training: "
            f"{json.dumps(e.components, sort_keys=True)}\nTraining success curve (moving average): {curve}\n"
            f"```python\n{e.candidate.code.strip()}\n```"
        )
    failed = [e for e in history if e.status != "ok"]
    if failed:
        parts.append(
            "Failed candidates:\n"
            + "\n".join(f"- {e.candidate.name}: {e.status}: {(e.error or '')[:200]}" for e in failed[-6:])
        )
    parts.append(
        "Analyse the statistics: a component whose values barely change does not guide learning; a component "
        "that dominates the others hides them. Write an improved reward function."
    )
    return "\n\n".join(parts)


def prompt_messages(task: SearchTask, history: Sequence[Evaluation]) -> list[dict[str, str]]:
    """The chat messages for the next round: the task, and the reflection on ``history`` if any."""
    user = (
        f"Environment: {task.description}\nObservation: {task.observation}\nActions: {task.action}\n"
        f"Success is measured by: {task.success}.\nWrite `{SIGNATURE}`."
    )
    if history:
        user += "\n\nResults of earlier candidates:\n\n" + reflection(history)
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


class LLMProposer:
    """``samples`` candidates per round from a chat model behind an OpenAI-compatible endpoint."""

    def __init__(
        self, task: SearchTask, backend: Any, *, samples: int = 4, temperature: float = 1.0, max_tokens: int = 1024
    ) -> None:
        if samples < 1:
            raise ValueError(f"samples: expected at least 1 candidate per round, got {samples}")
        self.task = task
        self.backend = backend
        self.samples = samples
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.prompts: list[list[dict[str, str]]] = []

    def propose(self, round_: int, history: Sequence[Evaluation]) -> list[Candidate]:
        """``samples`` answers to one prompt (with the reflection on ``history``); a failed answer is
        a candidate with its ``error`` (status ``invalid``); raises :class:`ProposerError` when the
        endpoint answered none of them."""
        from ....models.judges.backends.base import ChatRequest

        messages = prompt_messages(self.task, history)
        self.prompts.append(messages)
        request = ChatRequest.of(messages, max_tokens=self.max_tokens, temperature=self.temperature)
        answers: list[Any] = self.backend.complete([request] * self.samples)
        failures = [a for a in answers if isinstance(a, BaseException)]
        if answers and len(failures) == len(answers):
            first = failures[0]
            raise ProposerError(
                f"round {round_}: the endpoint answered none of {len(answers)} requests; first error: "
                f"{type(first).__name__}: {first}"
            )
        out = []
        for i, answer in enumerate(answers):
            name = f"r{round_}_s{i}"
            if isinstance(answer, BaseException):
                error = f"the endpoint failed: {type(answer).__name__}: {answer}"
                out.append(Candidate(name, "", round_, "endpoint", error=error))
            else:
                out.append(Candidate(name, extract_candidate(answer), round_, "endpoint"))
        return out
