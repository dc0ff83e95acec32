"""The one reader of ECS services: `aws:ecs/service:Service` and `awsx:ecs:FargateService`.

awsx's FargateService passes its inputs through to the service it creates, with three defaults
the rules must know: it derives the service's load balancers from container port mappings that
name a `targetGroup`, it takes `assignPublicIp` at the top level, and without a
`networkConfiguration` it creates a security group that admits all traffic from 0.0.0.0/0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fargate_policies.findings import Described
from fargate_policies.readers import resource_types as rt
from fargate_policies.readers.containers import read_task
from fargate_policies.readers.values import Unknown, is_unknown


@dataclass(frozen=True)
class Service(Described):
    owner: str  # "service 'web'"
    resource_type: str
    props: dict[str, Any]

    @property
    def awsx(self) -> bool:
        return self.resource_type == rt.AWSX_FARGATE_SERVICE

    def load_balanced(self) -> bool | Unknown:
        """Whether the service registers tasks with a load balancer (Unknown if not yet known)."""
        balancers = self.props.get("loadBalancers")
        if is_unknown(balancers):
            return balancers
        if isinstance(balancers, list) and balancers:
            return True
        if not self.awsx:
            return False
        return self._awsx_target_group_mapping()

    def _awsx_target_group_mapping(self) -> bool | Unknown:
        task = read_task(self.resource_type, "", self.props)
        if task is None:
            return False
        if task.unknowns:
            return Unknown("taskDefinitionArgs")
        return any(
            isinstance(mapping, dict) and mapping.get("targetGroup") is not None
            for container in task.containers
            if isinstance(container.get("portMappings"), list)
            for mapping in container.get("portMappings")
        )

    def network_configuration(self) -> Any:
        """The networkConfiguration input (None if absent); awsx's top-level flag folded in."""
        network = self.props.get("networkConfiguration")
        if network is None and self.awsx and "assignPublicIp" in self.props:
            return {"assignPublicIp": self.props["assignPublicIp"]}
        return network


def read_service(
    resource_type: str, name: str, props: dict[str, Any], parent: str | None = None
) -> Service | None:
    if resource_type not in rt.SERVICES:
        return None
    return Service(rt.describe_resource(resource_type, name, parent), resource_type, props)


def service_of(resource: Any) -> Service | None:
    """read_service for a Subject or StackResource."""
    return read_service(resource.resource_type, resource.name, resource.props, resource.parent)
