"""How the pack is laid out, held so a new policy cannot be half-added (issue 16):

- every policy is declared in its own module `policy/fargate_policies/rules/<name>.py` (the policy
  name with underscores), and the catalog lists exactly the policies the rule modules declare;
- a second declaration of a name raises at import, naming both places;
- rule modules import the framework and readers, never another rule; readers import readers and
  `findings`, never a rule, the framework or the catalog (read from the imports, not run);
- every policy has its test module `tests/policy/rules/test_<name>.py` with named PASSING and
  FAILING cases, and no test module there names a policy the pack lacks.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path
from typing import Any

import pytest
from pulumi_policy import EnforcementLevel

from fargate_policies import framework, readers, rules
from fargate_policies.catalog import ALL_POLICIES, POLICY_DOCS
from fargate_policies.framework import DOCS, DuplicatePolicyError, Findings, Subject

PACKAGE = Path(framework.__file__).parent
RULE_TESTS = Path(__file__).parent / "rules"
MIN_CASES = 3  # passing and failing each, per policy


def module_name(policy: str) -> str:
    return policy.replace("-", "_")


def rule_modules() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules(rules.__path__))


def imported_modules(path: Path) -> set[str]:
    """Every fargate_policies module `path` imports (`from X import y` counts X and X.y)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name.startswith("fargate_policies.")}


def test_the_catalog_lists_exactly_the_declared_policies() -> None:
    for name in rule_modules():
        importlib.import_module(f"fargate_policies.rules.{name}")
    listed = [policy.name for policy in ALL_POLICIES]
    assert len(listed) == len(set(listed)), "the catalog lists a policy twice"
    assert set(listed) == set(DOCS), {
        "declared, not in the catalog": sorted(set(DOCS) - set(listed)),
        "in the catalog, never declared": sorted(set(listed) - set(DOCS)),
    }


def test_each_rule_module_declares_one_policy_named_after_it() -> None:
    declared_in: dict[str, list[str]] = {}
    for name, doc in POLICY_DOCS.items():
        path = Path(doc.where.rsplit(":", 1)[0])
        assert path.parent == PACKAGE / "rules", f"{name} is declared in {doc.where}"
        declared_in.setdefault(path.stem, []).append(name)
    assert declared_in == {module: [module.replace("_", "-")] for module in rule_modules()} | {
        module_name(name): [name] for name in POLICY_DOCS
    }


def test_a_second_declaration_of_a_name_raises_naming_both_places() -> None:
    before = dict(DOCS)
    with pytest.raises(DuplicatePolicyError) as raised:

        @framework.resource_policy(EnforcementLevel.ADVISORY, "ecs-container-non-root", ())
        def _again(_resource: Subject, _findings: Findings) -> None:
            """Checks nothing: a second use of a taken name."""

    message = str(raised.value)
    assert "policy 'ecs-container-non-root' is declared twice" in message
    assert POLICY_DOCS["ecs-container-non-root"].where in message
    assert "rules/ecs_container_non_root.py:" in message
    assert f"{Path(__file__)}:" in message
    assert dict(DOCS) == before, "the refused declaration left a trace"


# What each package may import from fargate_policies: rules the framework and readers; readers
# other readers and findings.py (the words findings are written in), nothing that declares.
ALLOWED_IMPORTS = {
    "rules": ("fargate_policies.readers", "fargate_policies.framework"),
    "readers": ("fargate_policies.readers", "fargate_policies.findings"),
}
LAYERED_MODULES = [
    (package, info.name)
    for package, path in (("rules", rules.__path__), ("readers", readers.__path__))
    for info in pkgutil.iter_modules(path)
]


@pytest.mark.parametrize(
    ("package", "module"), LAYERED_MODULES, ids=[f"{p}/{m}" for p, m in LAYERED_MODULES]
)
def test_rules_import_readers_and_the_framework_and_readers_import_no_rule(
    package: str, module: str
) -> None:
    imports = imported_modules(PACKAGE / package / f"{module}.py")
    others = {name for name in imports if not name.startswith(ALLOWED_IMPORTS[package])}
    assert not others, f"{package}/{module}.py imports {sorted(others)}"


def test_the_layout_check_can_fail() -> None:
    """The import reader sees a rule importing a rule (so the two tests above can fail)."""
    source = PACKAGE / "rules" / "ecs_container_non_root.py"
    assert "fargate_policies.readers.containers" in imported_modules(source)
    assert "fargate_policies.framework" in imported_modules(source)
    assert "fargate_policies.framework" not in imported_modules(PACKAGE / "findings.py")


def case_tables(policy: str) -> tuple[Any, Any]:
    module = importlib.import_module(f"tests.policy.rules.test_{module_name(policy)}")
    return module.PASSING, module.FAILING


@pytest.mark.parametrize("policy", list(POLICY_DOCS))
def test_every_policy_has_its_test_module_with_named_cases(policy: str) -> None:
    path = RULE_TESTS / f"test_{module_name(policy)}.py"
    assert path.exists(), f"{policy} has no test module {path}"
    passing, failing = case_tables(policy)
    counts = (len(passing), len(failing))
    assert min(counts) >= MIN_CASES, f"{policy}: {counts} passing/failing cases"
    assert f'POLICY = "{policy}"' in path.read_text()


def test_no_test_module_names_a_policy_the_pack_lacks() -> None:
    modules = {path.stem.removeprefix("test_") for path in RULE_TESTS.glob("test_*.py")}
    assert modules == {module_name(name) for name in POLICY_DOCS}
