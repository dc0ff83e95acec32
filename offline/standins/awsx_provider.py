"""The `awsx` stand-in: a Python component provider (pulumi.provider) whose Construct registers
the components awsx would, with real pulumi_aws children."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
from pulumi.provider import ConstructResult, Provider
from pulumi.provider import main as serve_provider

from offline.standins import awsx_ecr, awsx_ecs, awsx_image, awsx_lb, awsx_vpc, default_vpc

Construct = Callable[[str, Mapping[str, Any], pulumi.ResourceOptions | None], ConstructResult]

COMPONENTS: dict[str, Construct] = {
    awsx_vpc.TYPE: awsx_vpc.construct_vpc,
    awsx_image.TYPE: awsx_image.construct_image,
    awsx_ecs.TASK_TYPE: awsx_ecs.construct_task_definition,
    awsx_ecs.SERVICE_TYPE: awsx_ecs.construct_service,
    awsx_lb.TYPE: awsx_lb.construct_application_load_balancer,
    awsx_ecr.TYPE: awsx_ecr.construct_repository,
    default_vpc.TYPE: default_vpc.construct_default_vpc,
}


class AwsxStandin(Provider):
    def construct(
        self,
        name: str,
        resource_type: str,
        inputs: Mapping[str, Any],
        options: pulumi.ResourceOptions | None = None,
    ) -> ConstructResult:
        build = COMPONENTS.get(resource_type)
        if build is None:
            known = ", ".join(sorted(COMPONENTS))
            raise pulumi.RunError(
                f"offline stand-in for awsx: {resource_type} ({name}) is not reproduced offline "
                f"(reproduced: {known}); add it to offline/standins/awsx_provider.py"
            )
        return build(name, inputs, options)


def serve_awsx(version: str, engine_args: list[str]) -> None:
    # pulumi.provider.main reads the engine address from sys.argv itself.
    sys.argv = [sys.argv[0], *engine_args]
    serve_provider(AwsxStandin(version), engine_args)
