"""Fixtures of the policy tests: the program's prod stack as the policies see it (captured once
per session under the mocks), and the pack's clock stopped on the exemption tests' day."""

from __future__ import annotations

import pytest

from fargate_policies.readers import exemptions
from testkit.policy_harness import Resource, from_capture
from testkit.program_capture import capture_stack
from tests.policy.exemption_cases import TODAY


@pytest.fixture(scope="session")
def prod() -> list[Resource]:
    return from_capture(capture_stack("prod"))


@pytest.fixture
def pinned_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pack's clock (readers/exemptions.today) stopped at TODAY."""
    monkeypatch.setattr(exemptions, "today", lambda: TODAY)
