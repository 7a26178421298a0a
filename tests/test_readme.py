"""The README says what the code does (issue 11, point 5): the example spec excerpt, the result
JSON, the lenient stress example, the eval agreement example, the data folder, the entry-point
group, and no adapters that do not exist."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from rewardlab.core.registry import ENTRY_POINT_GROUP
from rewardlab.core.spec import load_spec
from rewardlab.data import read_jsonl

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
EXAMPLE = REPO / "examples" / "math_grpo.yaml"


def _block(lang: str, first_line: str) -> str:
    for match in re.finditer(rf"```{lang}\n(.*?)```", README, flags=re.S):
        if match.group(1).startswith(first_line):
            return match.group(1)
    raise AssertionError(f"no ```{lang} block starting with {first_line!r} in the README")


def test_the_spec_excerpt_is_the_example_file() -> None:
    excerpt = yaml.safe_load(_block("yaml", "# examples/math_grpo.yaml"))
    actual = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    actual.pop("description")  # the one key the excerpt leaves out
    assert excerpt == actual


def test_the_result_json_is_what_the_example_gives() -> None:
    shown = json.loads(_block("json", '{"score"'))
    got = load_spec(EXAMPLE).score_batch(read_jsonl(REPO / "examples" / "samples.jsonl"))[0].to_json_dict()
    shown.pop("latency_ms"), got.pop("latency_ms")
    assert shown == got


def test_the_lenient_stress_example_pays_what_the_readme_says(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rewardlab", "stress", "-r", "math", "-p", "mode=lenient", "--json"],
        capture_output=True,
        text=True,
        timeout=600,
        env={"REWARDLAB_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    report = json.loads(done.stdout)
    paid = sorted(name for v in report["verifiers"] for name in v["paid"])
    comment = README[README.index("rewardlab stress -r math -p mode=lenient -v") :].split("rewardlab stress -k")[0]
    assert done.returncode == 1 and "exit 1" in comment
    assert paid and all(f"'{name}'" in comment for name in paid), (paid, comment)


def test_the_agreement_example_is_not_degenerate(shared_data: Path, tmp_path: Path) -> None:
    block = README[README.index("rewardlab eval agreement -a exact_match") :].split("rewardlab eval distance")[0]
    args = [a for a in re.split(r"\s+", block.replace("\\\n", " ").split("#")[0].strip()) if a]
    args = [a.strip("'").replace("$D", str(shared_data)) for a in args]
    done = subprocess.run(
        [sys.executable, "-m", *args[:1], *args[1:], "--limit", "400", "--json", "--out", str(tmp_path / "run")],
        capture_output=True,
        text=True,
        timeout=600,
        env={"REWARDLAB_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    headline = json.loads(done.stdout)["headline"]
    assert headline["kappa"] is not None and headline["kappa"] > 0.9 and headline["spearman"] is not None


def test_the_data_folder_entry_points_and_adapters_are_described_as_they_are() -> None:
    assert "../shared/data" in README and "REWARDLAB_SHARED_DATA" in README
    assert ENTRY_POINT_GROUP in README and "--import MODULE" in README
    adapters = {p.stem for p in (REPO / "src/rewardlab/integrations").glob("*.py")}
    assert not any("gym" in name for name in adapters)
    # the gymnasium integration is a package (integrations/gymnasium/, since issue 13), not an adapter module
    assert "gymnasium adapters" not in README and "not built yet" not in README
    assert (REPO / "src/rewardlab/integrations/gymnasium/__init__.py").exists() and "gymnasium/" in README


@pytest.mark.parametrize("package", ["bubblewrap", "chromium", "redis-server"])
def test_the_system_prerequisites_are_the_ones_the_install_script_installs(package: str) -> None:
    script = (REPO / "scripts" / "install-system-deps.sh").read_text()
    assert f"check {'bwrap' if package == 'bubblewrap' else package} {package}" in script
    assert f"`{package}`" in README
