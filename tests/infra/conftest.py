"""The three stacks, each captured once per test session under Pulumi's mocks."""

from __future__ import annotations

import pytest

from testkit.program_capture import CapturedStack, capture_stack

STACKS = ("dev", "staging", "prod")


@pytest.fixture(scope="session")
def captured() -> dict[str, CapturedStack]:
    stacks = {name: capture_stack(name) for name in STACKS}
    for name, stack in stacks.items():
        assert stack.error is None, f"stack {name} refused its own config:\n{stack.error}"
    return stacks


@pytest.fixture(params=STACKS)
def stack(request: pytest.FixtureRequest, captured: dict[str, CapturedStack]) -> CapturedStack:
    """Each stack in turn (tests that take it run once per stack)."""
    return captured[request.param]


def pytest_configure(config: pytest.Config) -> None:
    # The generated AWS SDKs warn about their own deprecated modules when a resource reference is
    # deserialized (they import their module tree); nothing in this program uses those modules.
    for module in ("pulumi_aws", "pulumi_awsx"):
        config.addinivalue_line("filterwarnings", f"ignore::DeprecationWarning:{module}.*")
