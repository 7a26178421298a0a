"""The checks every registered reward goes through, as gymnasium's environment checker does for
environments: each returns the problems it found, worded as what is missing and where to add it.

A reward class declares ``example: ClassVar[Example]`` (:mod:`rewardlab.core.example`): one
sample, the parameters that build the reward for it and the score it gives. From it the checks
build the reward, score the sample, rebuild the reward from ``to_spec()``, pickle it, and
compare batch results with single results. The docstring (with a ``>>>`` example), a
description for every parameter and a stress probe set (or a stated reason for none, in
``rewardlab.evaluate.stress.catalog``) are checked from the class alone.
"""

from __future__ import annotations

import importlib
import inspect
import math
import pickle
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import rewardlab
from rewardlab.core.catalog import describe
from rewardlab.core.example import Example
from rewardlab.core.registry import get_reward_class, registered_classes
from rewardlab.core.result import RewardResult
from rewardlab.core.reward import Reward
from rewardlab.core.sample import Sample
from rewardlab.core.spec import build_reward
from rewardlab.evaluate.stress.catalog import BUILDERS, build_probe_set, why_not_probed
from rewardlab.evaluate.stress.probe import Unprobeable

CATALOG = "rewardlab/evaluate/stress/catalog/__init__.py"
# Modules a plain import cannot load here (optional stacks that start services on import).
NOT_WALKED = ("rewardlab.__main__",)


# ---- which classes ---------------------------------------------------------------------------
def rewardlab_rewards() -> list[type[Reward]]:
    """The registered reward classes that rewardlab itself defines (not the test suite's)."""
    return [c for c in registered_classes() if c.__module__.split(".")[0] == "rewardlab"]


def import_every_module() -> list[str]:
    """Import every module of the package (so that every Reward subclass exists); the failures."""
    failed = []
    for info in pkgutil.walk_packages(rewardlab.__path__, "rewardlab."):
        if info.name.startswith(NOT_WALKED):
            continue
        try:
            importlib.import_module(info.name)
        except Exception as exc:  # an optional dependency missing: its module is not walked
            failed.append(f"{info.name}: {type(exc).__name__}: {exc}")
    return failed


def subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


def unregistered(classes: list[type[Reward]]) -> list[str]:
    """Reward classes that are neither registered nor a base of registered ones nor private (``_Name``)."""
    problems = []
    registered = set(registered_classes())
    for cls in classes:
        if cls in registered or cls.__name__.startswith("_"):
            continue
        if any(sub in registered for sub in subclasses(cls)):
            continue  # a base class (Wrapper, Combinator, ...)
        why = cls.__dict__.get("not_registered", "")
        if isinstance(why, str) and why.strip():
            continue
        problems.append(
            f"{cls.__module__}.{cls.__qualname__}: a Reward that is not registered -- decorate it with "
            "@register('name', family=...), name it _Private if it is a helper, or give the class a "
            "`not_registered: ClassVar[str]` saying why it cannot be a spec node"
        )
    return problems


# ---- the checks of one class -------------------------------------------------------------------
def check_declarations(cls: type[Reward]) -> list[str]:
    """What the class says of itself: registration, docstring with an example, parameter
    descriptions, an example sample, a probe set or a reason for none."""
    where = f"{cls.__module__}.{cls.__qualname__}"
    problems = []
    name = cls.type_name
    try:
        registered_as = get_reward_class(name) if name else None
    except Exception:
        registered_as = None
    if registered_as is not cls:
        problems.append(f"{where}: not registered under its type name {name!r} (use @register)")
    doc = inspect.cleandoc(cls.__dict__.get("__doc__") or "")  # its own, not a base class's
    if not doc.strip():
        problems.append(f"{where}: no docstring (say what it pays, with a `>>>` example)")
    elif ">>>" not in doc:
        problems.append(f"{where}: the docstring has no `>>>` example")
    info = describe(cls)
    if info.family in ("", "other"):
        problems.append(f"{where}: no family (@register(..., family='verifier' | 'model' | ...))")
    missing = [p.name for p in info.params if not p.description.strip()]
    if missing:
        problems.append(f"{where}: parameters without a description: {', '.join(missing)} (Field(description=...))")
    example = cls.__dict__.get("example")
    if not isinstance(example, Example):
        problems.append(
            f"{where}: no example sample -- declare `example: ClassVar[Example] = Example(sample=..., params=..., "
            "score=...)` on the class (rewardlab.core.example)"
        )
    else:
        problems.extend(_check_example_fields(where, cls, example))
    if name not in BUILDERS and not why_not_probed(name, info.family):
        problems.append(
            f"{where}: no stress probe set for {name!r} -- add a builder to BUILDERS in {CATALOG}, or the reason "
            "it has none to NOT_PROBED there"
        )
    return problems


def _check_example_fields(where: str, cls: type[Reward], example: Example) -> list[str]:
    problems = []
    try:
        Sample.model_validate(example.sample)
    except Exception as exc:
        problems.append(f"{where}: the example sample is not a valid sample: {exc}")
    if not example.build and not example.skip.strip():
        problems.append(f"{where}: the example cannot be built (build=False) but gives no reason (skip=...)")
    if cls.batch_dependent and not example.batch and not example.skip:
        problems.append(f"{where}: a batch statistic's example needs the rest of its batch (Example.batch)")
    return problems


def check_behaviour(cls: type[Reward], scratch: Path) -> list[str]:
    """Build the example's reward, score it, rebuild it from its spec, pickle it, and compare batch
    results with single results (the costly parts only where the example allows them)."""
    where = f"{cls.__module__}.{cls.__qualname__}"
    example = cls.__dict__.get("example")
    if not isinstance(example, Example) or not example.build:
        return []
    extra = example.setup(scratch) if example.setup is not None else {}
    node = example.node(cls.type_name, extra)
    try:
        reward = build_reward(dict(node))
    except Exception as exc:
        return [f"{where}: the example does not build from {node}: {type(exc).__name__}: {exc}"]
    problems = _check_spec_and_pickle(where, reward)
    if isinstance(problems, str):
        return [problems]
    rebuilt, clone = problems
    if example.skip:
        return []
    out = []
    first = _score(reward, example)
    if first.status.value != "ok":
        out.append(f"{where}: the example sample is not scored ok: {first.status.value} ({first.error or first.info})")
    elif example.score is not None and not math.isclose(first.score or 0.0, example.score, abs_tol=1e-9):
        out.append(f"{where}: the example scores {first.score}, the class declares {example.score}")
    for label, other in (("rebuilt from its spec", rebuilt), ("unpickled", clone)):
        again = _score(other, example)
        if again.status != first.status or not _same(again.score, first.score):
            out.append(f"{where}: {label}, it scores {again.score} ({again.status.value}), not {first.score}")
    if not cls.batch_dependent and not example.stateful:
        out.extend(_check_batch(where, cls, example, node))
    return out


def _check_spec_and_pickle(where: str, reward: Reward) -> tuple[Reward, Reward] | str:
    spec = reward.to_spec()
    try:
        rebuilt = build_reward(spec)
    except Exception as exc:
        return f"{where}: to_spec() does not build again: {type(exc).__name__}: {exc} ({spec})"
    if rebuilt.to_spec() != spec:
        return f"{where}: to_spec() -> build -> to_spec() changes the spec: {spec} != {rebuilt.to_spec()}"
    minimal = reward.to_spec(minimal=True)
    if build_reward(minimal).to_spec() != spec:
        return f"{where}: to_spec(minimal=True) does not rebuild the same reward ({minimal})"
    try:
        clone = pickle.loads(pickle.dumps(reward))
    except Exception as exc:
        return f"{where}: does not pickle: {type(exc).__name__}: {exc}"
    if clone.to_spec() != spec:
        return f"{where}: unpickled, its spec differs: {clone.to_spec()} != {spec}"
    return rebuilt, clone


def _same(a: float | None, b: float | None) -> bool:
    """Equal scores (a model's batched matrix products may differ in the last bits)."""
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)


def _score(reward: Reward, example: Example) -> RewardResult:
    return reward.score_batch([example.sample, *example.batch])[0]


def _variants(example: Example) -> list[dict[str, Any]]:
    """The example sample, a copy with an empty completion and a copy without the completion."""
    sample = dict(example.sample)
    empty = {**sample, "completion": "" if isinstance(sample.get("completion"), str) else []}
    bare = {k: v for k, v in sample.items() if k != "completion"}
    return [sample, empty, bare]


def _check_batch(where: str, cls: type[Reward], example: Example, node: dict[str, Any]) -> list[str]:
    """Each sample of a mixed batch gets what it gets alone (fresh rewards, so no state is shared)."""
    samples = _variants(example)
    batch = [samples[0], samples[1], samples[2], samples[0]]
    together = build_reward(dict(node)).score_batch(batch)
    out = []
    for i, sample in enumerate(batch):
        alone = build_reward(dict(node)).score(sample)
        mine = together[i]
        if (mine.status, mine.error) != (alone.status, alone.error) or not _same(mine.score, alone.score):
            out.append(
                f"{where}: sample {i} of a batch gets {mine.score} ({mine.status.value}, {mine.error}) but "
                f"{alone.score} ({alone.status.value}, {alone.error}) alone -- if its scores depend on the batch, "
                "set batch_dependent = True on the class; if on what it scored before, Example(stateful=...)"
            )
    return out


def check_probe_set(cls: type[Reward], scratch: Path) -> list[str]:
    """A reward type with a probe builder gets a probe set for its example's configuration."""
    example = cls.__dict__.get("example")
    if cls.type_name not in BUILDERS or not isinstance(example, Example) or not example.build:
        return []
    extra = example.setup(scratch) if example.setup is not None else {}
    reward = build_reward(example.node(cls.type_name, extra))
    try:
        probes = build_probe_set(cls.type_name, reward)
    except Unprobeable as exc:
        return [f"{cls.__qualname__}: the probe builder refuses the example's configuration: {exc}"]
    try:
        return [] if probes.probes else [f"{cls.__qualname__}: the probe set of its example is empty"]
    finally:
        if probes.cleanup is not None:
            probes.cleanup()


def check_reward_class(cls: type[Reward], scratch: Path) -> list[str]:
    """Every check of one class; the behaviour checks only when the declarations hold."""
    problems = check_declarations(cls)
    if problems:
        return problems
    return check_behaviour(cls, scratch) + check_probe_set(cls, scratch)
