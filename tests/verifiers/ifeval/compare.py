"""Run rewardlab's ``ifeval`` reward and the reference checker on the same cases and tally agreement.

Agreement is per instruction (IFEval's instruction-level verdicts): for every case and every
instruction of its row, rewardlab's verdict (``info["constraints"][i]["met"]``) is compared with
the reference's, in strict mode and in loose mode. A case whose sample rewardlab cannot score
(status other than ``ok``) counts as a disagreement on every instruction the reference judged.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from rewardlab.verifiers import IFEval

from .corpus import Case
from .reference import Reference

__all__ = ["KNOWN_DIFFERENCES", "Agreement", "Disagreement", "compare", "known_class", "rewardlab_verdicts"]


@dataclass(frozen=True)
class Disagreement:
    mode: str
    instruction: str
    kwargs: dict[str, Any]
    origin: str
    response: str
    reference: bool
    rewardlab: bool | None
    detail: str


@dataclass
class Agreement:
    """Counts per mode (``strict``/``loose``) and instruction id, and every disagreement."""

    total: Counter[tuple[str, str]] = field(default_factory=Counter)
    agree: Counter[tuple[str, str]] = field(default_factory=Counter)
    reference_true: Counter[tuple[str, str]] = field(default_factory=Counter)
    disagreements: list[Disagreement] = field(default_factory=list)
    cases: int = 0
    # prompt level (every instruction of a case followed): from the verdicts, and from the score
    # (1.0 only when every verdict is met and no refusal applies: min_words, restated prompt, ...)
    prompt_agree: Counter[str] = field(default_factory=Counter)
    prompt_score_agree: Counter[str] = field(default_factory=Counter)

    def rate(self, mode: str, instruction: str | None = None, *, exclude_known: bool = False) -> float:
        """Share of agreeing verdicts; ``exclude_known`` leaves out the verdicts of known-class
        disagreements (where the reference's verdict is not a reading of the text: a random letter)."""
        keys = [k for k in self.total if k[0] == mode and (instruction is None or k[1] == instruction)]
        total = sum(self.total[k] for k in keys)
        if exclude_known:
            total -= sum(
                1
                for d in self.disagreements
                if d.mode == mode and (instruction is None or d.instruction == instruction) and known_class(d)
            )
        return sum(self.agree[k] for k in keys) / total if total else 1.0

    def count(self, mode: str, instruction: str | None = None) -> int:
        return sum(n for k, n in self.total.items() if k[0] == mode and (instruction is None or k[1] == instruction))

    def instructions(self) -> list[str]:
        return sorted({k[1] for k in self.total})

    def by_class(self, mode: str) -> dict[tuple[str, str], int]:
        """Disagreements grouped by (instruction, origin without the variant's number)."""
        out: dict[tuple[str, str], int] = defaultdict(int)
        for d in self.disagreements:
            if d.mode == mode:
                out[(d.instruction, d.origin)] += 1
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def _letter_not_a_to_z(d: Disagreement) -> bool:
    letter = str(d.kwargs.get("letter", ""))
    return d.instruction == "keywords:letter_frequency" and not ("a" <= letter.lower() <= "z" and len(letter) == 1)


# Every class of remaining difference, with its reason (the CI test fails on a disagreement outside them).
KNOWN_DIFFERENCES: dict[str, tuple[Callable[[Disagreement], bool], str]] = {
    "letter_frequency with a letter that is not a-z": (
        _letter_not_a_to_z,
        "two IFEval rows ask for '#' and '!'; the reference replaces such a letter with one drawn at random, "
        "rewardlab counts the character asked for",
    ),
}


def known_class(d: Disagreement) -> str | None:
    """The name of the known class a disagreement belongs to, if any."""
    return next((name for name, (belongs, _) in KNOWN_DIFFERENCES.items() if belongs(d)), None)


def rewardlab_verdicts(reward: IFEval, case: Case) -> tuple[list[bool] | None, list[str], str, float | None]:
    """rewardlab's verdict per instruction of the case's row (None when the sample failed), the
    details, the error, and the score."""
    row = case.row
    constraints = [
        {"type": i, **{k: v for k, v in kw.items() if v is not None}}
        for i, kw in zip(row["instruction_id_list"], row["kwargs"], strict=True)
    ]
    result = reward.score({"prompt": row["prompt"], "completion": case.response, "constraints": constraints})
    if not result.is_ok:
        return None, [], result.error or str(result.status), None
    details = result.info["constraints"]
    return [bool(d["met"]) for d in details], [str(d.get("detail", "")) for d in details], "", result.score


def compare(
    cases: Iterable[Case],
    reference: Reference,
    *,
    reward_options: dict[str, Any] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Agreement:
    """Score every case with both checkers, strict and loose, and tally agreement per instruction."""
    options = dict(reward_options or {})
    rewards = {"strict": IFEval(loose=False, **options), "loose": IFEval(loose=True, **options)}
    refs = {"strict": reference.strict, "loose": reference.loose}
    out = Agreement()
    for n, case in enumerate(cases, 1):
        out.cases += 1
        for mode in ("strict", "loose"):
            want = refs[mode](case.row, case.response)
            got, details, error, score = rewardlab_verdicts(rewards[mode], case)
            out.prompt_agree[mode] += int(got is not None and all(got) == all(want))
            out.prompt_score_agree[mode] += int((score == 1.0) == all(want))
            for i, instruction in enumerate(case.row["instruction_id_list"]):
                key = (mode, instruction)
                out.total[key] += 1
                out.reference_true[key] += int(want[i])
                mine = None if got is None else got[i]
                if mine == want[i]:
                    out.agree[key] += 1
                else:
                    out.disagreements.append(
                        Disagreement(
                            mode=mode,
                            instruction=instruction,
                            kwargs=case.row["kwargs"][i],
                            origin=case.origin,
                            response=case.response,
                            reference=want[i],
                            rewardlab=mine,
                            detail=error or details[i],
                        )
                    )
        if progress is not None:
            progress(n)
    return out
