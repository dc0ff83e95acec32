"""The program's prod stack as the policies see it, captured once per session under the mocks."""

from __future__ import annotations

import pytest

from testkit.policy_harness import Resource, from_capture
from tests.support.program_capture import capture_stack


@pytest.fixture(scope="session")
def prod() -> list[Resource]:
    return from_capture(capture_stack("prod"))
