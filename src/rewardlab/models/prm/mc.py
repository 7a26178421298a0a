"""Automatic step labels by Monte-Carlo rollouts (Math-Shepherd, Wang et al., 2024).

For a problem with a known answer and a solution split into steps, the label of step ``k`` is
the share of ``rollouts`` continuations, sampled by a generator model from the prefix
``steps[:k+1]``, whose final answer the verifier accepts (``soft`` labels; ``hard``: 1 if any
continuation succeeds). The last step needs no rollout: its label is the verifier's verdict on
the whole solution, which is also the record's ``outcome``.

The generator continues the assistant turn of a chat (optionally after few-shot turns), so the
prefix is exactly the text the continuation builds on. Rollouts of every prefix of every
solution are batched together. The same code runs with a larger local model or on a GPU; here
the embedded SmolLM2-135M (weak at GSM8K, so labels are noisy and mostly low on early steps of
hard problems: see the PRM quality notes).

:func:`sample_solutions` draws the generator's own solutions to label (the usual PRM recipe);
reference and corrupted solutions can be labelled the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ...data.steps import StepRecord
from .steps import split_steps

__all__ = ["MCItem", "MCSettings", "mc_label", "sample_solutions"]

DEFAULT_STOP = r"(?m)^A:[ \t]*\S[^\n]*\n"
"""Generation of a rollout stops after its final-answer line (``A: N``)."""


@dataclass(frozen=True)
class MCItem:
    """A solution to label: the problem, the reference answer, the steps."""

    question: str
    answer: str
    steps: list[str]
    id: str | None = None
    source: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MCSettings:
    rollouts: int = 4
    max_new_tokens: int = 200
    temperature: float = 0.8
    top_p: float = 0.95
    batch_size: int = 16
    seed: int = 0
    label: Literal["soft", "hard"] = "soft"
    join: str = "\n"
    stop_pattern: str | None = DEFAULT_STOP


Progress = Callable[[int], None]


def _prompt(backbone: Any, fewshot: Sequence[dict[str, str]], question: str) -> str:
    return str(backbone.render_prompt([*fewshot, {"role": "user", "content": question}]))


def sample_solutions(
    backbone: Any,
    problems: Sequence[tuple[str, str, str]],
    *,
    samples: int,
    settings: MCSettings,
    fewshot: Sequence[dict[str, str]] = (),
    separator: str = "\n",
    on_batch: Progress | None = None,
) -> list[MCItem]:
    """``samples`` solutions of the generator per ``(id, question, answer)``, split into steps."""
    from ..lm_ops import generate

    if samples < 1 or not problems:
        return []
    prompts = [_prompt(backbone, fewshot, q) for _, q, _ in problems]
    texts = generate(
        backbone,
        prompts,
        max_new_tokens=settings.max_new_tokens,
        temperature=settings.temperature,
        top_p=settings.top_p,
        num_samples=samples,
        seed=settings.seed,
        stop_pattern=settings.stop_pattern,
        batch_size=max(1, settings.batch_size // samples),
        on_batch=on_batch,
    )
    out = []
    for (pid, question, answer), outs in zip(problems, texts, strict=True):
        for j, text in enumerate(outs):
            steps = split_steps(text, separator)
            if steps:
                out.append(MCItem(question, answer, steps, id=f"{pid}-sample{j}", source="sampled"))
    return out


def mc_label(
    backbone: Any,
    items: Sequence[MCItem],
    verifier: Any,
    *,
    settings: MCSettings,
    fewshot: Sequence[dict[str, str]] = (),
    on_batch: Progress | None = None,
) -> list[StepRecord]:
    """Label every step of every item by rollouts; ``verifier`` is a reward (``math`` by default
    upstream) scoring ``{completion, answer}`` samples 1.0 when the final answer is right."""
    from ..lm_ops import generate

    jobs: list[tuple[int, int]] = []  # (item, step index whose prefix is rolled out)
    prompts: list[str] = []
    heads = [_prompt(backbone, fewshot, item.question) for item in items]
    for i, item in enumerate(items):
        for k in range(len(item.steps) - 1):
            prefix = settings.join.join(item.steps[: k + 1]) + settings.join
            jobs.append((i, k))
            prompts.append(heads[i] + prefix)
    continuations = (
        generate(
            backbone,
            prompts,
            max_new_tokens=settings.max_new_tokens,
            temperature=settings.temperature,
            top_p=settings.top_p,
            num_samples=settings.rollouts,
            seed=settings.seed,
            stop_pattern=settings.stop_pattern,
            batch_size=max(1, settings.batch_size // settings.rollouts),
            on_batch=on_batch,
        )
        if prompts
        else []
    )
    # Verify every rollout and every whole solution in one batch.
    samples: list[dict[str, Any]] = []
    owners: list[tuple[int, int]] = []
    for (i, k), outs in zip(jobs, continuations, strict=True):
        prefix = settings.join.join(items[i].steps[: k + 1]) + settings.join
        for text in outs:
            samples.append({"prompt": items[i].question, "completion": prefix + text, "answer": items[i].answer})
            owners.append((i, k))
    for i, item in enumerate(items):
        samples.append({"prompt": item.question, "completion": settings.join.join(item.steps), "answer": item.answer})
        owners.append((i, len(item.steps) - 1))
    verdicts = verifier.score_batch(samples)
    hits: dict[tuple[int, int], list[float]] = {}
    for owner, result in zip(owners, verdicts, strict=True):
        hits.setdefault(owner, []).append(1.0 if (result.score or 0.0) >= 1.0 else 0.0)
    records = []
    for i, item in enumerate(items):
        labels: list[float | None] = []
        counts = []
        for k in range(len(item.steps)):
            got = hits.get((i, k), [])
            if not got:
                labels.append(None)
                counts.append([0, 0])
                continue
            value = sum(got) / len(got)
            labels.append(float(value > 0) if settings.label == "hard" else value)
            counts.append([int(sum(got)), len(got)])
        records.append(
            StepRecord(
                prompt=item.question,
                steps=list(item.steps),
                labels=labels,
                outcome=labels[-1],
                id=item.id,
                source=item.source,
                meta={**item.meta, "mc_counts": counts, "answer": item.answer},
            )
        )
    return records
