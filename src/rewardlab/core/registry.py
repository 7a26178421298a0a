"""Where rewards are found by name: name -> class.

Rewards register under a short name with :func:`register`; specs and ``-r NAME`` look them up
here. Names with a scheme (``rm:DIR``) go to a resolver registered with
:func:`register_resolver`. Built-in rewards are imported on the first lookup, and third-party
packages can add theirs through the ``rewardlab.rewards`` entry-point group. What ``rewardlab
list`` shows of each class is :mod:`rewardlab.core.catalog`.

>>> from rewardlab.core.registry import get_reward_class
>>> get_reward_class("exact_match").type_name
'exact_match'
>>> get_reward_class("exact_mtch")
Traceback (most recent call last):
...
rewardlab.core.errors.UnknownRewardError: unknown reward 'exact_mtch' (did you mean 'exact_match'?); ...
"""

from __future__ import annotations

import difflib
import importlib
import threading
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any, TypeVar

from .errors import UnknownRewardError
from .reward import Reward

__all__ = [
    "aliases_of",
    "get_reward_class",
    "register",
    "register_resolver",
    "registered_classes",
    "registered_names",
    "resolve_scheme",
    "resolver_schemes",
    "unregister",
]

R = TypeVar("R", bound=type[Reward])

_REGISTRY: dict[str, type[Reward]] = {}
_ALIASES: dict[str, str] = {}
_RESOLVERS: dict[str, tuple[Callable[[str], dict[str, Any]], str]] = {}
_LOCK = threading.RLock()
_loaded = False

# Packages whose import registers the built-in rewards. They must stay light to import:
# heavy libraries (torch, transformers, math-verify) are imported inside the rewards' methods.
BUILTIN_MODULES: tuple[str, ...] = (
    "rewardlab.compose",
    "rewardlab.verifiers",
    "rewardlab.models",
    "rewardlab.integrations.gymnasium.rewards",
)
ENTRY_POINT_GROUP = "rewardlab.rewards"


def register(name: str, *, aliases: tuple[str, ...] = (), family: str | None = None) -> Callable[[R], R]:
    """Class decorator: register a reward under ``name`` (and optional aliases).

    >>> from rewardlab.core.reward import Reward
    >>> @register("always_one_doc", family="example")
    ... class AlwaysOne(Reward):
    ...     '''Pays 1.0 for anything.'''
    ...     def _score_one(self, sample, ctx):
    ...         return 1.0
    >>> get_reward_class("always_one_doc") is AlwaysOne
    True
    >>> unregister("always_one_doc")
    """

    def decorate(cls: R) -> R:
        if not (isinstance(cls, type) and issubclass(cls, Reward)):
            raise TypeError(f"@register('{name}') needs a Reward subclass, got {cls!r}")
        with _LOCK:
            existing = _REGISTRY.get(name)
            if existing is not None and existing.__qualname__ != cls.__qualname__:
                raise ValueError(
                    f"reward name '{name}' is already registered by {existing.__module__}.{existing.__qualname__}"
                )
            cls.type_name = name
            if family is not None:
                cls.family = family
            _REGISTRY[name] = cls
            for alias in aliases:
                _ALIASES[alias] = name
        return cls

    return decorate


def unregister(name: str) -> None:
    """Remove a registered reward (and its aliases); for tests and notebooks."""
    with _LOCK:
        _REGISTRY.pop(name, None)
        for alias in [a for a, target in _ALIASES.items() if target == name]:
            del _ALIASES[alias]


def register_resolver(scheme: str, factory: Callable[[str], dict[str, Any]], description: str = "") -> None:
    """Register a factory for references of the form ``SCHEME:ARGUMENT`` (e.g. ``rm:DIR``).

    The factory turns the argument into a spec node, e.g. ``"DIR"`` ->
    ``{"type": "reward_model", "path": "DIR"}``; other keys of the node in the spec are merged in.
    """
    with _LOCK:
        _RESOLVERS[scheme] = (factory, description)


def _ensure_loaded() -> None:
    global _loaded
    if _loaded:
        return
    with _LOCK:
        if _loaded:
            return
        for module in BUILTIN_MODULES:
            importlib.import_module(module)
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                ep.load()
            except Exception as exc:  # a broken plugin must not break the built-ins
                import warnings

                warnings.warn(f"rewardlab plugin '{ep.name}' failed to load: {exc}", stacklevel=2)
        _loaded = True


def registered_names() -> list[str]:
    _ensure_loaded()
    return sorted(_REGISTRY)


def get_reward_class(name: str) -> type[Reward]:
    """The reward class registered under ``name`` (or an alias of it)."""
    _ensure_loaded()
    key = _ALIASES.get(name, name)
    try:
        return _REGISTRY[key]
    except KeyError:
        close = difflib.get_close_matches(name, list(_REGISTRY) + list(_ALIASES), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise UnknownRewardError(
            f"unknown reward '{name}'{hint}",
            expected="a registered reward name (see `rewardlab list`)",
            allowed=sorted(_REGISTRY),
        ) from None


def resolve_scheme(reference: str) -> dict[str, Any] | None:
    """The spec node for ``SCHEME:ARGUMENT`` when the scheme is registered, else ``None``."""
    _ensure_loaded()
    scheme, sep, argument = reference.partition(":")
    if not sep or scheme not in _RESOLVERS:
        return None
    factory, _ = _RESOLVERS[scheme]
    return factory(argument)


def resolver_schemes() -> dict[str, str]:
    _ensure_loaded()
    return {k: d for k, (_, d) in sorted(_RESOLVERS.items())}


def registered_classes() -> list[type[Reward]]:
    """Every registered reward class, in registration order."""
    _ensure_loaded()
    return list(_REGISTRY.values())


def aliases_of(name: str) -> list[str]:
    """The aliases registered for the reward ``name``, sorted."""
    return sorted(a for a, target in _ALIASES.items() if target == name)
