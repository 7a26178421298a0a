"""GSM8K-style solutions for process supervision: reference steps, few-shot prompts, injected errors.

GSM8K solutions are one step per line with calculator annotations (``48/2 = <<48/2=24>>24``)
and, in the model-solution format, a final ``A: N`` line. This module

- turns a reference solution into steps (:func:`reference_steps`);
- builds few-shot chat turns so a small model writes (and continues) solutions in that format
  (:func:`fewshot_messages`);
- injects a *consistent* reasoning error into a reference solution (:func:`corrupt_solution`):
  one step uses a wrong quantity or the wrong operation, and every later calculation is redone
  from the wrong value, so the arithmetic stays right and the final answer changes, like the
  errors real models make. Steps before the error are labelled 1, the rest 0.

>>> steps = reference_steps("Natalia sold 48/2 = <<48/2=24>>24 clips in May.\\n"
...                         "Natalia sold 48+24 = <<48+24=72>>72 clips altogether.", "72")
>>> steps[-1]
'A: 72'
>>> safe_eval("48/2"), safe_eval("2**100") is None, format_number(7.0), format_number(2.5)
(24.0, True, '7', '2.5')
"""

from __future__ import annotations

import ast
import math
import operator
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "Corruption",
    "corrupt_solution",
    "fewshot_messages",
    "format_number",
    "reference_steps",
    "safe_eval",
]

ANNOTATION = re.compile(r"<<([^<>=]+)=([^<>]*)>>")
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w]|\.\d)")
ANSWER_LINE = re.compile(r"^A:\s*(.+)$")
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_SWAPS = {"+": ["-", "*"], "-": ["+"], "*": ["/", "+"], "/": ["*"]}
_VISIBLE_OP = {"+": ["+"], "-": ["-"], "*": ["*", "x", "×"], "/": ["/", "÷"]}


def safe_eval(expr: str) -> float | None:
    """The value of an arithmetic expression (+ - * / and parentheses only), or ``None``."""
    try:
        tree = ast.parse(expr.replace("x", "*").replace("×", "*").replace("÷", "/").strip(), mode="eval")
    except SyntaxError:
        return None

    def walk(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return float(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value = walk(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](walk(node.left), walk(node.right))
        raise ValueError("unsupported")

    try:
        value = walk(tree)
    except (ValueError, ZeroDivisionError, OverflowError, RecursionError):
        return None
    return value if math.isfinite(value) and abs(value) < 1e12 else None


def format_number(value: float) -> str:
    """GSM8K style: integers without a decimal point, others rounded to 2 decimals."""
    if abs(value - round(value)) < 1e-9:
        return str(round(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def reference_steps(solution: str, answer: str) -> list[str]:
    """The solution's lines, then the ``A: N`` line of the model-solution format."""
    lines = [line.strip() for line in solution.split("\n") if line.strip()]
    return [*lines, f"A: {answer}"]


def fewshot_messages(examples: Sequence[tuple[str, Sequence[str]]]) -> list[dict[str, str]]:
    """Chat turns showing (question, steps) examples: user asks, assistant answers step by step."""
    turns: list[dict[str, str]] = []
    for question, steps in examples:
        turns.append({"role": "user", "content": question})
        turns.append({"role": "assistant", "content": "\n".join(steps)})
    return turns


@dataclass(frozen=True)
class Corruption:
    steps: list[str]
    first_error: int
    answer: str
    kind: str


def _numbers_equal(a: str, b: float) -> bool:
    try:
        return abs(float(a) - b) < 1e-9
    except ValueError:
        return False


def _replace_last_number(text: str, old: str, new: str) -> str | None:
    spans = [m.span() for m in NUMBER.finditer(text) if _numbers_equal(m.group(), float(old))]
    if not spans:
        return None
    start, end = spans[-1]
    return text[:start] + new + text[end:]


def _mutate(expr: str, question_numbers: list[str], rng: random.Random) -> tuple[str, str] | None:
    """A changed expression and the kind of change, or ``None`` when nothing sensible applies."""
    kinds = ["operand", "operator"]
    rng.shuffle(kinds)
    for kind in kinds:
        if kind == "operand":
            numbers = list(NUMBER.finditer(expr))
            others = [n for n in question_numbers if all(not _numbers_equal(n, float(m.group())) for m in numbers)]
            if numbers and others:
                target = rng.choice(numbers)
                start, end = target.span()
                return expr[:start] + rng.choice(others) + expr[end:], "wrong_quantity"
        else:
            ops = [(i, c) for i, c in enumerate(expr) if c in _SWAPS and i > 0]
            if ops:
                i, c = rng.choice(ops)
                return expr[:i] + rng.choice(_SWAPS[c]) + expr[i + 1 :], "wrong_operation"
    return None


def _visible_fix(prefix: str, old_expr: str, new_expr: str) -> str:
    """Mirror an expression change in the text written before the annotation, when it is visible there."""
    old_nums = NUMBER.findall(old_expr)
    new_nums = NUMBER.findall(new_expr)
    if old_nums != new_nums:  # an operand changed: replace it in the visible text
        for a, b in zip(old_nums, new_nums, strict=False):
            if a != b:
                fixed = _replace_last_number(prefix, a, b)
                return fixed if fixed is not None else prefix
        return prefix
    old_ops = [c for c in old_expr if c in _VISIBLE_OP]
    new_ops = [c for c in new_expr if c in _VISIBLE_OP]
    for a, b in zip(old_ops, new_ops, strict=False):
        if a != b:
            seen = [(i, c) for i, c in enumerate(prefix) if c in _VISIBLE_OP[a] and i > 0]
            if len(seen) == 1:
                i, c = seen[0]
                shown = b if c in "+-/*" else {"*": "x", "/": "/", "+": "+", "-": "-"}[b]
                return prefix[:i] + shown + prefix[i + 1 :]
    return prefix


def _apply_mapping(expr: str, mapping: dict[float, float]) -> str:
    def swap(match: re.Match[str]) -> str:
        value = float(match.group())
        for old, new in mapping.items():
            if abs(old - value) < 1e-9:
                return format_number(new)
        return match.group()

    return NUMBER.sub(swap, expr)


def corrupt_solution(steps: Sequence[str], question: str, rng: random.Random, *, tries: int = 8) -> Corruption | None:
    """A copy of ``steps`` (ending with ``A: N``) with one consistent reasoning error, or ``None``."""
    steps = list(steps)
    if len(steps) < 2 or not ANSWER_LINE.match(steps[-1]):
        return None
    final = ANSWER_LINE.match(steps[-1]).group(1).strip()  # type: ignore[union-attr]
    candidates = [k for k in range(len(steps) - 1) if ANNOTATION.search(steps[k])]
    question_numbers = NUMBER.findall(question)
    for _ in range(tries):
        if not candidates:
            return None
        k = rng.choice(candidates)
        annotations = list(ANNOTATION.finditer(steps[k]))
        chosen = rng.choice(annotations)
        old_expr, old_res = chosen.group(1), chosen.group(2)
        old_value = safe_eval(old_expr)
        mutated = _mutate(old_expr, question_numbers, rng)
        if old_value is None or mutated is None:
            continue
        new_expr, kind = mutated
        new_value = safe_eval(new_expr)
        if new_value is None or abs(new_value - old_value) < 1e-9 or (old_value >= 0 > new_value):
            continue
        mapping = {old_value: new_value}
        text = steps[k]
        prefix = _visible_fix(text[: chosen.start()], old_expr, new_expr)
        after = text[chosen.end() :]
        shown = format_number(new_value)
        after = _replace_first_number(after, old_res, shown)
        out = [*steps[:k], f"{prefix}<<{new_expr}={shown}>>{after}"]
        ok = True
        for j in range(k + 1, len(steps) - 1):
            line = steps[j]
            rebuilt, cursor = [], 0
            for m in ANNOTATION.finditer(line):
                expr, _res = m.group(1), m.group(2)
                value = safe_eval(expr)
                changed_expr = _apply_mapping(expr, mapping)
                changed = safe_eval(changed_expr)
                if value is None or changed is None:
                    ok = False
                    break
                if value >= 0 > changed:
                    ok = False  # a negative count or price: an implausible solution
                    break
                visible = _apply_mapping(line[cursor : m.start()], mapping)
                if changed_expr == expr:
                    rebuilt.append(visible + m.group())
                else:
                    rebuilt.append(visible + f"<<{changed_expr}={format_number(changed)}>>")
                if abs(changed - value) > 1e-9:
                    mapping[value] = changed
                cursor = m.end()
            if not ok:
                break
            rebuilt.append(_apply_mapping(line[cursor:], mapping))
            out.append("".join(rebuilt))
        if not ok:
            continue
        try:
            final_value = float(final.replace(",", ""))
        except ValueError:
            return None
        new_final = next((v for o, v in mapping.items() if abs(o - final_value) < 1e-9), None)
        if new_final is None:
            continue  # the error did not reach the final answer: not a clean negative
        answer = format_number(new_final)
        out.append(f"A: {answer}")
        return Corruption(steps=out, first_error=k, answer=answer, kind=kind)
    return None


def _replace_first_number(text: str, old: str, new: str) -> str:
    try:
        old_value = float(old)
    except ValueError:
        return text
    for m in NUMBER.finditer(text):
        if _numbers_equal(m.group(), old_value):
            return text[: m.start()] + new + text[m.end() :]
        break  # only the number right after the annotation is its visible result
    return text
