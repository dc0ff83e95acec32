"""The network mode Fargate takes: awsvpc, and nothing else.

ECS Developer Guide, task definition parameters, Network mode: "If using the Fargate launch
type, the awsvpc network mode is required". RegisterTaskDefinition refuses a task definition
whose requiresCompatibilities includes FARGATE in any other mode, unset included (ECS's default
network mode is bridge), with a ClientException whose message is `FARGATE_NETWORK_MODE_REFUSED`
(aws/amazon-ecs-cli issue #1145 shows it verbatim, typographic quotes and all).
terraform-provider-aws does not check it (internal/service/ecs/task_definition.go
resourceTaskDefinitionCreate passes networkMode and requiresCompatibilities to
RegisterTaskDefinition as they are), so a preview passes and only `up` meets the refusal. The
offline stand-in (which refuses what ECS refuses) and the policy pack (which reports it before
`up`) both use this module.
"""

from __future__ import annotations

from typing import Any

AWSVPC = "awsvpc"
FARGATE = "FARGATE"
FARGATE_NETWORK_MODE_REFUSED = "Fargate only supports network mode \u2018awsvpc\u2019."


def requires_fargate(compatibilities: Any) -> bool:
    """Whether a task definition's requiresCompatibilities includes FARGATE."""
    return isinstance(compatibilities, list) and FARGATE in compatibilities


def fargate_refuses(compatibilities: Any, network_mode: Any) -> bool:
    """Whether ECS refuses to register a task definition with these requiresCompatibilities and
    networkMode: one that requires FARGATE in any mode but awsvpc (None: unset, ECS's bridge)."""
    return requires_fargate(compatibilities) and network_mode != AWSVPC
