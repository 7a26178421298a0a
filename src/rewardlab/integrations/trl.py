"""TRL: a reward spec as a GRPO ``reward_funcs`` entry, in process or through ``rewardlab serve``.

::

    from trl import GRPOTrainer
    from rewardlab.integrations.trl import TRLReward

    trainer = GRPOTrainer(model=..., reward_funcs=[TRLReward("examples/math_grpo.yaml", component="total")], ...)
    # or remote, overlapping with generation (TRL awaits async reward functions concurrently):
    #   rewardlab serve -r examples/math_grpo.yaml --component total
    trainer = GRPOTrainer(model=..., reward_funcs=[AsyncTRLReward(urls="http://127.0.0.1:8000")], ...)

GRPOTrainer normalizes each prompt's rewards itself (advantage = (r - mean) / std within the
group of ``num_generations`` completions), so give it the raw reward: ``component="total"``
serves the weighted sum inside the example spec's ``group_norm``. A spec that normalizes is
said at start-up (a warning); it is then grouped by the prompt (``group_key="prompt"``, the
default: TRL passes a prompt's completions together), and a completion alone in its group gets
``None`` with the reason, never 0.0.

TRL calls ``reward_func(prompts=..., completions=..., completion_ids=..., **columns)`` where the
columns are the dataset's other fields (``answer``, ``tests``, ...) plus ``trainer_state``,
``log_extra`` and ``log_metric``. Each row becomes a sample (``prompt``, ``completion``, and
the columns as fields); a prompt that ends with an assistant message (a prefill such as
``<think>``, which TRL continues: ``continue_final_message``) gives that message's text to the
completion, so the reward sees the whole assistant turn (``join_prefill=False`` to keep it in the
prompt). The training step (``trainer_state.global_step``) drives annealed
weights. The function returns one float per completion, or ``None`` where the spec gives no
score (not applicable, or failed: TRL then ignores that reward for that completion). Every
component's mean and the share of each status are logged with ``log_metric`` under
``<name>/<component>``, the per-completion components with ``log_extra``; failures are counted
(``<name>/error``, ``<name>/timeout``) and warned about, never turned into 0. With
``on_failure="raise"`` a failed sample stops the step instead.

``on_scored(samples, results, step)`` is called after each call with what was scored (to record
completions, e.g. ``examples/grpo_trl.py``). Instances are picklable (TRL and accelerate copy
reward functions across processes).

>>> reward = TRLReward("exact_match", name="em")
>>> reward(prompts=["2+2?", "2+2?"], completions=["4", "5"], answer=["4", "4"])
[1.0, 0.0]
>>> reward.__name__
'em'
>>> prefilled = [[{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "<answer>"}]]
>>> reward.samples(prefilled, [[{"role": "assistant", "content": "4</answer>"}]])[0].completion_text
'<answer>4</answer>'
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from typing import Any, Literal

from ..core.result import RewardResult, Status
from ..core.reward import Reward
from ..core.sample import Sample
from ..core.spec import Spec
from .common import MissingReward, RewardSource

__all__ = ["AsyncTRLReward", "TRLReward", "join_prefill"]

log = logging.getLogger("rewardlab.integrations.trl")

# Keyword arguments TRL adds that are not dataset columns.
TRL_RESERVED = frozenset({"trainer_state", "log_extra", "log_metric", "environments", "completion_ids"})


def join_prefill(prompt: Any, completion: Any) -> tuple[Any, Any]:
    """Move a prompt's final assistant message (a prefill TRL continued) into the completion.

    TRL renders a conversational prompt that ends with an assistant message with
    ``continue_final_message``: the model writes the rest of that message, and the completion
    TRL decodes is only the continuation. The assistant's turn is the prefill followed by it.
    Anything else is returned unchanged.

    >>> join_prefill([{"role": "user", "content": "Q"}, {"role": "assistant", "content": "<think>"}], "2+2=4</think>")
    ([{'role': 'user', 'content': 'Q'}], '<think>2+2=4</think>')
    >>> join_prefill("Q", "A")
    ('Q', 'A')
    """
    if not isinstance(prompt, (list, tuple)) or not prompt:
        return prompt, completion
    last = prompt[-1]
    role = last.get("role") if isinstance(last, dict) else getattr(last, "role", None)
    content = last.get("content") if isinstance(last, dict) else getattr(last, "content", None)
    if role != "assistant" or not isinstance(content, str):
        return prompt, completion
    rest = list(prompt[:-1])
    if isinstance(completion, str):
        return rest, content + completion
    if isinstance(completion, (list, tuple)) and completion:
        first = completion[0]
        if isinstance(first, dict) and first.get("role") == "assistant" and isinstance(first.get("content"), str):
            return rest, [{**first, "content": content + first["content"]}, *completion[1:]]
    return prompt, completion


class TRLReward:
    """A picklable TRL reward function backed by a spec (in process) or a server (``urls``)."""

    def __init__(
        self,
        spec: str | Spec | Reward | None = None,
        *,
        urls: str | Sequence[str] | None = None,
        token: str | None = None,
        name: str | None = None,
        group_key: str | None = "prompt",
        log_components: bool = True,
        on_failure: Literal["none", "raise"] = "none",
        component: str | None = None,
        join_prefill: bool = True,
        on_scored: Callable[[list[Sample], list[RewardResult], int | None], None] | None = None,
    ) -> None:
        self.source = RewardSource.create(spec, urls=urls, token=token, component=component)
        self.join_prefill = join_prefill
        self.on_scored = on_scored
        self.group_key = group_key
        self.log_components = log_components
        if on_failure not in ("none", "raise"):
            raise ValueError(f"on_failure must be 'none' or 'raise', got {on_failure!r}")
        self.on_failure = on_failure
        default = self.source.spec.name if self.source.spec is not None else "rewardlab"
        self.__name__ = name or default
        # Said once at start-up (remote: at the first call, which reaches the server anyway).
        self.startup_warning: str | None = None
        self._checked = False
        if not self.source.remote:
            self._check()

    def _check(self) -> None:
        if self._checked:
            return
        self._checked = True
        self.startup_warning = self.source.warn_if_normalizing(
            f"TRL ({self.__name__})",
            "GRPOTrainer normalizes each prompt's rewards itself, so the advantages would be normalized twice",
        )

    # ---- building samples --------------------------------------------------------------
    def samples(self, prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> list[Sample]:
        """The samples TRL's arguments describe (dataset columns become sample fields)."""
        n = len(completions)
        if len(prompts) != n:
            raise ValueError(f"TRL passed {len(prompts)} prompts and {n} completions")
        columns = {
            k: v for k, v in kwargs.items() if k not in TRL_RESERVED and isinstance(v, (list, tuple)) and len(v) == n
        }
        out = []
        for i in range(n):
            fields = {k: v[i] for k, v in columns.items() if k not in ("prompt", "completion")}
            prompt, completion = prompts[i], completions[i]
            if self.join_prefill:
                prompt, completion = join_prefill(prompt, completion)
            out.append(Sample.model_validate({**fields, "prompt": prompt, "completion": completion}))
        return out

    @staticmethod
    def _step(kwargs: dict[str, Any]) -> int | None:
        state = kwargs.get("trainer_state")
        step = getattr(state, "global_step", None)
        return int(step) if isinstance(step, int) else None

    # ---- the call ----------------------------------------------------------------------
    def __call__(
        self, prompts: Sequence[Any], completions: Sequence[Any], completion_ids: Any = None, **kwargs: Any
    ) -> list[float | None]:
        self._check()
        samples = self.samples(prompts, completions, **kwargs)
        step = self._step(kwargs)
        results = self.source.score(samples, step=step, group_key=self.group_key)
        return self._finish(samples, results, step, kwargs)

    def _finish(
        self, samples: list[Sample], results: list[RewardResult], step: int | None, kwargs: dict[str, Any]
    ) -> list[float | None]:
        if self.on_scored is not None:
            self.on_scored(samples, results, step)
        failed = [(i, r) for i, r in enumerate(results) if r.status.failed and r.score is None]
        if failed and self.on_failure == "raise":
            i, r = failed[0]
            raise MissingReward(
                f"{self.__name__}: {len(failed)} of {len(results)} completions failed; sample {i}: {r.error}"
            )
        if failed:
            i, r = failed[0]
            message = (
                f"{self.__name__}: {len(failed)} of {len(results)} completions could not be scored "
                f"(TRL ignores their reward); sample {i}: {r.status.value}: {r.error}"
            )
            log.warning("%s", message)
            warnings.warn(message, RuntimeWarning, stacklevel=3)
        if self.log_components:
            self._log(results, kwargs.get("log_metric"), kwargs.get("log_extra"))
        return [r.score for r in results]

    def _log(self, results: list[RewardResult], log_metric: Any, log_extra: Any) -> None:
        n = len(results)
        if not n:
            return
        names: list[str] = []
        for r in results:
            names.extend(k for k in r.components if k not in names)
        if callable(log_metric):
            for status in Status:
                count = sum(r.status is status for r in results)
                if count or status in (Status.ERROR, Status.TIMEOUT):
                    log_metric(f"{self.__name__}/{status.value}", count / n)
            for name in names:
                values = [r.components.get(name) for r in results]
                present = [v for v in values if v is not None]
                if present:
                    log_metric(f"{self.__name__}/{name}", sum(present) / len(present))
        if callable(log_extra):
            log_extra(f"{self.__name__}/status", [r.status.value for r in results])
            for name in names:
                log_extra(f"{self.__name__}/{name}", [r.components.get(name) for r in results])

    def __repr__(self) -> str:
        return f"TRLReward({self.__name__!r}, {self.source.describe()})"


class AsyncTRLReward(TRLReward):
    """The same, as an ``async`` reward function: TRL awaits it concurrently with its other async
    rewards, so a remote reward overlaps with the rest of the step."""

    async def __call__(  # type: ignore[override]
        self, prompts: Sequence[Any], completions: Sequence[Any], completion_ids: Any = None, **kwargs: Any
    ) -> list[float | None]:
        if not self._checked:
            import asyncio

            await asyncio.to_thread(self._check)
        samples = self.samples(prompts, completions, **kwargs)
        step = self._step(kwargs)
        results = await self.source.ascore(samples, step=step, group_key=self.group_key)
        return self._finish(samples, results, step, kwargs)
