"""ecs-service-health-check-consistency: named passing and failing cases, each the program's prod
stack (captured under Pulumi mocks) with one change."""

from __future__ import annotations

from tests.policy.rules.chain_cases import APP, Failing, Passing, chain_tests, keep
from tests.policy.test_policy_mutations import TARGET_GROUP, edit, health, nested

POLICY = "ecs-service-health-check-consistency"

PASSING: list[Passing] = [
    ("program", keep, {}),
    ("explicit-port", edit(TARGET_GROUP, nested("healthCheck", port="8000")), {}),
    ("grace-equals-start", health(startPeriod=90), {}),
    (
        "admin-port-allowed",
        edit(TARGET_GROUP, nested("healthCheck", port="8080")),
        {"requireSamePort": False},
    ),
    (
        "curl-probe",
        health(command=["CMD-SHELL", "curl -fsS http://localhost:8000/healthz || exit 1"]),
        {},
    ),
    (
        "probe-without-url-allowed",
        health(command=["CMD", "nc", "-z", "127.0.0.1", "8000"]),
        {"allowProbesWithoutUrl": True},
    ),
]

FAILING: list[Failing] = [
    (
        "root-path",
        edit(TARGET_GROUP, nested("healthCheck", path="/")),
        {},
        "Target group 'fastapi-tg' and container 'app' in task definition 'fastapi-task' must "
        "probe the same port and path, not port 8000 path '/' and port 8000 path '/healthz': "
        "set the target group's healthCheck to port 8000 and path '/healthz'.",
    ),
    (
        "other-port",
        edit(TARGET_GROUP, nested("healthCheck", port="8080")),
        {},
        "not port 8080 path '/healthz'",
    ),
    ("start-over-grace", health(startPeriod=120), {}, "at least 120, not 90"),
    (
        "grace-margin",
        keep,
        {"graceMarginSeconds": 100},
        "Service 'fastapi-service' must set healthCheckGracePeriodSeconds to at least 110, not "
        f"90, to cover the startPeriod (10 s) of {APP[0].lower()}{APP[1:]} plus 100 s",
    ),
    # Known but not interpretable: a violation that says how to make it checkable (issue 14).
    (
        "probe-without-url",
        health(command=["CMD", "nc", "-z", "127.0.0.1", "8000"]),
        {},
        f"{APP} must name the URL its health check probes (http://localhost:<port><path>) so it "
        'can be compared with target group \'fastapi-tg\'\'s port and path, not ["CMD", "nc", '
        '"-z", "127.0.0.1", "8000"]: probe the target group\'s path \'/healthz\' by URL, or set '
        "this policy's allowProbesWithoutUrl to accept probes that name none.",
    ),
]


test_passes, test_fails = chain_tests(POLICY, PASSING, FAILING)
