"""Every registered reward goes through the same checks (issue 14, point 9), as gymnasium's
environment checker does for environments: a docstring with an example, a description for every
parameter, an example sample that builds, scores, rebuilds from ``to_spec()`` and pickles,
batch results equal to single results (unless the reward is a batch statistic or keeps state,
which it declares), and a stress probe set or a stated reason for none. A reward class added
without its registration, docs or probe fails here with a message that says what is missing;
the throwaway rewards below show that it does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import Field

from rewardlab.core.example import Example
from rewardlab.core.registry import register, unregister
from rewardlab.core.reward import Reward

from .reward_checker import (
    check_declarations,
    check_reward_class,
    import_every_module,
    rewardlab_rewards,
    subclasses,
    unregistered,
)

# Every module of the package is imported first, so a reward registered in a module that
# `import rewardlab` does not load is checked too.
IMPORT_FAILURES = import_every_module()
REWARDS = {cls.type_name: cls for cls in rewardlab_rewards()}


@pytest.mark.parametrize("name", sorted(REWARDS))
def test_every_registered_reward_passes_the_checks(name: str, tmp_path: Path) -> None:
    problems = check_reward_class(REWARDS[name], tmp_path)
    assert not problems, "\n".join(problems)


def test_every_reward_class_of_the_package_is_registered() -> None:
    assert IMPORT_FAILURES == [], "\n".join(IMPORT_FAILURES)
    classes = [c for c in subclasses(Reward) if c.__module__.split(".")[0] == "rewardlab"]
    assert len(classes) > len(REWARDS) - 1
    problems = unregistered(classes)
    assert not problems, "\n".join(problems)


# ---- the checks catch what is missing: throwaway rewards ------------------------------------------
class Bare(Reward):
    field: str = "value"

    def _score_one(self, sample: Any, ctx: Any) -> Any:
        return float(len(sample.completion_text))


class Documented(Reward):
    """The completion's length.

    >>> Documented().score({"completion": "abc"}).score
    3.0
    """

    family: ClassVar[str] = "verifier"
    example: ClassVar[Example] = Example(sample={"completion": "abc"}, score=3.0)

    unit: str = Field(default="chars", description="What is counted.")

    def _score_one(self, sample: Any, ctx: Any) -> Any:
        return float(len(sample.completion_text))


def test_a_bare_reward_is_told_everything_it_lacks() -> None:
    register("t_checker_bare", family="verifier")(Bare)
    try:
        problems = "\n".join(check_declarations(Bare))
    finally:
        unregister("t_checker_bare")
    assert "the docstring" not in problems and "no docstring" in problems
    assert "parameters without a description: field" in problems
    assert "no example sample -- declare `example: ClassVar[Example]" in problems
    assert "no stress probe set for 't_checker_bare'" in problems and "NOT_PROBED" in problems


def test_a_reward_added_to_the_package_without_its_declarations_fails_the_walk(tmp_path: Path) -> None:
    """As if a module of rewardlab registered a bare reward: the walk finds it and says what to add."""
    newcomer = type("Newcomer", (Bare,), {"__module__": "rewardlab.verifiers.newcomer"})
    register("t_checker_newcomer", family="verifier")(newcomer)
    try:
        assert newcomer in rewardlab_rewards()
        problems = check_reward_class(newcomer, tmp_path)
        unregister("t_checker_newcomer")
        unnamed = unregistered([newcomer])
    finally:
        unregister("t_checker_newcomer")
        newcomer.__module__ = __name__  # the class outlives the test: no longer the package's
    where = "rewardlab.verifiers.newcomer.Newcomer"
    assert problems == [
        f"{where}: no docstring (say what it pays, with a `>>>` example)",
        f"{where}: parameters without a description: field (Field(description=...))",
        f"{where}: no example sample -- declare `example: ClassVar[Example] = Example(sample=..., params=..., "
        "score=...)` on the class (rewardlab.core.example)",
        f"{where}: no stress probe set for 't_checker_newcomer' -- add a builder to BUILDERS in "
        "rewardlab/evaluate/stress/catalog/__init__.py, or the reason it has none to NOT_PROBED there",
    ]
    assert unnamed == [
        f"{where}: a Reward that is not registered -- decorate it with @register('name', family=...), name it "
        "_Private if it is a helper, or give the class a `not_registered: ClassVar[str]` saying why it cannot be "
        "a spec node"
    ]


def test_an_unregistered_reward_is_named() -> None:
    problems = unregistered([Documented])
    assert len(problems) == 1 and "Documented: a Reward that is not registered" in problems[0]
    assert "not registered under its type name" in "\n".join(check_declarations(Documented))
    assert unregistered([Wrapped := type("_Helper", (Documented,), {})]) == [] and Wrapped.__name__ == "_Helper"


def test_a_documented_reward_needs_only_its_probe_reason(tmp_path: Path) -> None:
    register("t_checker_documented", family="verifier")(Documented)
    try:
        problems = check_reward_class(Documented, tmp_path)
    finally:
        unregister("t_checker_documented")
    assert len(problems) == 1 and "no stress probe set for 't_checker_documented'" in problems[0]


class Wrong(Documented):
    """Declares a score its example does not get, and shares a counter between calls.

    >>> Wrong().score({"completion": "abc"}).status.value
    'ok'
    """

    example: ClassVar[Example] = Example(sample={"completion": "abc"}, score=2.0)
    calls: ClassVar[list[int]] = []

    def _score_batch(self, samples: list[Any], ctx: Any) -> Any:
        Wrong.calls.append(len(samples))
        return [float(len(samples)) for _ in samples]


def test_behaviour_problems_are_named(tmp_path: Path) -> None:
    from rewardlab.evaluate.stress.catalog import NOT_PROBED

    register("t_checker_wrong", family="verifier")(Wrong)
    NOT_PROBED["t_checker_wrong"] = "a test reward"
    try:
        problems = "\n".join(check_reward_class(Wrong, tmp_path))
    finally:
        unregister("t_checker_wrong")
        del NOT_PROBED["t_checker_wrong"]
    assert "the example scores 1.0, the class declares 2.0" in problems
    assert "sample 0 of a batch gets 4.0" in problems and "batch_dependent = True" in problems
