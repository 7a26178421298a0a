r"""Warm math-verify up once, in the pool's template process, so every worker starts warm.

The math pool preloads this module (see :mod:`.backend`): importing it runs a few symbolic
checks -- a fraction, a radical, an interval, a set, a tuple, a matrix, an equation -- so that
sympy's lazily-imported submodules, its caches and latex2sympy's ANTLR parser are initialised
*before* workers are forked. A worker that replaces one killed on a timeout is then as fast as
the first one, instead of spending about a second of its next task's time limit warming up.

The warm-up runs on import only inside a pool template (a ``python -c`` interpreter that has
loaded :mod:`rewardlab.execution._template`), so importing this module elsewhere (doctest
collection, tooling) costs nothing. Without math-verify installed it does nothing (the pool
reports the missing backend on the first symbolic check).
"""

from __future__ import annotations

import contextlib
import sys

from .symbolic import symbolic_check

__all__ = ["WARMUP_PAIRS", "warm_up"]

WARMUP_PAIRS: tuple[tuple[str, str], ...] = (
    (r"\frac{1}{2}", "0.5"),
    (r"2\sqrt{3}", r"\sqrt{12}"),
    (r"x^2+2x+1", "(x+1)^2"),
    ("[1, 2)", "[1,2)"),
    (r"\{1, 2\}", r"\{2,1\}"),
    ("(1, 2)", "(1,2)"),
    (r"\begin{pmatrix}1&2\\3&4\end{pmatrix}", r"\begin{pmatrix}1&2\\3&4\end{pmatrix}"),
    ("x = 2", "2"),
    (r"\pi/2", r"\frac{\pi}{2}"),
)


def warm_up() -> None:
    """Run :data:`WARMUP_PAIRS` through :func:`symbolic_check` (errors ignored)."""
    for answer, reference in WARMUP_PAIRS:
        with contextlib.suppress(Exception):
            symbolic_check(answer, (reference,))
    # parsed answers of the warm-up must not crowd the workers' caches
    from .symbolic import _parse

    _parse.cache_clear()


def _in_pool_template() -> bool:
    main = sys.modules.get("__main__")
    return "rewardlab.execution._template" in sys.modules and getattr(main, "__file__", None) is None


if _in_pool_template():
    warm_up()
