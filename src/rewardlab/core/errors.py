"""Exceptions of rewardlab. Every message says what was wrong, where, and what was expected.

>>> e = SpecError("unknown reward 'mth'", file="spec.yaml", path="reward.children[0].type",
...               expected="a registered reward name", allowed=["math", "format"])
>>> print(e)
spec.yaml: reward.children[0].type: unknown reward 'mth'; expected a registered reward name; allowed: format, math
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = [
    "InputError",
    "NotApplicable",
    "ParameterError",
    "RewardFailed",
    "RewardTimeout",
    "RewardlabError",
    "SpecError",
    "UnknownRewardError",
]


class RewardlabError(Exception):
    """Base class of rewardlab's own errors."""


class SpecError(RewardlabError):
    """A spec (YAML file or dict) does not validate.

    Carries the file, the path to the offending field (``reward.children[1].weight``), what was
    expected, and the allowed names when the field is a choice.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        path: str | None = None,
        expected: str | None = None,
        allowed: Iterable[str] | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.path = path
        self.expected = expected
        self.allowed = sorted(set(allowed)) if allowed is not None else None
        super().__init__(self._render())

    def _render(self) -> str:
        where = ": ".join(p for p in (self.file, self.path) if p)
        text = f"{where}: {self.message}" if where else self.message
        if self.expected:
            text += f"; expected {self.expected}"
        if self.allowed:
            text += f"; allowed: {', '.join(self.allowed)}"
        return text

    def with_context(self, *, file: str | None = None, prefix: str | None = None) -> SpecError:
        """The same error located in ``file`` and under the path ``prefix``."""
        path = self.path
        if prefix:
            path = f"{prefix}.{path}" if path and not path.startswith("[") else f"{prefix}{path or ''}"
        return type(self)(
            self.message,
            file=file or self.file,
            path=path,
            expected=self.expected,
            allowed=self.allowed,
        )


class UnknownRewardError(SpecError):
    """A reward name is not registered."""


class ParameterError(SpecError):
    """A reward parameter is missing, unknown, or of the wrong type."""


class InputError(RewardlabError):
    """Input data (a JSONL line, a sample field) is malformed."""

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None) -> None:
        self.source = source
        self.line = line
        where = source or ""
        if line is not None:
            where = f"{where}:{line}" if where else f"line {line}"
        super().__init__(f"{where}: {message}" if where else message)


class NotApplicable(RewardlabError):
    """Raised inside a reward to say it does not apply to a sample (e.g. no reference answer)."""


class RewardTimeout(BaseException):
    """A reward ran past its time limit.

    Derives from ``BaseException`` on purpose (as Math-Verify's timeout does): a reward's own
    ``except Exception`` cannot swallow it and turn a hang into a silent score.
    """


class RewardFailed(RewardlabError):
    """Raised by a reward whose error policy is ``raise``.

    ``results`` holds every sample's result (the failed ones with status ``error``/``timeout``),
    so the caller loses nothing; ``index`` is the first failing sample.
    """

    def __init__(self, message: str, *, index: int, results: list[Any], reward: str | None = None) -> None:
        self.index = index
        self.results = results
        self.reward = reward
        prefix = f"reward '{reward}' failed" if reward else "reward failed"
        super().__init__(f"{prefix} on sample {index}: {message}")
