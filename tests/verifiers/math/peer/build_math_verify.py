"""Build ``math_verify_cases.json`` from Math-Verify's own test files (run by hand, output committed).

Source: the ``tests/`` folder of the math-verify 0.9.0 source distribution on PyPI
(``pip download math-verify==0.9.0 --no-binary :all: --no-deps``; sha256 of the archive below), the
same version the venv uses. Licence: Apache-2.0 (the distribution's LICENCE file; ``test_all.py``
also carries an MIT header, Copyright (c) 2024 The HuggingFace Team). Only the *data* of the tests
is taken (the ``pytest.mark.parametrize`` tables, read with :mod:`ast`, and the literal arguments of
a few asserts); none of math-verify's code.

How each test calls math-verify decides how a case maps onto rewardlab (recorded per case):

- ``compare_strings(gold, pred, match_types, precision, strict, allow_set_relation_comp)`` parses
  both sides with ``LatexExtractionConfig(boxed_match_priority=0)`` and/or ``ExprExtractionConfig()``
  and calls ``verify(gold, pred, float_rounding=precision, ...)``; ``test_yujianll`` calls
  ``verify(parse(gold), parse(pred))`` with defaults. Both mean: the gold is the reference (a bare
  answer or a worked solution), the prediction is the completion. rewardlab's ``math`` reward is
  called with ``{"completion": pred, "answer": gold}``.
- ``test_string_extraction`` (``StringExtractionConfig``: option letters) maps onto the same call
  with the letter math-verify extracts as the reference.
- ``sympy_expr_eq(Rational(1, 3), Float(0.333), float_rounding=k)`` maps onto ``1/3`` vs
  ``0.333``.
- Tests of math-verify's own API (extraction-config switches, timeouts through mocks, error
  propagation through mocks, the parsed sympy object of ``\\Gamma``) have no rewardlab call that means
  the same thing; they are listed with ``kind: api`` and the reason, not run.

Usage::

    .venv/bin/python tests/verifiers/math/peer/build_math_verify.py /path/to/math_verify-0.9.0/tests
"""

from __future__ import annotations

import ast
import json
import math
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "math_verify_cases.json"
SDIST_SHA256 = "45ac6c61344ba056b9e99a660a4bc8d044ed408f730aed68c60435aa5eec4645"

LATEX_EXPR = ["latex", "expr"]
# test function -> how it calls math-verify (read from each test's body)
CALLS: dict[str, dict[str, Any]] = {
    "test_all.py::test_number_extraction": {"match_types": ["expr"]},
    "test_all.py::test_simple_fraction_notation": {"match_types": LATEX_EXPR},
    "test_all.py::test_sets_handling": {"match_types": LATEX_EXPR},
    "test_all.py::test_latex_notation": {"match_types": ["latex"]},
    "test_all.py::test_percent_notation": {"match_types": LATEX_EXPR},
    "test_all.py::test_latex_notation_math": {"match_types": ["latex"]},
    "test_all.py::test_relations_math": {"match_types": ["latex"]},
    "test_all.py::test_matrix_extraction": {"match_types": ["latex"]},
    "test_all.py::test_complex_math_expressions": {"match_types": LATEX_EXPR},
    "test_all.py::test_math_extraction_edge_cases": {"match_types": LATEX_EXPR},
    "test_all.py::test_math_extraction_additional_cases": {"match_types": LATEX_EXPR},
    "test_all.py::test_set_rel_assymetry": {"match_types": ["latex"]},
    "test_all.py::test_float_precision": {"match_types": LATEX_EXPR, "precision": 5},
    "test_all.py::test_sqrt_precision": {"match_types": LATEX_EXPR, "precision": 5},
    "test_all.py::test_symbols": {"match_types": LATEX_EXPR, "precision": 5},
    "test_boxed.py::test_boxed": {"match_types": LATEX_EXPR},
    "test_strict.py::test_strict_variable_comparison": {"match_types": LATEX_EXPR},
    "test_numina_cases.py::test_numina_cases": {"match_types": LATEX_EXPR},
    "test_open_thoughts.py::test_open_thoughts": {"match_types": LATEX_EXPR},
    "test_yujianll.py::test_string_extraction": {"match_types": "parse-defaults"},
    "test_string_extraction.py::test_string_extraction": {"match_types": ["string"]},
}
API_ONLY = {
    "test_configs.py::test_boxed_match_priority": "switches of LatexExtractionConfig (boxed_match_priority)",
    "test_configs.py::test_normalization_config": "switches of latex2sympy's NormalizationConfig",
    "test_gamma_func.py::test_gamma_as_function": "the sympy object parse() returns for \\Gamma(x), no gold",
    "test_gamma_func.py::test_gamma_as_constant": "the sympy object parse() returns for \\Gamma * x, no gold",
    "test_raise_on_error.py::test_verify_raise_on_error": "verify's raise_on_error, with a mocked comparison",
    "test_timeout.py::test_timeout_expr": "parse's signal timeout, with a mocked parser",
    "test_timeout.py::test_timeout_latex": "parse's signal timeout, with a mocked parser",
    "test_timeout.py::test_timeout_verify": "verify's signal timeout, with a mocked comparison",
}


def _value(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except ValueError:
        # f"{math.sqrt(17):.15f}" in test_float_precision: evaluate with math only
        code = compile(ast.Expression(node), "<case>", "eval")
        return eval(code, {"__builtins__": {}, "math": math})


def _config_value(node: ast.expr) -> Any:
    """A StringExtractionConfig(...) call -> its keyword arguments."""
    if isinstance(node, ast.Call):
        return {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords}
    return _value(node)


def _parametrized(path: Path) -> list[tuple[str, list[str], list[Any]]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for fn in tree.body:
        if not isinstance(fn, ast.FunctionDef):
            continue
        for dec in fn.decorator_list:
            if isinstance(dec, ast.Call) and ast.unparse(dec.func).endswith("parametrize"):
                names = [n.strip() for n in ast.literal_eval(dec.args[0]).split(",")]
                rows = []
                assert isinstance(dec.args[1], ast.List)
                for elt in dec.args[1].elts:
                    assert isinstance(elt, ast.Tuple)
                    rows.append([_config_value(e) for e in elt.elts])
                found.append((fn.name, names, rows))
    return found


def build(tests_dir: Path) -> dict[str, Any]:
    cases: list[dict[str, Any]] = []
    seen: set[str] = set()
    for path in sorted(tests_dir.glob("test_*.py")):
        for fn, names, rows in _parametrized(path):
            key = f"{path.name}::{fn}"
            call = CALLS.get(key)
            if call is None:
                raise SystemExit(f"no mapping for {key}: read the test and add it to CALLS")
            for i, row in enumerate(rows):
                args = dict(zip(names, row, strict=True))
                case: dict[str, Any] = {"id": f"{key}[{i}]", **call}
                if key == "test_string_extraction.py::test_string_extraction":
                    extracted = args["expected"]
                    case.update(
                        kind="string",
                        # nothing extracted: no option letter may be paid ("A" stands for any)
                        gold=extracted[1] if extracted else "A",
                        pred=args["pred"],
                        expected=1 if extracted else 0,
                        config=args["config"],
                    )
                else:
                    expected = args.get("expected", args.get("result"))
                    case.update(kind="pair", gold=args["gold"], pred=args["pred"], expected=int(expected))
                    for k in ("precision", "strict", "allow_set_relation_comp"):
                        if k in args:
                            case[k] = args[k]
                cases.append(case)
                seen.add(key)
    # test_precision: asserts with literal arguments, not a parametrize table
    for i, (rounding, expected) in enumerate([(3, 1), (4, 0)]):
        cases.append(
            {
                "id": f"test_all.py::test_precision[{i}]",
                "kind": "pair",
                "match_types": "sympy_expr_eq",
                "gold": "1/3",
                "pred": "0.333",
                "precision": rounding,
                "expected": expected,
            }
        )
    for i, (rounding, expected) in enumerate([(3, 1), (4, 0)]):
        cases.append(
            {
                "id": f"test_all.py::test_precision[{i + 2}]",
                "kind": "pair",
                "match_types": "sympy_expr_eq",
                "gold": "1/3 + 1",
                "pred": "1.333",
                "precision": rounding,
                "expected": expected,
            }
        )
    cases.append(
        {
            "id": "test_all.py::test_precision[4]",
            "kind": "pair",
            "match_types": LATEX_EXPR,
            "gold": "$\\frac{1}{3}$",
            "pred": "0.3333$",
            "precision": 4,
            "expected": 1,
        }
    )
    for key, why in API_ONLY.items():
        cases.append({"id": key, "kind": "api", "reason": why})
    return {
        "source": "math-verify 0.9.0 source distribution (PyPI), tests/ folder",
        "sdist_sha256": SDIST_SHA256,
        "upstream": "https://github.com/huggingface/Math-Verify (tests/)",
        "licence": "Apache-2.0 (math-verify's LICENCE); test_all.py carries an MIT header, "
        "Copyright (c) 2024 The HuggingFace Team",
        "built_by": "tests/verifiers/math/peer/build_math_verify.py",
        "cases": cases,
    }


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    data = build(Path(sys.argv[1]))
    OUT.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    counts: dict[str, int] = {}
    for c in data["cases"]:
        counts[c["kind"]] = counts.get(c["kind"], 0) + 1
    print(f"wrote {OUT} ({counts})")


if __name__ == "__main__":
    main()
