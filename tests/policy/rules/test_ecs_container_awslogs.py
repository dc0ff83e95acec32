"""ecs-container-awslogs: checks whether every container sends its logs to CloudWatch (the awslogs
driver with group, region and stream prefix) or another allowed log driver."""

from __future__ import annotations

from testkit import policy_fixtures as f
from tests.policy.rules.cases import Case, awsx, policy_tests, td

POLICY = "ecs-container-awslogs"

PASSING: list[Case] = [
    Case("awslogs", td(), []),
    Case("awsx-default", awsx(), []),
    Case(
        "firelens-allowed",
        td(logConfiguration={"logDriver": "awsfirelens"}),
        [],
        {"allowedLogDrivers": ["awslogs", "awsfirelens"]},
    ),
]

FAILING: list[Case] = [
    Case(
        "missing",
        td(logConfiguration=f.DROP),
        [
            "Container 'app' in task definition 'web-task' must configure logs: set "
            "logConfiguration to {logDriver: 'awslogs', options: {awslogs-group, awslogs-region, "
            "awslogs-stream-prefix}}."
        ],
    ),
    Case(
        "json-file",
        td(logConfiguration={"logDriver": "json-file"}),
        ["one of the log drivers awslogs, not 'json-file'"],
    ),
    Case(
        "options",
        td(logConfiguration={"logDriver": "awslogs", "options": {"awslogs-group": "g"}}),
        ["must set the awslogs options awslogs-region, awslogs-stream-prefix"],
    ),
    Case(
        "awsx-skip-log-group",
        f.awsx_service(task={"logGroup": {"skip": True}}),
        ["Container 'app' in service 'web' must configure logs"],
    ),
]


test_passes, test_fails = policy_tests(POLICY, PASSING, FAILING)
