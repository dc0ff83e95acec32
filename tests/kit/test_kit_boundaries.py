"""bench/ shares the test kit (testkit/) with tests/ and never imports tests/: a benchmark must
not depend on test modules, which may change or move whenever a test does. Read from bench's
own source (every import statement, at module level or inside a function), not by importing it.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"


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


def test_bench_imports_nothing_from_tests() -> None:
    sources = sorted(BENCH.rglob("*.py"))
    assert len(sources) > 10, f"bench/ has only {sources}"
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
