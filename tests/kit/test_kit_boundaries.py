"""bench/ shares the test kit (testkit/) with tests/, and neither bench/ nor testkit/ imports
tests/: a benchmark or a kit must not depend on test modules, which may change or move whenever
a test does (tests reach into the kit through its hooks, e.g. testkit.policy_harness.observe).
Read from their own source (every import statement, at module level or inside a function), not
by importing them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
TESTKIT = ROOT / "testkit"


def imported_modules(path: Path) -> set[str]:
    """Every absolute module an import statement in `path` names (`from tests.policy import
    harness` names both tests.policy and tests.policy.harness)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def imports_of_tests(path: Path) -> set[str]:
    return {name for name in imported_modules(path) if name.split(".")[0] == "tests"}


@pytest.mark.parametrize("folder", [BENCH, TESTKIT], ids=lambda folder: folder.name)
def test_bench_and_the_kit_import_nothing_from_tests(folder: Path) -> None:
    sources = sorted(folder.rglob("*.py"))
    assert len(sources) > 5, f"{folder.name}/ has only {sources}"
    found = {str(path.relative_to(ROOT)): sorted(imports_of_tests(path)) for path in sources}
    assert {path: names for path, names in found.items() if names} == {}


def test_the_reader_sees_imports_of_tests(tmp_path: Path) -> None:
    """The check above can fail: the reader finds each form of import of tests/."""
    source = (
        "import tests.policy.harness\n"
        "from tests.offline import cli\n"
        "def later():\n"
        "    from tests.behaviour.policy_corpus import record\n"
        "from testkit.wrk import run_wrk\n"
    )
    module = tmp_path / "module.py"
    module.write_text(source)
    names = imports_of_tests(module)
    assert names == {
        "tests.policy.harness",
        "tests.offline",
        "tests.offline.cli",
        "tests.behaviour.policy_corpus",
        "tests.behaviour.policy_corpus.record",
    }
