"""The `awsx:lb:ApplicationLoadBalancer` stand-in: the children awsx 3.11.0 registers, with its
names, parents and defaults, as real pulumi_aws resources.

Follows pulumi-awsx awsx/lb/applicationLoadBalancer.ts (snapshot e60adf3c; unchanged since
before v3.8.0). Children of the component `<name>`:
- subnets: `subnets` (their ids), `subnetIds`, `subnetMappings`, or else the default VPC's
  public subnets; the VPC id from the first subnet (getSubnet) or the default VPC;
- `aws:ec2:SecurityGroup <name>` unless `securityGroups` or `defaultSecurityGroup.skip` /
  `.securityGroupId`: defaultSecurityGroup.args, or ingress from anywhere on every protocol and
  egress to anywhere on every TCP port (awsx's own "TO-DO: we default to open SG rules");
- `aws:lb:LoadBalancer <name>`, loadBalancerType "application";
- `aws:lb:TargetGroup <name>`: targetType "ip", the listener's port/protocol (80/HTTP unless the
  listener or defaultTargetGroupPort says otherwise), then defaultTargetGroup's args (no health
  check of its own: the provider's defaults apply);
- `aws:lb:Listener <name>-0` (or `<name>-<i>` per `listeners`), forwarding to that group.
awsx's getDefaultProtocol is reproduced as written, including that a `listeners` list of exactly
one gives the target group no port or protocol.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws
from pulumi.provider import ConstructResult

from offline.standins.aws_args import aws_kwargs
from offline.standins.awsx_ecs import OPEN_EGRESS, OPEN_INGRESS
from offline.standins.default_vpc import default_network

TYPE = "awsx:lb:ApplicationLoadBalancer"
_OWN_INPUTS = (
    "subnetIds",
    "subnets",
    "defaultTargetGroup",
    "defaultTargetGroupPort",
    "defaultSecurityGroup",
    "listener",
    "listeners",
)


def construct_application_load_balancer(
    name: str, inputs: Mapping[str, Any], options: pulumi.ResourceOptions | None
) -> ConstructResult:
    _check_inputs(inputs)
    component = pulumi.ComponentResource(TYPE, name, {}, options)
    under = pulumi.ResourceOptions(parent=component)
    lb_args = {key: value for key, value in inputs.items() if key not in _OWN_INPUTS}
    vpc_id = _subnets_and_vpc(inputs, lb_args, component)
    security_group = _security_group(name, inputs, lb_args, vpc_id, under)
    lb_args["loadBalancerType"] = "application"
    load_balancer = aws.lb.LoadBalancer(
        name, **aws_kwargs(aws.lb.LoadBalancer, lb_args), opts=under
    )
    protocol = _default_protocol(inputs)
    target_group = aws.lb.TargetGroup(
        name,
        **aws_kwargs(
            aws.lb.TargetGroup,
            {
                "vpcId": vpc_id,
                "targetType": "ip",
                **(protocol or {}),
                **(inputs.get("defaultTargetGroup") or {}),
            },
        ),
        opts=under,
    )
    actions = [{"type": "forward", "targetGroupArn": target_group.arn}]
    listeners = [
        aws.lb.Listener(
            f"{name}-{index}",
            **aws_kwargs(
                aws.lb.Listener,
                {
                    "defaultActions": actions,
                    **(listener_protocol or {}),
                    **listener,
                    "loadBalancerArn": load_balancer.arn,
                },
            ),
            opts=under,
        )
        for index, (listener, listener_protocol) in enumerate(_listeners(inputs, protocol))
    ]
    state: dict[str, Any] = {
        "loadBalancer": load_balancer,
        "defaultTargetGroup": target_group,
        "listeners": listeners,
        "vpcId": vpc_id,
    }
    if security_group is not None:
        state["defaultSecurityGroup"] = security_group
    component.register_outputs(state)
    return ConstructResult(urn=component.urn, state=state)


def _check_inputs(inputs: Mapping[str, Any]) -> None:
    """applicationLoadBalancer.ts's own errors, before anything is registered."""
    given = [key for key in ("subnets", "subnetIds", "subnetMappings") if inputs.get(key)]
    if len(given) > 1:
        raise pulumi.InputPropertyError(
            given[1], "Only one of [subnets], [subnetIds] or [subnetMappings] can be specified"
        )
    if inputs.get("listener") is not None and inputs.get("listeners") is not None:
        raise pulumi.InputPropertyError(
            "listeners", "Only one of [listener] and [listeners] can be specified"
        )
    group = inputs.get("defaultSecurityGroup") or {}
    if group.get("args") is not None and group.get("securityGroupId") is not None:
        raise pulumi.InputPropertyError(
            "defaultSecurityGroup",
            "Only one of [defaultSecurityGroup] [args] or [securityGroupId] can be specified",
        )
    if inputs.get("defaultTargetGroup") is not None and inputs.get("defaultTargetGroupPort"):
        raise pulumi.InputPropertyError(
            "defaultTargetGroupPort",
            "Only one of `defaultTargetGroup` or `defaultTargetGroupPort` can be provided.",
        )


def _subnets_and_vpc(
    inputs: Mapping[str, Any], lb_args: dict[str, Any], parent: pulumi.Resource
) -> Any:
    """Sets lb_args["subnets"] as awsx does and returns the VPC id it derives."""
    invoke = pulumi.InvokeOptions(parent=parent)

    def vpc_of(subnet_id: str) -> str:
        return aws.ec2.get_subnet(id=subnet_id, opts=invoke).vpc_id

    if inputs.get("subnets"):
        subnets = inputs["subnets"]
        lb_args["subnets"] = [subnet.id for subnet in subnets]
        return subnets[0].vpc_id
    if inputs.get("subnetIds"):
        lb_args["subnets"] = inputs["subnetIds"]
        return pulumi.Output.from_input(inputs["subnetIds"]).apply(lambda ids: vpc_of(ids[0]))
    if inputs.get("subnetMappings"):
        return pulumi.Output.from_input(inputs["subnetMappings"]).apply(
            lambda mappings: vpc_of(mappings[0]["subnetId"])
        )
    network = default_network(parent)
    lb_args["subnets"] = network.public_subnet_ids
    return network.vpc_id


def _security_group(
    name: str,
    inputs: Mapping[str, Any],
    lb_args: dict[str, Any],
    vpc_id: Any,
    under: pulumi.ResourceOptions,
) -> aws.ec2.SecurityGroup | None:
    group = inputs.get("defaultSecurityGroup") or {}
    if lb_args.get("securityGroups") or group.get("skip"):
        return None
    if group.get("securityGroupId"):
        lb_args["securityGroups"] = [group["securityGroupId"]]
        return None
    args = group.get("args") or {"vpcId": vpc_id, "ingress": OPEN_INGRESS, "egress": OPEN_EGRESS}
    security_group = aws.ec2.SecurityGroup(
        name, **aws_kwargs(aws.ec2.SecurityGroup, args), opts=under
    )
    lb_args["securityGroups"] = [security_group.id]
    return security_group


def _default_protocol(inputs: Mapping[str, Any]) -> dict[str, Any] | None:
    """getDefaultProtocol as written: with a `listeners` list of exactly one, none."""
    listener = inputs.get("listener")
    listeners = inputs.get("listeners")
    if listeners is not None:
        if len(listeners) != 1:
            listener = listeners[0] if listeners else None
        else:
            return None
    return _listener_protocol(listener, inputs.get("defaultTargetGroupPort"))


def _listener_protocol(
    listener: Mapping[str, Any] | None, default_port: Any = None
) -> dict[str, Any] | None:
    if listener:
        port, protocol = listener.get("port"), listener.get("protocol")
        if port and protocol:
            return {"port": port, "protocol": protocol}
        if port:
            return {"port": port, "protocol": pulumi.Output.from_input(port).apply(_to_protocol)}
        if protocol:
            port = pulumi.Output.from_input(protocol).apply(_to_port)
            return {"protocol": protocol, "port": port}
    return {"port": default_port or 80, "protocol": "HTTP"}


def _to_protocol(port: int) -> str:
    return "HTTPS" if port == 443 else "HTTP"


def _to_port(protocol: str) -> int:
    return 443 if protocol == "HTTPS" else 80


def _listeners(
    inputs: Mapping[str, Any], protocol: dict[str, Any] | None
) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """Each listener's own args and the port/protocol it starts from."""
    if inputs.get("listener") is not None:
        return [(dict(inputs["listener"]), protocol)]
    if inputs.get("listeners") is not None:
        return [(dict(args), _listener_protocol(args)) for args in inputs["listeners"]]
    return [({}, protocol)]
