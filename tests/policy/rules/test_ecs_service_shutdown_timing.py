"""ecs-service-shutdown-timing: named passing and failing cases, each the program's prod stack
(captured under Pulumi mocks) with one change."""

from __future__ import annotations

from tests.policy.rules.chain_cases import APP, Failing, Passing, chain_tests, keep, without_env
from tests.policy.test_policy_mutations import (
    LOAD_BALANCER,
    TARGET_GROUP,
    container,
    container_env,
    edit,
    props,
)

POLICY = "ecs-service-shutdown-timing"

PASSING: list[Passing] = [
    ("program", keep, {}),
    ("longest-stop-timeout", container(stopTimeout=120), {}),
    (
        "keep-alive-unset",
        lambda r: edit(LOAD_BALANCER, props(idleTimeout=4000))(
            without_env("UVICORN_TIMEOUT_KEEP_ALIVE")(r)
        ),
        {},
    ),
    (
        "drain-not-checked",
        edit(TARGET_GROUP, props(deregistrationDelay=120)),
        {"checkDeregistrationDelay": False},
    ),
]

FAILING: list[Failing] = [
    (
        "graceful-not-seconds",
        container_env(("UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN", "20s")),
        {},
        f"{APP} must set UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN to whole seconds, not '20s': uvicorn "
        "reads it as an integer and refuses to start otherwise.",
    ),
    (
        "stop-timeout-not-seconds",
        container(stopTimeout="1m"),
        {},
        f"{APP} must set stopTimeout to whole seconds from 2 to 120, not '1m': ECS refuses "
        "anything else.",
    ),
    (
        "drain",
        edit(TARGET_GROUP, props(deregistrationDelay=120)),
        {},
        "Target group 'fastapi-tg' must drain within the stopTimeout of container 'app' in task "
        "definition 'fastapi-task' (60 s), not in 120 s: lower deregistrationDelay to 60 or raise "
        "stopTimeout (at most 120 on Fargate).",
    ),
    (
        "graceful-env",
        container_env(("UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN", "90")),
        {},
        f"{APP} must end its graceful shutdown (UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN 90 s) before "
        "SIGKILL at its stopTimeout of 60 s",
    ),
    (
        "graceful-flag",
        container(command=["uvicorn", "app.main:app", "--timeout-graceful-shutdown", "60"]),
        {},
        "(--timeout-graceful-shutdown 60 s)",
    ),
    (
        "idle",
        edit(LOAD_BALANCER, props(idleTimeout=120)),
        {},
        f"{APP} must keep idle connections open longer than load balancer 'fastapi-alb' (120 s), "
        "not 75 s (UVICORN_TIMEOUT_KEEP_ALIVE): raise UVICORN_TIMEOUT_KEEP_ALIVE or lower the "
        "idleTimeout, or clients see 502s.",
    ),
    (
        "margin",
        keep,
        {"marginSeconds": 15},
        ("(UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN 45 s)", "not 75 s (UVICORN_TIMEOUT_KEEP_ALIVE)"),
    ),
]


test_passes, test_fails = chain_tests(POLICY, PASSING, FAILING)
