"""A reward in three lines: a plain Python function, named by its import path.

::

    # mypkg/rewards.py
    def exact(completion: str, answer: str, **kw) -> float | None:
        return float(completion.strip() == answer)

    reward = rl.function_reward(exact)  # in a spec: {type: python, function: "mypkg.rewards:exact"}

The function gets, by name, what its signature asks for (as ``verifiers``' reward functions do):
``completion`` (the completion as text: the last assistant turn of a conversation), ``prompt``
(as it came: text or chat messages), ``sample`` (the whole :class:`~rewardlab.core.sample.Sample`),
any other field of the sample by its name (``answer``, ``tests``, ``metadata`` ...) and the
spec's ``kwargs`` (which win over sample fields of the same name); a ``**kw`` parameter receives
all of them. A required parameter whose field the sample lacks makes that sample
``not_applicable``.

It returns a number (a bool counts), ``None`` (``not_applicable``), a
:class:`~rewardlab.core.result.RewardResult`, or a mapping with a ``score`` and sub-scores (the
components ``<label>.<key>``). An exception fails that sample alone, with status ``error`` and
the exception's message. The label (``components``, logs) is the function's name unless the
spec names the reward.

``batch: true`` calls the function once per batch with TRL's reward-function convention: lists
``prompts`` and ``completions``, every other field as a list by its name (``None`` where a
sample lacks it), ``samples``, and the spec's ``kwargs`` as they are; it returns one value per
sample (a list).
"""

from __future__ import annotations

import importlib
import inspect
import keyword
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from pydantic import Field, PrivateAttr, field_validator

from .context import ScoreContext
from .errors import NotApplicable
from .example import Example
from .registry import register
from .result import RewardResult
from .reward import Outcome, Reward
from .sample import Sample

__all__ = ["PythonReward", "exact_answer", "function_reward", "import_function"]

_BATCH_FIELDS = {"completions": "completion", "prompts": "prompt"}
_NOT_FIELDS = ("sample", "samples")


def import_function(path: str) -> Callable[..., Any]:
    """The function named ``"package.module:function"`` (a dotted attribute path after the colon).

    >>> import_function("rewardlab.core.function:exact_answer")(" 4 ", "4")
    1.0
    >>> import_function("rewardlab.core.function.exact_answer")
    Traceback (most recent call last):
    ...
    ValueError: function 'rewardlab.core.function.exact_answer': expected 'package.module:function' (...)
    """
    module_name, attr_path = _split(path)
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # not found, or the module failed while importing
        hint = ""
        if isinstance(exc, ModuleNotFoundError) and exc.name == module_name.split(".")[0]:
            hint = (
                " -- is its folder on the path? The `rewardlab` command does not look in the current folder: "
                "install the package, set PYTHONPATH, or run `python -m rewardlab`"
            )
        raise ValueError(
            f"function '{path}': cannot import module '{module_name}' ({type(exc).__name__}: {exc}){hint}"
        ) from exc
    obj: Any = module
    for part in attr_path.split("."):
        if not hasattr(obj, part):
            raise ValueError(f"function '{path}': module '{module_name}' has no attribute '{attr_path}'")
        obj = getattr(obj, part)
    if isinstance(obj, Reward):
        raise ValueError(f"function '{path}' is a reward, not a function: name the function it was made from")
    if not callable(obj):
        raise ValueError(f"function '{path}' is a {type(obj).__name__}, not a function")
    return obj  # type: ignore[no-any-return]


def _split(path: str) -> tuple[str, str]:
    module_name, sep, attr_path = path.partition(":")
    if not sep or not _dotted(module_name) or not _dotted(attr_path):
        raise ValueError(
            f"function '{path}': expected 'package.module:function' (a module path, a colon, a function name)"
        )
    return module_name, attr_path


def _dotted(text: str) -> bool:
    return bool(text) and all(p.isidentifier() and not keyword.iskeyword(p) for p in text.split("."))


def _check_signature(path: str, fn: Callable[..., Any]) -> inspect.Signature:
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"function '{path}': cannot read its signature ({exc})") from exc
    if inspect.iscoroutinefunction(fn):
        raise ValueError(f"function '{path}' is async: a python reward calls plain functions")
    for p in signature.parameters.values():
        if p.kind is p.POSITIONAL_ONLY:
            raise ValueError(
                f"function '{path}': parameter '{p.name}' is positional-only, but arguments are passed by name"
            )
    return signature


@register("python", family="function")
class PythonReward(Reward):
    """A reward from a plain Python function, named by import path: ``{type: python, function: "pkg.module:func"}``.

    The function takes what it names (``completion``, ``prompt``, ``sample``, any sample field,
    the spec's ``kwargs``) and returns a score, ``None`` (does not apply), a result or a mapping
    with sub-scores; see :mod:`rewardlab.core.function`. The reward pickles as the path (a worker
    process imports the function again); :func:`function_reward` makes one from a function.

    >>> r = PythonReward(function="rewardlab.core.function:exact_answer")
    >>> r.score({"completion": " 4 ", "answer": "4"}).components
    {'exact_answer': 1.0}
    >>> r.score({"completion": "4"}).status.value  # no answer: the function does not apply
    'not_applicable'
    """

    family: ClassVar[str] = "function"
    reads: ClassVar[tuple[str, ...]] = ("completion",)
    example: ClassVar[Example] = Example(
        sample={"completion": "4", "answer": "4"},
        params={"function": "rewardlab.core.function:exact_answer"},
        score=1.0,
    )

    function: str = Field(description="Import path of a module-level function: 'package.module:function'.")
    batch: bool = Field(
        default=False,
        description="Call the function once per batch with lists (TRL's convention: prompts, completions, fields).",
    )
    kwargs: dict[str, Any] = Field(default_factory=dict, description="Keyword arguments passed on every call.")

    _fn: Callable[..., Any] | None = PrivateAttr(default=None)
    _signature: inspect.Signature | None = PrivateAttr(default=None)

    @field_validator("function")
    @classmethod
    def _importable(cls, value: str) -> str:
        _check_signature(value, import_function(value))  # a bad path or signature is a spec error
        return value

    @classmethod
    def _transient_private_attrs(cls) -> tuple[str, ...]:
        return ("_fn", "_signature")

    @property
    def label(self) -> str:
        return self.name or self.function.rpartition(":")[2].rpartition(".")[2]

    def _callable(self) -> tuple[Callable[..., Any], inspect.Signature]:
        if self._fn is None or self._signature is None:
            fn = import_function(self.function)
            self._signature = _check_signature(self.function, fn)
            self._fn = fn
        return self._fn, self._signature

    def sample_fields(self) -> tuple[str, ...]:
        """The sample fields the function names (in batch mode ``completions``/``prompts`` read the
        completion and the prompt); what a ``**kw`` parameter reads cannot be known."""
        out: list[str] = []
        for p in self._callable()[1].parameters.values():
            if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL) or p.name in self.kwargs or p.name in _NOT_FIELDS:
                continue
            name = _BATCH_FIELDS.get(p.name, p.name) if self.batch else p.name
            if name not in out:
                out.append(name)
        return tuple(out)

    # ---- scoring -------------------------------------------------------------------------------
    def _score_one(self, sample: Sample, ctx: ScoreContext) -> Outcome:
        fn, signature = self._callable()
        available: dict[str, Any] = {"completion": sample.completion_text, "prompt": sample.prompt, "sample": sample}
        if sample.id is not None:
            available["id"] = sample.id
        available.update({k: v for k, v in sample.extra.items() if k not in available})
        available.update(self.kwargs)
        return self._outcome(fn(**_arguments(signature, available, batch=False)))

    def _score_batch(self, samples: list[Sample], ctx: ScoreContext) -> Sequence[Outcome]:
        if not self.batch:
            return super()._score_batch(samples, ctx)
        fn, signature = self._callable()
        columns: dict[str, Any] = {
            "completions": [s.completion_text for s in samples],
            "prompts": [s.prompt for s in samples],
            "samples": list(samples),
            "ids": [s.id for s in samples],
        }
        for name in dict.fromkeys(k for s in samples for k in s.extra):
            columns.setdefault(name, [s.get(name) for s in samples])
        columns.update(self.kwargs)
        values = fn(**_arguments(signature, columns, batch=True))
        if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Sequence):
            raise TypeError(f"a batch function returns a list (one value per sample), got {type(values).__name__}")
        return [self._outcome(v) for v in values]

    def _outcome(self, value: Any) -> Outcome:
        if isinstance(value, Mapping):
            return self._from_mapping(value)
        if isinstance(value, bool):
            return float(value)
        return value  # type: ignore[no-any-return]

    def _from_mapping(self, value: Mapping[str, Any]) -> Outcome:
        """``{"score": s, "<key>": v, ...}``: the score and the components ``<label>.<key>``."""
        if "score" not in value:
            return TypeError(f"a mapping returned by a reward function needs a 'score' key, got keys {sorted(value)}")
        label = self.label
        components: dict[str, float | None] = {}
        for key, sub in value.items():
            if key == "score":
                continue
            if sub is not None and not _is_number(sub):
                return TypeError(f"component '{key}' is a {type(sub).__name__}, expected a number or None")
            components[f"{label}.{key}"] = None if sub is None else float(sub)
        score = value["score"]
        if score is None:
            return RewardResult.not_applicable("the function returned no score", components={label: None, **components})
        if not _is_number(score) or not math.isfinite(score):
            return TypeError(f"'score' is {score!r}, expected a finite number or None")
        return RewardResult.ok(float(score), components={label: float(score), **components})


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _arguments(signature: inspect.Signature, available: dict[str, Any], *, batch: bool) -> dict[str, Any]:
    """The keyword arguments ``signature`` asks for; a required one the sample lacks: not applicable."""
    params = signature.parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        chosen = dict(available)
    else:
        chosen = {k: v for k, v in available.items() if k in params}
    for p in params.values():
        if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL) or p.default is not p.empty:
            continue
        if p.name not in chosen or (not batch and chosen[p.name] is None):
            raise NotApplicable(f"the sample has no '{p.name}' (a required parameter of the function)")
    return chosen


def function_reward(
    fn: Callable[..., Any], *, name: str | None = None, batch: bool = False, **kwargs: Any
) -> PythonReward:
    """A reward from ``fn``, a function defined at the top of a module (the reward pickles as its
    import path, ``module:function``, which a spec can name too).

    ``batch=True``: ``fn`` takes lists (TRL's convention, see :mod:`rewardlab.core.function`).
    Other keyword arguments are passed to ``fn`` on every call.

    >>> function_reward(exact_answer, name="right").score({"completion": "5", "answer": "4"}).components
    {'right': 0.0}
    >>> function_reward(lambda completion: 1.0)
    Traceback (most recent call last):
    ...
    ValueError: function_reward needs a function defined at the top of a module (...), got <lambda> in ...
    """
    module = getattr(fn, "__module__", None)
    qualname = getattr(fn, "__qualname__", None)
    if not module or not qualname or "<" in qualname:
        raise ValueError(
            "function_reward needs a function defined at the top of a module (the reward pickles as its "
            f"import path), got {qualname or repr(fn)} in {module}"
        )
    path = f"{module}:{qualname}"
    if import_function(path) is not fn:
        raise ValueError(f"function_reward: '{path}' names another object than this function (redefined or wrapped)")
    params: dict[str, Any] = {"function": path}
    if name is not None:
        params["name"] = name
    if batch:
        params["batch"] = True
    if kwargs:
        params["kwargs"] = kwargs
    return PythonReward(**params)


def exact_answer(completion: str, answer: Any) -> float:
    """1.0 when the completion, stripped of surrounding space, is the answer; else 0.0.

    >>> exact_answer(" 4 ", "4"), exact_answer("four", "4")
    (1.0, 0.0)
    """
    return float(completion.strip() == str(answer))
