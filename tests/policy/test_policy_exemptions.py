"""Exemptions: tags with a reason and an expiry. Active, expired, malformed and misnamed ones,
each asserted on the exempted policy and on the two policies that judge exemptions."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from fargate_policies import exemptions
from tests.policy import fixtures as f
from tests.policy.harness import Resource, check_resource, check_stack

TODAY = date(2026, 3, 1)
NON_ROOT = "ecs-container-non-root"
VALID = "policy-exemption-valid"
ACTIVE = "policy-exemption-active"
TAG = f"policy-exemption:{NON_ROOT}"
ROOT_VIOLATION = (
    "Container 'app' in task definition 'web-task' must not run as root (user 'root'; it names "
    "root): set user to a non-root UID such as '1000:1000'."
)


@pytest.fixture(autouse=True)
def pinned_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exemptions, "today", lambda: TODAY)


def root_task(tags: dict[str, Any]) -> Resource:
    return f.task_definition([f.container(user="root")], tags=tags)


def test_an_active_exemption_turns_the_violation_into_an_advisory_note() -> None:
    task = root_task({TAG: "2026-03-31 vendor image runs as root OPS-1234"})
    assert check_resource(NON_ROOT, task).violations == []
    assert check_stack(VALID, [task]).violations == []
    notes = check_stack(ACTIVE, [task])
    assert notes.violations == [
        "Task definition 'web-task' is exempt from ecs-container-non-root until 2026-03-31 "
        f"(vendor image runs as root OPS-1234); advisory until then: {ROOT_VIOLATION}"
    ]
    assert notes.urns == [task.urn]


def test_the_last_day_is_still_exempt() -> None:
    task = root_task({TAG: f"{TODAY.isoformat()} vendor image"})
    assert check_resource(NON_ROOT, task).violations == []


def test_an_expired_exemption_excuses_nothing_and_is_itself_a_violation() -> None:
    task = root_task({TAG: "2026-02-28 vendor image"})
    assert check_resource(NON_ROOT, task).violations == [ROOT_VIOLATION]
    assert check_stack(VALID, [task]).violations == [
        f"Tag '{TAG}' on task definition 'web-task' must be renewed or removed: it expired on "
        "2026-02-28, so ecs-container-non-root applies again; fix the violation, or set a new "
        "date and reason."
    ]
    assert check_stack(ACTIVE, [task]).violations == []


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("soon vendor image", "'soon' is not a date YYYY-MM-DD (value 'soon vendor image')"),
        ("2026-02-30 vendor image", "'2026-02-30' is not a date YYYY-MM-DD"),
        ("2026-03-20", "it gives no reason after the date (value '2026-03-20')"),
        ("", "it is empty (value '')"),
    ],
)
def test_a_malformed_exemption_excuses_nothing_and_is_itself_a_violation(
    value: str, problem: str
) -> None:
    task = root_task({TAG: value})
    assert check_resource(NON_ROOT, task).violations == [ROOT_VIOLATION]
    violations = check_stack(VALID, [task]).violations
    assert len(violations) == 1
    assert violations[0].startswith(
        f"Tag '{TAG}' on task definition 'web-task' must have a value of the form "
        "'YYYY-MM-DD <reason>', but "
    )
    assert problem in violations[0]


def test_an_exemption_naming_no_policy_excuses_nothing_and_says_which_was_meant() -> None:
    task = root_task({"policy-exemption:ecs-container-nonroot": "2026-03-31 vendor image"})
    assert check_resource(NON_ROOT, task).violations == [ROOT_VIOLATION]
    assert check_stack(VALID, [task]).violations == [
        "Tag 'policy-exemption:ecs-container-nonroot' on task definition 'web-task' must name a "
        "policy of the pack, but 'ecs-container-nonroot' names none: use "
        "'ecs-container-non-root'."
    ]
    assert check_stack(ACTIVE, [task]).violations == []


def test_the_exemption_policies_cannot_be_exempted() -> None:
    task = root_task({f"policy-exemption:{VALID}": "2026-03-31 no checks please"})
    assert "names none" in check_stack(VALID, [task]).violations[0]


def test_the_platform_limits_length_and_exemptible_policies() -> None:
    long_one = root_task({TAG: "2026-12-31 vendor image"})
    assert check_stack(VALID, [long_one]).violations == [
        f"Tag '{TAG}' on task definition 'web-task' must expire by 2026-05-30 (90 days from "
        "today), not on 2026-12-31."
    ]
    assert check_stack(VALID, [long_one], {"maxDays": 365}).violations == []
    short = root_task({TAG: "2026-03-10 vendor image"})
    assert check_stack(VALID, [short], {"nonExemptiblePolicies": [NON_ROOT]}).violations == [
        f"Tag '{TAG}' on task definition 'web-task' must not exempt anything from "
        "ecs-container-non-root: the platform allows no exemption."
    ]


def test_a_stack_policy_violation_is_exempted_by_the_tag_on_the_resource_it_names() -> None:
    resources = f.stack(task_ingress=[{"cidrBlocks": ["0.0.0.0/0"]}])
    group = next(r for r in resources if r.name == "task-sg")
    tags = {"policy-exemption:ecs-service-ingress-from-alb-only": "2026-03-15 load test INC-9"}
    exempted = [
        Resource(r.type, r.name, {**r.inputs, "tags": tags}, {**(r.outputs or {}), "tags": tags})
        if r is group
        else r
        for r in resources
    ]
    assert check_stack("ecs-service-ingress-from-alb-only", resources).violations
    assert check_stack("ecs-service-ingress-from-alb-only", exempted).violations == []
    notes = check_stack(ACTIVE, exempted).violations
    assert len(notes) == 1
    assert notes[0].startswith(
        "Security group 'task-sg' is exempt from ecs-service-ingress-from-alb-only until "
        "2026-03-15 (load test INC-9); advisory until then: Inline ingress #1"
    )


def test_an_exemption_that_excuses_nothing_is_still_noted() -> None:
    task = f.task_definition(tags={TAG: "2026-03-31 vendor image"})
    assert check_stack(ACTIVE, [task]).violations == [
        "Task definition 'web-task' is exempt from ecs-container-non-root until 2026-03-31 "
        "(vendor image); advisory until then: its violations of ecs-container-non-root must be "
        "fixed by then."
    ]


def test_unknown_tags_are_a_skipped_check() -> None:
    task = root_task({TAG: UNKNOWN_STRING_VALUE})
    outcome = check_stack(VALID, [task])
    assert outcome.violations == []
    assert outcome.skipped == [
        "skipped checks: tags of task definition 'web-task' is not known until the update runs"
    ]
    assert check_resource(NON_ROOT, task).violations == [ROOT_VIOLATION]
