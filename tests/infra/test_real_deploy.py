"""What a real `pulumi up` on AWS would trip on, held under Pulumi's mocks (no AWS): capacity
provider changes, names AWS refuses, documentation placeholders, DNS, a rolled-back deployment
and the deployment alarms. Each test names the provider source or AWS document it rests on.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from pulumi.runtime import mocks

from infra import names
from testkit.deployable import deployable
from testkit.program_capture import CapturedStack, FakeAws, capture_stack
from tests.infra.conftest import STACKS

SERVICE = "aws:ecs/service:Service"
TASK_DEF = "aws:ecs/taskDefinition:TaskDefinition"
ALB = "aws:lb/loadBalancer:LoadBalancer"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
DNS_RECORD = "aws:route53/record:Record"
DOMAIN = {"domainName": "api.shop-42.net", "hostedZoneId": "Z0123456789ABCDEFGHIJ"}
GUARDED = ("staging", "prod")


# --- 1. capacity-provider changes ---------------------------------------------------------------


def test_the_service_forces_a_new_deployment_so_spot_share_changes_apply_under_pulumi_mocks(
    stack: CapturedStack,
) -> None:
    """pulumi-aws 7.51.1 `aws.ecs.Service` (pulumi_aws/ecs/service.py,
    capacity_provider_strategies): "Updating this argument requires
    `force_new_deployment = true`". terraform-provider-aws internal/service/ecs/service.go,
    `capacityProviderStrategyCustomizeDiff`, fails the plan of an existing service whose
    strategy changes without it ("force_new_deployment should be true when
    capacity_provider_strategy is being updated", hashicorp/terraform-provider-aws#43533);
    `resourceServiceUpdate` only adds ForceNewDeployment to an UpdateService the update makes
    anyway. The stacks' strategies differ (spotPercent 100/50/0), so every stack sets it."""
    service = stack.one(SERVICE).inputs
    assert service["forceNewDeployment"] is True
    assert service["capacityProviderStrategies"], "the strategy is the service's own"


def test_changing_the_spot_share_changes_only_the_strategy_under_pulumi_mocks() -> None:
    """The same service (same URN: an update, not a replacement) with another strategy."""
    half = capture_stack("prod", {"spotPercent": 50})
    none = capture_stack("prod")
    assert half.one(SERVICE).urn == none.one(SERVICE).urn
    assert half.one(SERVICE).inputs["forceNewDeployment"] is True
    strategies = {
        s["capacityProvider"]: s["weight"]
        for s in half.one(SERVICE).inputs["capacityProviderStrategies"]
    }
    assert strategies == {"FARGATE": 1, "FARGATE_SPOT": 1}


# --- 5. names AWS refuses ------------------------------------------------------------------------


def test_the_longest_accepted_service_name_fits_every_aws_name_under_pulumi_mocks() -> None:
    """ELB CreateLoadBalancer/CreateTargetGroup: names of at most 32 letters, digits and hyphens
    (terraform-provider-aws elbv2 `validName`); pulumi-aws autonames them
    `<logical>-<7 random hex>` and refuses longer ones (pulumi sdk `resource.NewUniqueHex`:
    "name '...' plus 7 random chars is longer than maximum length 32"). The mock names resources
    the same way, so the registered names are the lengths AWS would see."""
    longest = "p" * names.longest_service_name()
    assert len(longest) == 20
    stack = capture_stack("dev", {"serviceName": longest})
    assert stack.error is None
    for token in (ALB, TARGET_GROUP):
        (resource,) = stack.of_type(token)
        assert resource.name == f"{longest}-{'alb' if token == ALB else 'tg'}"
        assert len(resource.outputs["name"]) <= 32, resource.outputs["name"]
    assert len(f"{longest}-alb-") + 7 == 32  # the ALB's autoname is exactly at the limit
    refused = capture_stack("dev", {"serviceName": longest + "p"})
    assert refused.error is not None and refused.resources == ()


def test_pulumi_yaml_states_the_derived_service_name_limit() -> None:
    project = yaml.safe_load((Path(__file__).resolve().parents[2] / "Pulumi.yaml").read_text())
    description = project["config"]["serviceName"]["description"]
    assert f"2-{names.longest_service_name()} of a-z" in description


def test_components_name_children_from_the_suffixes_validation_counts_under_pulumi_mocks(
    captured: dict[str, CapturedStack],
) -> None:
    stack = captured["prod"]
    assert stack.one(ALB).name == names.child("fastapi", names.ALB)
    assert stack.one(TARGET_GROUP).name == names.child("fastapi", names.TARGET_GROUP)
    assert {r.name for r in stack.of_type(SECURITY_GROUP)} == {
        names.child("fastapi", names.ALB_SECURITY_GROUP),
        names.child("fastapi", names.TASK_SECURITY_GROUP),
    }


# --- 6. placeholders never reach AWS -------------------------------------------------------------

PLACEHOLDER_KEYS = {
    "dev": [],
    "staging": ["certificateArn", "appSecrets", "ingressCidrs"],
    "prod": ["certificateArn", "appSecrets"],
}


def warned_keys(stack: CapturedStack) -> list[str]:
    return [
        re.match(r"fastapi-fargate:(\w+) ", message)[1]
        for severity, message in stack.logs
        if severity == "WARNING" and "`pulumi up` refuses it" in message
    ]


@pytest.mark.parametrize("name", STACKS)
def test_a_preview_keeps_the_placeholders_and_warns_once_per_key_under_pulumi_mocks(
    name: str,
) -> None:
    """The stack files ship AWS's documentation account 123456789012 and RFC 5737's
    203.0.113.0/24; the offline rehearsal previews them as they are."""
    preview = capture_stack(name)
    assert preview.error is None
    assert preview.resources
    assert warned_keys(preview) == PLACEHOLDER_KEYS[name]


@pytest.mark.parametrize("name", STACKS)
def test_an_up_refuses_the_placeholders_before_registering_anything_under_pulumi_mocks(
    name: str,
) -> None:
    """`pulumi.runtime.is_dry_run()` is False in a real update: the program stops before its
    first resource, with one line per key saying what to put there."""
    up = capture_stack(name, preview=False)
    if not PLACEHOLDER_KEYS[name]:
        assert up.error is None
        return
    assert isinstance(up.error, pulumi.RunError)
    assert up.resources == ()
    message = str(up.error)
    count = len(PLACEHOLDER_KEYS[name])
    assert message.startswith(f"stack '{name}' has {count} placeholder config value")
    lines = [line for line in message.splitlines() if line.startswith("  - ")]
    assert [line.split()[1].split(":")[1] for line in lines] == PLACEHOLDER_KEYS[name]
    assert "Traceback" not in message
    replaced = capture_stack(name, deployable(name), preview=False)
    assert replaced.error is None and replaced.resources


# --- 7. DNS --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", STACKS)
def test_a_domain_gets_a_route53_alias_to_the_alb_and_becomes_the_url_under_pulumi_mocks(
    name: str,
) -> None:
    """pulumi-aws `aws.lb.LoadBalancer.zone_id`: "Canonical hosted zone ID of the load balancer
    (to be used in a Route 53 Alias record)"; `aws.route53.RecordAliasArgs` takes the target's
    name and zone_id (pulumi_aws/route53/_inputs.py)."""
    stack = capture_stack(name, DOMAIN)
    assert stack.error is None
    record = stack.one(DNS_RECORD).inputs
    alb = stack.one(ALB).outputs
    assert record["zoneId"] == DOMAIN["hostedZoneId"]
    assert record["name"] == DOMAIN["domainName"]
    assert record["type"] == "A"
    assert record["aliases"] == [
        {"name": alb["dnsName"], "zoneId": alb["zoneId"], "evaluateTargetHealth": True}
    ]
    scheme = "http" if name == "dev" else "https"
    assert stack.outputs["url"] == f"{scheme}://{DOMAIN['domainName']}"
    assert not any("url is the load balancer's DNS name" in m for _, m in stack.logs)


def test_without_a_domain_the_url_is_the_alb_and_https_stacks_say_so_under_pulumi_mocks(
    captured: dict[str, CapturedStack],
) -> None:
    for name, stack in captured.items():
        assert stack.of_type(DNS_RECORD) == []
        scheme = "http" if name == "dev" else "https"
        assert stack.outputs["url"] == f"{scheme}://{stack.outputs['albDnsName']}"
        warned = any("certificate does not cover" in message for _, message in stack.logs)
        assert warned == (name != "dev"), name


# --- 8. a failed rollout fails `pulumi up` -------------------------------------------------------


class RolledBackAws(FakeAws):
    """AWS as it answers after ECS rolled a deployment back: this update registered revision 42,
    and the service, read back after the steady-state wait, runs revision 41."""

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        resource_id, outputs = super().new_resource(args)
        if args.typ == TASK_DEF:
            outputs = {**outputs, "arn": re.sub(r":\d+$", ":42", outputs["arn"]), "revision": 42}
        if args.typ == SERVICE:
            back = re.sub(r":\d+$", ":41", args.inputs["taskDefinition"])
            outputs = {**outputs, "taskDefinition": back}
        return resource_id, outputs


def test_staging_and_prod_wait_for_steady_state_and_dev_does_not_under_pulumi_mocks(
    stack: CapturedStack,
) -> None:
    """pulumi-aws `wait_for_steady_state`: the provider waits like `aws ecs wait services-stable`
    (terraform-provider-aws service.go `waitServiceStable`, called by resourceServiceUpdate before
    resourceServiceRead)."""
    assert stack.one(SERVICE).inputs["waitForSteadyState"] is (stack.stack in GUARDED)


@pytest.mark.parametrize("name", GUARDED)
def test_an_up_whose_deployment_was_rolled_back_fails_naming_the_revision_under_pulumi_mocks(
    name: str,
) -> None:
    """A circuit-breaker rollback also ends in a steady state, reported as success
    (hashicorp/terraform-provider-aws#20858). After the wait the provider reads the service back
    (service.go resourceServiceRead: `d.Set("task_definition", service.TaskDefinition)`, the
    ARN form when the input was an ARN), so a service output that differs from the task
    definition this update registered means ECS went back to the earlier revision
    (aws-actions/amazon-ecs-deploy-task-definition#860 compares the same way). The read-back is
    mocked: RolledBackAws answers revision 41 for an update that registered 42."""
    up = capture_stack(name, deployable(name), preview=False, fake=RolledBackAws("eu-west-1"))
    assert isinstance(up.error, pulumi.RunError)
    message = str(up.error)
    assert f"runs task definition fastapi-{name}:41, not fastapi-{name}:42" in message
    assert f"ECS rolled it back to fastapi-{name}:41" in message
    assert "Traceback" not in message


@pytest.mark.parametrize("name", GUARDED)
def test_an_up_whose_service_runs_the_new_revision_succeeds_under_pulumi_mocks(name: str) -> None:
    up = capture_stack(name, deployable(name), preview=False)
    assert up.error is None
    assert up.outputs["taskDefinitionArn"] == up.one(TASK_DEF).outputs["arn"]


def test_a_preview_and_dev_do_not_judge_the_rollout_under_pulumi_mocks() -> None:
    """A preview only plans (outputs of a changed service are unknown there); dev does not wait
    for steady state, so its read-back says nothing about the outcome."""
    preview = capture_stack("prod", fake=RolledBackAws("eu-west-1"))
    assert preview.error is None
    dev = capture_stack("dev", preview=False, fake=RolledBackAws("eu-west-1"))
    assert dev.error is None
    assert dev.outputs["taskDefinitionArn"].endswith("fastapi-dev:41")


# --- 9. deployment alarms ------------------------------------------------------------------------


def alarms(stack: CapturedStack) -> dict[str, dict[str, Any]]:
    return {r.inputs["metricName"]: dict(r.inputs) for r in stack.of_type(METRIC_ALARM)}


def test_staging_and_prod_roll_back_on_target_5xx_and_unhealthy_hosts_under_pulumi_mocks(
    stack: CapturedStack,
) -> None:
    """ECS API DeploymentAlarms: "When the alarms are generated, Amazon ECS sets the service
    deployment to failed" and with rollback "the service is rolled back to the last deployment
    that completed successfully" (pulumi-aws `ServiceAlarmsArgs`: alarm_names, enable, rollback).
    The metrics are the target group's in AWS/ApplicationELB, HTTPCode_Target_5XX_Count (Sum) and
    UnHealthyHostCount (Maximum), with the LoadBalancer and TargetGroup dimensions (ELB guide,
    "CloudWatch metrics for your Application Load Balancer", which also says no requests means
    no datapoints: hence notBreaching). AWS Copilot's rollback alarms are the anchor; the AWS
    CDK's ECS deployment-alarm example watches the same two metrics (unhealthy hosts >= 1 for
    2 periods, 5xx per minute)."""
    service = stack.one(SERVICE).inputs
    if stack.stack not in GUARDED:
        assert stack.of_type(METRIC_ALARM) == []
        assert "alarms" not in service
        return
    found = alarms(stack)
    dimensions = {
        "LoadBalancer": stack.one(ALB).outputs["arnSuffix"],
        "TargetGroup": stack.one(TARGET_GROUP).outputs["arnSuffix"],
    }
    expected = {"HTTPCode_Target_5XX_Count": ("Sum", 10), "UnHealthyHostCount": ("Maximum", 1)}
    assert set(found) == set(expected)
    for metric, (statistic, threshold) in expected.items():
        alarm = found[metric]
        assert alarm["namespace"] == "AWS/ApplicationELB"
        assert alarm["statistic"] == statistic
        assert alarm["threshold"] == threshold
        assert alarm["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert alarm["dimensions"] == dimensions
        assert (alarm["period"], alarm["evaluationPeriods"]) == (60, 2)
        assert alarm["treatMissingData"] == "notBreaching"
    assert service["alarms"] == {
        "alarmNames": [r.outputs["name"] for r in stack.of_type(METRIC_ALARM)],
        "enable": True,
        "rollback": True,
    }
    assert service["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}


def test_alarm_thresholds_are_stack_config_under_pulumi_mocks() -> None:
    stack = capture_stack(
        "prod",
        {
            "rollbackAlarmTarget5xx": 25,
            "rollbackAlarmUnhealthyTargets": 2,
            "rollbackAlarmMinutes": 3,
        },
    )
    assert stack.error is None
    found = alarms(stack)
    assert found["HTTPCode_Target_5XX_Count"]["threshold"] == 25
    assert found["UnHealthyHostCount"]["threshold"] == 2
    assert {alarm["evaluationPeriods"] for alarm in found.values()} == {3}
