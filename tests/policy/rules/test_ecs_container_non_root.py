"""ecs-container-non-root: checks whether every container declares a non-root user (not empty, not
'root', not UID 0 in any form such as '0' or '0:1000')."""

from __future__ import annotations

from fargate_spec.contract import CONTAINER_USER
from testkit import policy_fixtures as f
from tests.policy.rules.cases import Case, awsx, policy_tests, td, windows

ROOT_FIX = f"set user to a non-root UID such as '{CONTAINER_USER}'"


POLICY = "ecs-container-non-root"

PASSING: list[Case] = [
    Case("uid-gid", td(), []),
    Case("named-user", td(user="app"), []),
    Case("awsx-uid", awsx(user="1000"), []),
    Case("windows-has-no-user", windows(cpu="1024", memory="2048"), []),
    Case("allowed-uid", td(), [], {"allowedUids": [1000]}),
]

FAILING: list[Case] = [
    Case(
        "missing",
        td(user=f.DROP),
        [
            "Container 'app' in task definition 'web-task' must declare a non-root user: "
            f"{ROOT_FIX}."
        ],
    ),
    Case(
        "root",
        td(user="root"),
        [
            "Container 'app' in task definition 'web-task' must not run as root "
            f"(user 'root'; it names root): {ROOT_FIX}."
        ],
    ),
    Case("uid-0-group", td(user="0:1000"), ["(user '0:1000'; UID 0 is root)"]),
    Case("padded-zero", td(user=" 00 "), ["UID 0 is root"]),
    Case("empty", td(user=""), ["(user ''; it names no user)"]),
    Case("int", td(user=0), ["must declare user as a string, not 0"]),
    Case("awsx-root", awsx(user="root"), ["Container 'app' in service 'web' must not"]),
    Case(
        "not-allowed-uid",
        td(),
        ["must run as one of the allowed UIDs 2000, not '1000:1000'"],
        {"allowedUids": [2000]},
    ),
    Case(
        "numeric-required",
        td(user="app"),
        ["must name a numeric UID, not user 'app'"],
        {"requireNumericUid": True},
    ),
]


test_passes, test_fails = policy_tests(POLICY, PASSING, FAILING)
