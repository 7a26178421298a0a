"""Build the GSM8K golden cases from ``/work/shared/data`` (run it to regenerate the .jsonl files).

- ``gsm8k_forms.jsonl``: for GSM8K test questions, the reference answer written in several
  equivalent forms (``#### N`` after the real solution, ``\\boxed{N}``, "The answer is N.",
  ``A: N``, thousands separators, ``$N``, ``N.00``, ``x = N`` ...) and several non-equivalent
  ones (off by one, times ten, negated, a hedge, two different boxes, a decimal shift ...).
- ``gsm8k_solutions.jsonl``: real GPT-3 solutions to those questions with the dataset's
  ``is_correct`` label (balanced correct / incorrect), the question as the prompt.

``equivalent_forms`` / ``wrong_forms`` are also used by ``benchmarks/bench_math.py``.

Usage: ``.venv/bin/python tests/verifiers/math/golden/build_gsm8k.py [--data DIR]``
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = Path(os.environ.get("REWARDLAB_SHARED_DATA", HERE.parents[3].parent / "shared" / "data"))
N_FORM_QUESTIONS = 25
N_SOLUTIONS = 160


def read_jsonl_gz(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _fmt(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")


def _thousands(value: Decimal) -> str:
    if value == value.to_integral_value():
        return f"{int(value):,}"
    whole, frac = _fmt(value).split(".")
    return f"{int(whole):,}.{frac}"


def equivalent_forms(row: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """``(form_name, completion, lenient_override)`` equivalent to the row's answer."""
    a = row["answer"]
    v = Decimal(a)
    solution = row["solution"]
    forms: list[tuple[str, str, bool | None]] = [
        ("solution_hash", f"{solution}\n#### {a}", None),
        ("answer_is", f"{solution}\nThe answer is {a}.", None),
        ("boxed", f"{solution}\nSo the final answer is $\\boxed{{{a}}}$.", None),
        ("a_line", f"{solution}\nA: {a}", None),
        ("thousands", f"#### {_thousands(v)}", None),
        ("currency", f"The answer is ${a}.", None),
        ("trailing_zeros", f"\\boxed{{{_fmt(v)}.00}}" if "." not in a else f"\\boxed{{{a}0}}", None),
        ("equation", f"\\boxed{{x = {a}}}", None),
        ("answer_tag", f"<think>{solution}</think>\n<answer>{a}</answer>", None),
        ("fraction", f"\\boxed{{\\frac{{{_fmt(v * 2)}}}{{2}}}}", None),
    ]
    return forms


def wrong_forms(row: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """``(form_name, completion, lenient_override)`` that must not be paid."""
    a = row["answer"]
    v = Decimal(a)
    solution = row["solution"]
    plus1 = _fmt(v + 1)
    forms: list[tuple[str, str, bool | None]] = [
        ("off_by_one", f"{solution}\n#### {plus1}", None),
        ("hedge", f"The answer is {a} or {plus1}.", None),
        ("two_boxes", f"\\boxed{{{plus1}}} ... no, \\boxed{{{a}}}", True),  # lenient: the last one counts
        ("padding", " ".join(str(i) for i in range(int(v) - 6, int(v) + 1)), None),
    ]
    if v != 0:
        forms.append(("times_ten", f"\\boxed{{{_fmt(v * 10)}}}", None))
        forms.append(("decimal_shift", f"The answer is {_fmt(v / 10)}.", None))
        forms.append(("negated_sign", f"\\boxed{{{_fmt(-v)}}}", None))
    reversed_digits = a[::-1].lstrip("0") if a.isdigit() else ""
    if reversed_digits and reversed_digits != a:
        forms.append(("reversed_digits", f"#### {reversed_digits}", None))
    return forms


def build_forms(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cases = []
    for row in rows:
        for good, forms in ((True, equivalent_forms(row)), (False, wrong_forms(row))):
            for name, completion, lenient in forms:
                case: dict[str, Any] = {
                    "id": f"{row['id']}:{name}",
                    "category": "gsm8k_forms",
                    "prompt": row["question"],
                    "completion": completion,
                    "answer": row["answer"],
                    "expect": good,
                }
                if lenient is not None:
                    case["lenient"] = lenient
                cases.append(case)
    return cases


def build_solutions(rows: list[dict[str, Any]], n: int, seed: int = 0) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    correct = [r for r in rows if r["is_correct"]]
    wrong = [r for r in rows if not r["is_correct"]]
    picked = rng.sample(correct, n // 2) + rng.sample(wrong, n - n // 2)
    picked.sort(key=lambda r: r["id"])
    return [
        {
            "id": r["id"],
            "category": "gsm8k_model_solutions",
            "prompt": r["question"],
            "completion": r["solution"],
            "answer": r["reference_answer"],
            "expect": bool(r["is_correct"]),
            "note": "label: the dataset's is_correct",
        }
        for r in picked
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with the shared GSM8K files")
    args = parser.parse_args()
    test = read_jsonl_gz(args.data / "gsm8k_test.jsonl.gz")
    solutions = read_jsonl_gz(args.data / "gsm8k_solutions.jsonl.gz")
    forms = build_forms(test[:N_FORM_QUESTIONS])
    sols = build_solutions(solutions, N_SOLUTIONS)
    for name, cases in (("gsm8k_forms.jsonl", forms), ("gsm8k_solutions.jsonl", sols)):
        with open(HERE / name, "w", encoding="utf-8") as f:
            for case in cases:
                f.write(json.dumps(case, ensure_ascii=False) + "\n")
        print(f"wrote {len(cases)} cases to {HERE / name}")


if __name__ == "__main__":
    main()
