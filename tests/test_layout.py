"""The layout a newcomer can predict (issue 14, points 8 and 11): the tests mirror ``src/``, the
test suite's rewards live in one module, and the README's layout section names every package."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "rewardlab"
TESTS = REPO / "tests"
# Folders that group one module's tests by kind rather than naming a module.
KINDS = {
    "differential": "math tests against a second implementation",
    "peer": "math tests on another project's cases",
}
# Test folders that test something outside the package.
OUTSIDE = {"scripts": REPO / "scripts"}
REWARDS_MODULE = TESTS / "rewards.py"


def _test_folders() -> list[Path]:
    return sorted({p.parent for p in TESTS.rglob("test_*.py")} - {TESTS})


def _source_of(folder: Path) -> Path | None:
    """The package or module of ``src/rewardlab`` (or the outside folder) a test folder tests."""
    parts = [p for p in folder.relative_to(TESTS).parts if p not in KINDS]
    if parts[0] in OUTSIDE:
        return OUTSIDE[parts[0]].joinpath(*parts[1:])
    target = SRC.joinpath(*parts)
    for candidate in (target, target.with_suffix(".py")):
        if candidate.exists():
            return candidate
    return None


def test_every_test_folder_names_what_it_tests() -> None:
    folders = _test_folders()
    assert TESTS / "verifiers" / "math" in folders  # the walk finds nested folders
    lost = [str(f.relative_to(REPO)) for f in folders if _source_of(f) is None]
    assert not lost, (
        f"test folders that mirror nothing under src/rewardlab: {lost} -- a test of src/rewardlab/X/y.py goes "
        "under tests/X/ (a folder that groups one module's tests by kind goes into KINDS here)"
    )


def _registers_at_module_level(tree: ast.Module) -> list[int]:
    """Lines where a module registers a reward as it is imported (a decorated class or a call)."""
    lines = []
    for node in tree.body:
        calls: list[ast.expr] = []
        if isinstance(node, ast.ClassDef):
            calls = list(node.decorator_list)
        elif isinstance(node, ast.Expr):
            calls = [node.value]
        for call in calls:
            func = call.func if isinstance(call, ast.Call) else call
            func = func.func if isinstance(func, ast.Call) else func  # register("x")(Cls)
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "register":
                lines.append(node.lineno)
    return lines


def test_the_test_suite_registers_its_rewards_in_one_module() -> None:
    assert _registers_at_module_level(ast.parse(REWARDS_MODULE.read_text(encoding="utf-8")))
    elsewhere = []
    for path in sorted(TESTS.rglob("*.py")):
        if path == REWARDS_MODULE:
            continue
        for line in _registers_at_module_level(ast.parse(path.read_text(encoding="utf-8"))):
            elsewhere.append(f"{path.relative_to(REPO)}:{line}")
    assert not elsewhere, (
        f"rewards registered at import outside tests/rewards.py: {elsewhere} -- put the test reward in "
        "tests/rewards.py, or register it inside the test and unregister it after"
    )


def _layout_block() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```\n(.*?)```", section, flags=re.S)
    assert block, "no ``` block in the README's Layout section"
    return block.group(1)


# Packages whose sub-packages the layout names one by one: the shapes issue 14 fixed (every
# verifier alike, evaluate in three layers). Other packages' sub-packages (a model family, a
# gymnasium part) are described in their package's line and docstring.
NAMED_INSIDE = ("verifiers", "evaluate")


def test_the_readme_layout_names_every_package() -> None:
    block = _layout_block()
    named = set(re.findall(r"([a-z_]+)/", block))
    packages = sorted(
        p.parent
        for p in SRC.rglob("__init__.py")
        if len(rel := p.parent.relative_to(SRC).parts) == 1 or (len(rel) == 2 and rel[0] in NAMED_INSIDE)
    )
    missing = [str(p.relative_to(SRC)) for p in packages if p.name not in named]
    assert not missing, f"packages the README's Layout section does not name: {missing}"
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    how = readme.split("\n### Adding a reward\n", 1)[1].split("\n## ", 1)[0]
    for step in ("@register", "example: ClassVar[Example]", "NOT_PROBED", "tests/test_every_reward.py"):
        assert step in how, f"the README's 'Adding a reward' does not mention {step}"
