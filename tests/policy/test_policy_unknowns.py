"""The pack's one decision on unknown (preview) values and malformed input, rule by rule.

Unknown: every known value is still checked, and what could not be checked comes back as one
advisory note per policy (the SDK's UnknownValueError path), never as a pass or a violation.
Malformed: one violation from ecs-task-definition-readable, skip notes from the other rules.
"""

from __future__ import annotations

import pytest
from pulumi_policy.proxy import (
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
    unknown_checking_proxy,
)

from fargate_policies.framework import PolicyConfigError, SkippedChecksError
from fargate_policies.readers.containers import UNKNOWN_DEFINITIONS_FIX
from fargate_policies.readers.values import PlainProps, Unknown, plain
from fargate_spec.contract import liveness_probe_command
from testkit import policy_fixtures as f
from testkit.policy_harness import POLICIES, check_all, check_resource

UNKNOWN = UNKNOWN_STRING_VALUE
PROBE = liveness_probe_command()


def test_plain_turns_proxied_unknowns_into_markers_with_their_path() -> None:
    proxied = unknown_checking_proxy(
        {"a": UNKNOWN, "b": [1, UNKNOWN_NUMBER_VALUE], "c": {"d": UNKNOWN_ARRAY_VALUE}}
    )
    with pytest.raises(UnknownValueError):
        proxied["a"]  # what a rule reading the SDK's props directly would hit
    assert plain(proxied) == {
        "a": Unknown("a"),
        "b": [1, Unknown("b.1")],
        "c": {"d": Unknown("c.d")},
    }


def test_plain_props_read_like_plain_and_copy_only_what_is_read() -> None:
    raw = {"a": UNKNOWN, "b": [1, UNKNOWN_NUMBER_VALUE], "c": {"d": UNKNOWN_ARRAY_VALUE}}
    props = PlainProps(unknown_checking_proxy(raw))
    assert props["b"] == [1, Unknown("b.1")]
    assert props.get("missing", "default") == "default"
    assert "a" in props and "missing" not in props
    assert props._read.keys() == {"b"}  # "a" and "c" were never copied
    assert dict(props) == plain(unknown_checking_proxy(raw))
    with pytest.raises(KeyError):
        props["missing"]


def test_skipped_checks_are_the_sdk_unknown_value_error() -> None:
    error = SkippedChecksError(["user of container 'app' is not known until the update runs"])
    assert isinstance(error, UnknownValueError)
    assert error.message == (
        "skipped checks: user of container 'app' is not known until the update runs"
    )


def test_whole_container_definitions_unknown_skip_every_container_rule() -> None:
    task = f.task_definition(containerDefinitions=UNKNOWN)
    results = check_all([task])
    assert {name: o.violations for name, o in results.items() if o.violations} == {}
    # The note says how to make the task checkable in preview (issue 13, item 3).
    expected = (
        "skipped checks: containerDefinitions of task definition 'web-task' is not known "
        f"until the update runs ({UNKNOWN_DEFINITIONS_FIX})"
    )
    assert "an image reference such as " in expected
    for name in (
        "ecs-container-non-root",
        "ecs-container-health-check",
        "ecs-container-single-process",
        "ecs-task-definition-readable",
        "ecs-awsvpc-host-port",
    ):
        assert results[name].skipped == [expected], name


def test_known_values_are_checked_when_others_are_unknown() -> None:
    """awsx inputs keep their structure in preview: one unknown field skips only itself."""
    service = f.awsx_service(c={"image": UNKNOWN, "user": "root", "privileged": UNKNOWN})
    non_root = check_resource("ecs-container-non-root", service)
    assert non_root.violations == [
        "Container 'app' in service 'web' must not run as root (user 'root'; it names root): "
        "set user to a non-root UID such as '1000:1000'."
    ]
    assert non_root.skipped == []
    privileged = check_resource("ecs-container-not-privileged", service)
    assert privileged.violations == []
    assert privileged.skipped == [
        "skipped checks: privileged of container 'app' in service 'web' is not known until the "
        "update runs"
    ]
    process = check_resource("ecs-container-single-process", service)
    assert process.skipped == [
        "skipped checks: image of container 'app' in service 'web' is not known until the "
        "update runs"
    ]


def test_unknown_fields_are_skipped_with_a_reason_by_each_rule() -> None:
    cases = {
        "ecs-container-non-root": f.task_definition([f.container(user=UNKNOWN)]),
        "ecs-container-health-check": f.task_definition(
            [f.container(healthCheck={"command": PROBE, "interval": UNKNOWN})]
        ),
        "ecs-fargate-task-size": f.task_definition(cpu=UNKNOWN),
        "ecs-container-resources-fit-task": f.task_definition(memory=UNKNOWN_NUMBER_VALUE),
        "alb-target-group-health-check": f.target_group(healthCheck=UNKNOWN),
        "ecs-service-health-check-grace-period": f.service(loadBalancers=UNKNOWN_ARRAY_VALUE),
        "ecs-service-no-public-ip": f.service(networkConfiguration={"assignPublicIp": UNKNOWN}),
        "ecs-service-circuit-breaker": f.service(deploymentCircuitBreaker=UNKNOWN),
        "alb-http-redirects-to-https": f.http_listener(defaultActions=UNKNOWN_ARRAY_VALUE),
        "alb-https-tls12": f.https_listener(sslPolicy=UNKNOWN),
        "alb-drop-invalid-headers": f.load_balancer(dropInvalidHeaderFields=UNKNOWN),
        "ecr-repository-scan-on-push": f.repository(imageScanningConfiguration=UNKNOWN),
        "ecr-repository-immutable-tags": f.repository(imageTagMutability=UNKNOWN),
        "ecs-container-read-only-root-fs": f.task_definition(
            [f.container(readonlyRootFilesystem=UNKNOWN)]
        ),
        "ecs-container-awslogs": f.task_definition([f.container(logConfiguration=UNKNOWN)]),
        "ecs-container-no-plaintext-secrets": f.task_definition(
            [f.container(environment=[{"name": "SETTING", "value": UNKNOWN}])]
        ),
        "ecs-awsvpc-host-port": f.task_definition(
            [f.container(portMappings=[{"containerPort": 8000, "hostPort": UNKNOWN_NUMBER_VALUE}])]
        ),
        "ecs-fargate-network-mode": f.task_definition(networkMode=UNKNOWN),
    }
    for name, resource in cases.items():
        outcome = check_resource(name, resource)
        assert outcome.violations == [], (name, outcome)
        assert len(outcome.skipped) == 1, (name, outcome)
        assert "is not known until the update runs" in outcome.skipped[0], (name, outcome)
        assert "'" in outcome.skipped[0], f"{name}: the note must name the resource"


def test_host_ports_are_judged_on_what_is_known() -> None:
    """ecs-awsvpc-host-port: a mapping ECS accepts in any network mode needs no network mode,
    one it refuses in awsvpc waits for an unknown networkMode (or, unset, for an unknown
    requiresCompatibilities: ECS's default mode is bridge on EC2), and an unknown portMappings
    or awsx target group port is skipped with a reason."""
    policy = "ecs-awsvpc-host-port"
    equal = [{"containerPort": 8000, "hostPort": 8000}]
    refused = [{"containerPort": 8080, "hostPort": 80}]
    mode_unknown = f.task_definition([f.container(portMappings=equal)], networkMode=UNKNOWN)
    assert check_resource(policy, mode_unknown).skipped == []
    cases = {
        "networkMode of task definition 'web-task'": f.task_definition(
            [f.container(portMappings=refused)], networkMode=UNKNOWN
        ),
        "requiresCompatibilities of task definition 'web-task' (networkMode is unset)": (
            f.task_definition(
                [f.container(portMappings=refused)],
                networkMode=f.DROP,
                requiresCompatibilities=UNKNOWN_ARRAY_VALUE,
            )
        ),
        "portMappings of container 'app' in task definition 'web-task'": f.task_definition(
            [f.container(portMappings=UNKNOWN_ARRAY_VALUE)]
        ),
        "the ports of port mapping #1 of container 'app' in service 'web'": f.awsx_service(
            c={"portMappings": [{"containerPort": 8080, "targetGroup": {"port": UNKNOWN}}]}
        ),
    }
    for what, resource in cases.items():
        outcome = check_resource(policy, resource)
        assert outcome.violations == [], (what, outcome)
        assert outcome.skipped == [f"skipped checks: {what} is not known until the update runs"], (
            what,
            outcome,
        )


def test_the_network_mode_is_judged_on_what_is_known() -> None:
    """ecs-fargate-network-mode: awsvpc passes whatever the compatibilities; a task known to
    require FARGATE waits for an unknown networkMode, one known not to needs none; another mode
    (or none) waits for unknown requiresCompatibilities, or for an unknown entry when no known
    one is FARGATE. ECS refuses a FARGATE task in any mode but awsvpc
    (fargate_spec.network_mode)."""
    policy = "ecs-fargate-network-mode"
    td = f.task_definition
    decided = [
        (td(requiresCompatibilities=UNKNOWN_ARRAY_VALUE), 0),  # awsvpc: accepted anyway
        (td(requiresCompatibilities=["EC2"], networkMode=UNKNOWN), 0),  # no FARGATE: any mode
        (td(requiresCompatibilities=["FARGATE", UNKNOWN], networkMode="host"), 1),
    ]
    for resource, violations in decided:
        outcome = check_resource(policy, resource)
        assert (len(outcome.violations), outcome.skipped) == (violations, []), outcome
    compatibilities = "requiresCompatibilities of task definition 'web-task'"
    waiting = [
        ("networkMode of task definition 'web-task'", td(networkMode=UNKNOWN)),
        (compatibilities, td(networkMode=f.DROP, requiresCompatibilities=UNKNOWN_ARRAY_VALUE)),
        (compatibilities, td(requiresCompatibilities=["EC2", UNKNOWN], networkMode="host")),
    ]
    for what, resource in waiting:
        outcome = check_resource(policy, resource)
        assert outcome.violations == [], (what, outcome)
        assert outcome.skipped == [f"skipped checks: {what} is not known until the update runs"]


def test_a_secret_named_variable_is_a_violation_even_with_an_unknown_value() -> None:
    task = f.task_definition([f.container(environment=[{"name": "DB_PASSWORD", "value": UNKNOWN}])])
    outcome = check_resource("ecs-container-no-plaintext-secrets", task)
    assert len(outcome.violations) == 1 and "DB_PASSWORD" in outcome.violations[0]


def test_malformed_definitions_are_one_violation_and_skip_notes_elsewhere() -> None:
    task = f.task_definition(containerDefinitions="{not json")
    results = check_all([task])
    violating = {name: o.violations for name, o in results.items() if o.violations}
    assert list(violating) == ["ecs-task-definition-readable"]
    note = (
        "skipped checks: containerDefinitions of task definition 'web-task' is malformed "
        "(see ecs-task-definition-readable)"
    )
    assert results["ecs-container-non-root"].skipped == [note]
    assert results["ecs-container-health-check"].skipped == [note]


def test_one_bad_container_does_not_hide_the_good_ones() -> None:
    task = f.task_definition([f.container(user="root"), "garbage"])
    assert check_resource("ecs-task-definition-readable", task).violations == [
        "Task definition 'web-task' must make container definition #2 a JSON object, not 'garbage'."
    ]
    non_root = check_resource("ecs-container-non-root", task)
    assert len(non_root.violations) == 1 and "must not run as root" in non_root.violations[0]
    assert non_root.skipped == [
        "skipped checks: container definition #2 of task definition 'web-task' is malformed "
        "(see ecs-task-definition-readable)"
    ]


def test_sentinels_inside_the_json_string_are_unknown_too() -> None:
    task = f.task_definition([f.container(user=UNKNOWN)])
    outcome = check_resource("ecs-container-non-root", task)
    assert outcome.violations == [] and len(outcome.skipped) == 1


def test_bad_knob_values_fail_with_the_key_and_what_is_valid() -> None:
    policy = POLICIES["ecs-service-health-check-grace-period"]
    with pytest.raises(PolicyConfigError) as raised:
        check_resource(policy.name, f.service(), {"minimumGracePeriodSeconds": "thirty"})
    assert str(raised.value) == (
        "policy 'ecs-service-health-check-grace-period' config 'minimumGracePeriodSeconds' "
        "must be an integer, not 'thirty'"
    )
    with pytest.raises(PolicyConfigError, match="must be an array of integer values, not 1000"):
        check_resource("ecs-container-non-root", f.task_definition(), {"allowedUids": 1000})
    with pytest.raises(PolicyConfigError, match="must be at least 1, not 0"):
        check_resource(policy.name, f.service(), {"minimumGracePeriodSeconds": 0})


def test_enforcement_level_in_config_is_not_a_knob() -> None:
    outcome = check_resource(
        "ecs-container-non-root", f.task_definition(), {"enforcementLevel": "mandatory"}
    )
    assert outcome.violations == [] and outcome.skipped == []
