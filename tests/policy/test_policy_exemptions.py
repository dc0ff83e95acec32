"""Exemptions: tags with a reason and an expiry. Active, expired, malformed and misnamed ones,
each asserted on the exempted policy and on the two policies that judge exemptions."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from testkit import policy_fixtures as f
from testkit.policy_harness import Resource, check_all, check_resource, check_stack
from tests.policy.exemption_cases import (
    NON_ROOT,
    ROOT_VIOLATION,
    TAG,
    TODAY,
    root_task,
)

VALID = "policy-exemption-valid"
ACTIVE = "policy-exemption-active"
pytestmark = pytest.mark.usefixtures("pinned_clock")


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
    assert check_resource(NON_ROOT, task).violations == [
        f"{ROOT_VIOLATION} Tag '{TAG}' excuses nothing: it expired on 2026-02-28."
    ]
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
    assert check_resource(NON_ROOT, task).violations == [
        f"{ROOT_VIOLATION} Tag '{TAG}' excuses nothing: its value is not of the form "
        f"'YYYY-MM-DD <reason>': {problem.split(' (value', maxsplit=1)[0]}."
    ]
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


def test_each_policy_limits_its_own_exemptions() -> None:
    long_one = root_task({TAG: "2026-12-31 vendor image"})
    assert check_stack(VALID, [long_one]).violations == [
        f"Tag '{TAG}' on task definition 'web-task' must expire by 2026-05-30 (90 days from "
        "today, ecs-container-non-root's maxExemptionDays), not on 2026-12-31."
    ]
    assert check_resource(NON_ROOT, long_one).violations == [
        f"{ROOT_VIOLATION} Tag '{TAG}' excuses nothing: it runs until 2026-12-31, past "
        "2026-05-30 (90 days from today, this policy's maxExemptionDays)."
    ]
    assert check_resource(NON_ROOT, long_one, {"maxExemptionDays": 365}).violations == []
    short = root_task({TAG: "2026-03-10 vendor image"})
    assert check_resource(NON_ROOT, short).violations == []
    assert check_resource(NON_ROOT, short, {"exemptible": False}).violations == [
        f"{ROOT_VIOLATION} Tag '{TAG}' excuses nothing: ecs-container-non-root allows no "
        "exemption (exemptible: false)."
    ]
    assert check_resource(NON_ROOT, short, {"maxExemptionDays": 5}).violations == [
        f"{ROOT_VIOLATION} Tag '{TAG}' excuses nothing: it runs until 2026-03-10, past "
        "2026-03-06 (5 days from today, this policy's maxExemptionDays)."
    ]


INVALID_EXEMPTIONS = [
    ("malformed", "soon vendor image", {}),
    ("expired", "2026-02-28 vendor image", {}),
    ("too-long", "2026-12-31 vendor image", {}),
    ("too-long-for-prod", "2026-04-15 vendor image", {"maxExemptionDays": 30}),
    ("not-exemptible", "2026-03-10 vendor image", {"exemptible": False}),
]


@pytest.mark.parametrize("level", ["mandatory", "advisory", "disabled"])
@pytest.mark.parametrize(
    ("kind", "value", "limits"), INVALID_EXEMPTIONS, ids=[k for k, _, _ in INVALID_EXEMPTIONS]
)
def test_an_invalid_exemption_excuses_nothing_whatever_level_the_validity_policy_runs_at(
    level: str, kind: str, value: str, limits: dict[str, Any]
) -> None:
    """Before issue 14 only policy-exemption-valid applied maxDays and nonExemptiblePolicies, so
    a config that made it advisory or disabled let a too-long or forbidden exemption excuse a
    mandatory violation. Now the mechanism applies each policy's own limits."""
    task = root_task({TAG: value})
    document = {VALID: level, NON_ROOT: {"enforcementLevel": "mandatory", **limits}}
    results = check_all([task], document)
    violations = results[NON_ROOT].violations
    assert len(violations) == 1, (kind, violations)
    assert violations[0].startswith(ROOT_VIOLATION)
    assert f"Tag '{TAG}' excuses nothing: " in violations[0]
    if not limits:  # policy-exemption-active sees each policy's default limits only
        assert results[ACTIVE].violations == [], "a refused exemption is not noted as active"


def test_a_valid_exemption_still_excuses_when_the_validity_policy_is_disabled() -> None:
    task = root_task({TAG: "2026-03-20 vendor image"})
    results = check_all([task], {VALID: "disabled"})
    assert results[NON_ROOT].violations == []
    assert len(results[ACTIVE].violations) == 1


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
