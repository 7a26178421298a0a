r"""The symbolic path: math-verify (sympy) as a backend, run only inside the execution pool.

sympy can run for minutes on a short input (``9^{9^{9^{9}}}``) and math-verify's own timeout
uses ``signal.alarm``, which only works on the main thread of the main interpreter: called from
a worker thread, a web server or Ray, math-verify raises or silently returns ``False``. So:

- :func:`symbolic_check` is a plain module-level function (picklable) that the ``math`` reward
  sends to :func:`rewardlab.execution.default_pool`, whose worker processes enforce a hard
  timeout (the worker is killed and replaced);
- it calls ``math_verify.parse(..., parsing_timeout=None)`` and
  ``math_verify.verify(..., timeout_seconds=None)``: no signals anywhere;
- it never runs in the calling thread (the reward has no code path that does).

Its result is a small tuple of strings (nothing sympy crosses the process boundary):
``("equal", reference)``, ``("not_equal", None)``, ``("unparseable", None)`` when the answer is
not mathematics math-verify can read, ``("unavailable", message)`` when math-verify is missing.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

__all__ = ["SymbolicOutcome", "symbolic_check"]

SymbolicOutcome = tuple[str, str | None]


@lru_cache(maxsize=1)
def _backend() -> Any:
    """math-verify's parse/verify and extraction configs, imported once per worker."""
    import math_verify
    from math_verify import ExprExtractionConfig, LatexExtractionConfig

    # Our pool enforces the time limit; math-verify's "timeout is disabled" warning is expected.
    logging.getLogger("math_verify").setLevel(logging.ERROR)
    configs = (LatexExtractionConfig(boxed_match_priority=0), ExprExtractionConfig())
    return math_verify, configs


@lru_cache(maxsize=4096)
def _parse(text: str) -> tuple[Any, ...]:
    math_verify, configs = _backend()
    # The answer is already extracted: box it so math-verify reads the whole of it as one answer.
    parsed = math_verify.parse(
        "\\boxed{" + text + "}", extraction_config=configs, parsing_timeout=None, fallback_mode="no_fallback"
    )
    if not parsed:
        parsed = math_verify.parse(
            "$" + text + "$", extraction_config=configs, parsing_timeout=None, fallback_mode="no_fallback"
        )
    return tuple(parsed)


def symbolic_check(answer: str, references: tuple[str, ...], float_rounding: int = 6) -> SymbolicOutcome:
    """Whether ``answer`` is equivalent to one of ``references`` according to math-verify.

    Runs in a pool worker. ``float_rounding`` is math-verify's (decimal places compared).
    """
    try:
        math_verify, _ = _backend()
    except ImportError as exc:  # the verifiers extra is not installed
        return ("unavailable", f"math-verify is not installed ({exc}); pip install 'rewardlab[verifiers]'")
    pred = _parse(answer)
    if not pred:
        return ("unparseable", None)
    for ref in references:
        gold = _parse(ref)
        if not gold:
            continue
        if math_verify.verify(list(gold), list(pred), float_rounding=float_rounding, timeout_seconds=None):
            return ("equal", ref)
    return ("not_equal", None)
