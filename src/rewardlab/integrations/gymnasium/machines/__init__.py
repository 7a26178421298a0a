"""Reward machines: the automaton and its YAML form (:mod:`.automaton`, formulas in
:mod:`.formula`), labelling functions (:mod:`.labels`), and the product env with counterfactual
experience (:mod:`.product`, which imports gymnasium).
"""

from __future__ import annotations

from typing import Any

from .automaton import MachineTransition, RewardMachine, load_machine, machine_from_dict
from .formula import Formula, FormulaError, parse_formula
from .labels import InfoLabels, labeller

__all__ = [
    "Formula",
    "FormulaError",
    "InfoLabels",
    "MachineTransition",
    "RewardMachine",
    "RewardMachineWrapper",
    "labeller",
    "load_machine",
    "machine_from_dict",
    "parse_formula",
]


def __getattr__(name: str) -> Any:
    if name == "RewardMachineWrapper":
        from .product import RewardMachineWrapper

        return RewardMachineWrapper
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
