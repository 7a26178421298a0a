"""rewardlab's ``ifeval`` reward against Google's IFEval checkers (lm-eval), on a seeded subset of the corpus.

The corpus (``corpus.py``): the 541 IFEval prompts with SmolLM2 generations, systematic mutations
of them and responses built for each instruction. Per instruction, strict and loose, the two
checkers must agree on at least 99.5% of the verdicts, and every disagreement must belong to a
class listed in ``KNOWN_DIFFERENCES`` with its reason. The whole corpus runs in
``benchmarks/ifeval_agreement.py``.
"""

from __future__ import annotations

import pytest

from .compare import KNOWN_DIFFERENCES, Agreement, compare
from .corpus import DEFAULT_PROMPTS, GENERATIONS, build_corpus, load_generations, load_rows, sample_corpus
from .reference import Reference, load_reference

pytest.importorskip("lm_eval", reason="the reference checkers come with lm-eval (the dev extra)")
pytest.importorskip("nltk", reason="lm-eval's IFEval checkers import nltk (the dev extra)")
if not DEFAULT_PROMPTS.is_file():
    pytest.skip(
        f"the IFEval prompts are not at {DEFAULT_PROMPTS} (../shared/data; set REWARDLAB_SHARED_DATA to use another "
        "folder)",
        allow_module_level=True,
    )
if not GENERATIONS.is_file():
    pytest.skip(f"the SmolLM2 answers are not at {GENERATIONS} (generate_smollm2.py)", allow_module_level=True)

SAMPLE = 1200
SEED = 0
MIN_AGREEMENT = 0.995


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    return load_reference(tmp_path_factory.mktemp("nltk_data"))


@pytest.fixture(scope="module")
def agreement(reference: Reference) -> Agreement:
    cases = build_corpus(load_rows(), load_generations(GENERATIONS), seed=SEED)
    return compare(sample_corpus(cases, SAMPLE, seed=SEED), reference)


def test_the_corpus_exercises_every_instruction_both_ways(agreement: Agreement) -> None:
    for mode in ("strict", "loose"):
        for inst in agreement.instructions():
            n, met = agreement.count(mode, inst), agreement.reference_true[(mode, inst)]
            assert 0 < met < n, (mode, inst, met, n)


@pytest.mark.parametrize("mode", ["strict", "loose"])
def test_agreement_per_instruction(agreement: Agreement, mode: str) -> None:
    rate = agreement.rate(mode)
    assert rate >= MIN_AGREEMENT, f"{mode}: {rate:.4f} < {MIN_AGREEMENT}"


def test_every_difference_is_a_known_class(agreement: Agreement) -> None:
    unknown = [d for d in agreement.disagreements if not any(f(d) for f, _ in KNOWN_DIFFERENCES.values())]
    shown = "\n".join(
        f"{d.mode} {d.instruction} {d.origin} ref={d.reference} rewardlab={d.rewardlab} args={d.kwargs} "
        f"detail={d.detail!r} response={d.response[:200]!r}"
        for d in unknown[:10]
    )
    assert not unknown, f"{len(unknown)} disagreements outside the known classes:\n{shown}"


def test_the_generations_are_the_committed_smollm2_ones() -> None:
    generations = load_generations(GENERATIONS)
    rows = load_rows()
    assert {r["key"] for r in rows} == set(generations)
    assert sum(1 for g in generations.values() if g.strip()) > 0.9 * len(generations)


def test_reference_runs_offline(reference: Reference) -> None:
    import nltk

    with pytest.raises(RuntimeError, match="offline"):
        nltk.download("punkt_tab")
    row = {"key": 1, "prompt": "p", "instruction_id_list": ["length_constraints:number_sentences"],
           "kwargs": [{"relation": "at least", "num_sentences": 3}]}  # fmt: skip
    assert reference.strict(row, "the rain stopped. we went outside. the street was wet.") == [True]
