"""The IFEval corpus finds the shared data where the other data tests do: ``$REWARDLAB_SHARED_DATA``
first, else ``../shared/data`` beside the checkout (a clone under /tmp sets the variable)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
PRINT_PATHS = (
    "from tests.verifiers.ifeval import corpus, generate_smollm2; "
    "print(corpus.DEFAULT_PROMPTS); print(generate_smollm2.DEFAULT_PROMPTS)"
)


def _paths(env_value: str | None) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "REWARDLAB_SHARED_DATA"}
    if env_value is not None:
        env["REWARDLAB_SHARED_DATA"] = env_value
    out = subprocess.run(
        [sys.executable, "-c", PRINT_PATHS], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.split()


def test_the_variable_names_the_folder(tmp_path: Path) -> None:
    expected = str(tmp_path / "ifeval_input_data.jsonl.gz")
    assert _paths(str(tmp_path)) == [expected, expected]


def test_without_the_variable_the_folder_beside_the_checkout() -> None:
    expected = str(REPO.parent / "shared" / "data" / "ifeval_input_data.jsonl.gz")
    assert _paths(None) == [expected, expected]
