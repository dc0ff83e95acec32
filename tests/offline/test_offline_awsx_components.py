"""The awsx stand-ins' own refusals, word for word as awsx 3.11.0 throws them (pulumi-awsx
awsx/ecs/fargateService.ts, fargateTaskDefinition.ts / containers.ts, lb/applicationLoadBalancer.ts,
ecr/repository.ts), raised before anything is registered; and a component the stand-in does not
reproduce fails naming itself. The default-VPC case runs the construct under Pulumi's mocks, whose
invokes the stand-in's own data sources answer (the engine is the only thing mocked)."""

from __future__ import annotations

import pulumi
import pytest

from offline.standins import awsx_ecr, awsx_ecs, awsx_lb, invokes
from offline.standins.awsx_provider import AwsxStandin

CONTAINER = {"image": "nginx:1.27"}


@pytest.mark.parametrize(
    ("construct", "inputs", "key", "message"),
    [
        (
            awsx_ecs.construct_service,
            {"taskDefinition": "arn:td", "taskDefinitionArgs": {"container": CONTAINER}},
            "taskDefinitionArgs",
            "Only one of `taskDefinition` or `taskDefinitionArgs` can be provided.",
        ),
        (
            awsx_ecs.construct_service,
            {"taskDefinition": "arn:td", "networkConfiguration": {}, "assignPublicIp": True},
            "assignPublicIp",
            "Only one of `networkConfiguration` or `assignPublicIp` can be provided.",
        ),
        (
            awsx_ecs.construct_service,
            {"networkConfiguration": {}},
            "taskDefinitionArgs",
            "Either `taskDefinition` or `taskDefinitionArgs` must be provided.",
        ),
        (
            awsx_lb.construct_application_load_balancer,
            {"listener": {"port": 80}, "listeners": [{"port": 443}]},
            "listeners",
            "Only one of [listener] and [listeners] can be specified",
        ),
        (
            awsx_lb.construct_application_load_balancer,
            {"subnetIds": ["subnet-1"], "subnetMappings": [{"subnetId": "subnet-1"}]},
            "subnetMappings",
            "Only one of [subnets], [subnetIds] or [subnetMappings] can be specified",
        ),
        (
            awsx_ecr.construct_repository,
            {"lifecyclePolicy": {"rules": [{"tagStatus": "tagged", "maximumNumberOfImages": 3}]}},
            "lifecyclePolicy.rules",
            "tagPrefixList cannot be empty.",
        ),
    ],
)
def test_awsx_refusals_name_the_input_and_say_what_awsx_says(construct, inputs, key, message):
    with pytest.raises(pulumi.InputPropertyError) as error:
        construct("web", inputs, None)
    assert (error.value.property_path, error.value.reason) == (key, message)


@pytest.mark.parametrize(
    ("args", "key", "message"),
    [
        ({}, "containers", "Exactly one of [container] or [containers] must be provided"),
        (
            {"container": CONTAINER, "containers": {"app": CONTAINER}},
            "containers",
            "Exactly one of [container] or [containers] must be provided",
        ),
        (
            {"container": CONTAINER, "logGroup": {"existing": {"name": "/x"}, "args": {}}},
            "logGroup",
            "Can't define log group args if specifying an existing log group name",
        ),
        (
            {"container": CONTAINER, "executionRole": {"roleArn": "arn:r", "args": {}}},
            "executionRole",
            "Can't define role args if specified an existing role ARN",
        ),
    ],
)
def test_task_refusals_come_before_the_component_exists(args, key, message):
    """Both constructs check the task's inputs before they create the component (awsx throws
    later, from its constructor); the refusal is the same either way."""
    for construct, inputs in (
        (awsx_ecs.construct_task_definition, args),
        (awsx_ecs.construct_service, {"taskDefinitionArgs": args}),
    ):
        with pytest.raises(pulumi.InputPropertyError) as error:
            construct("web", inputs, None)
        assert (error.value.property_path, error.value.reason) == (key, message)


def test_an_awsx_component_not_reproduced_fails_naming_it():
    with pytest.raises(pulumi.RunError) as error:
        AwsxStandin("3.11.0").construct("nlb", "awsx:lb:NetworkLoadBalancer", {}, None)
    assert "awsx:lb:NetworkLoadBalancer (nlb) is not reproduced offline" in str(error.value)
    assert "awsx:ecs:FargateService" in str(error.value)


class _Engine(pulumi.runtime.Mocks):
    """Pulumi's mocks in the engine's place; data sources answered by the stand-in's own."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        return invokes.invoke(args.token, args.args, "eu-west-1")


@pulumi.runtime.test
def test_a_service_without_a_network_in_the_default_vpc_needs_a_public_ip_under_pulumi_mocks():
    """The default VPC has only public subnets: awsx's own error, before the service exists."""
    pulumi.runtime.set_mocks(_Engine(), preview=True)
    with pytest.raises(pulumi.InputPropertyError) as error:
        awsx_ecs.construct_service("web", {"taskDefinitionArgs": {"container": CONTAINER}}, None)
    assert error.value.property_path == "assignPublicIp"
    assert error.value.reason.startswith("The default VPC does not have any private subnets.")
