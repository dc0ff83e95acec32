"""ecs-container-read-only-root-fs: checks whether every container mounts its root filesystem read-
only."""

from __future__ import annotations

from testkit import policy_fixtures as f
from tests.policy.rules.cases import Case, awsx, policy_tests, td

POLICY = "ecs-container-read-only-root-fs"

PASSING: list[Case] = [
    Case("true", td(), []),
    Case("awsx", awsx(), []),
    Case("exempt", td(readonlyRootFilesystem=False), [], {"exemptContainerNames": ["app"]}),
]

FAILING: list[Case] = [
    Case(
        "missing",
        td(readonlyRootFilesystem=f.DROP),
        [
            "Container 'app' in task definition 'web-task' must set readonlyRootFilesystem to "
            "true, not unset, and mount a volume at /tmp for anything the app writes."
        ],
    ),
    Case("false", td(readonlyRootFilesystem=False), ["to true, not false"]),
    Case(
        "string",
        awsx(readonlyRootFilesystem="true"),
        ["in service 'web' must set readonlyRootFilesystem to true, not 'true'"],
    ),
]


test_passes, test_fails = policy_tests(POLICY, PASSING, FAILING)
