"""The port mappings awsx 3.11.0 registers (fargate_spec.port_mappings, used by the awsx stand-in
and the policy pack), held to awsx's own test table: pulumi-awsx awsx/ecs/container.test.ts
("port mappings": target group port, containerPort and hostPort in, the two ports out) and
getMappingInputs in awsx/ecs/containers.ts (containerPort ?? targetGroup.port ?? hostPort,
hostPort ?? targetGroup.port ?? containerPort).

One row of awsx's table (target group 1, hostPort 3, no containerPort: containerPort 3) does not
follow the code as read at the same snapshot (which gives containerPort 1); it is left out, and
concerns a mapping without containerPort, not the hostPort ECS refuses. Every other row agrees,
among them the one this module is about: a target group on 1 and containerPort 2 give hostPort 1.
"""

from __future__ import annotations

import pytest

from fargate_spec.port_mappings import awsvpc_refuses, awsx_mapping_ports


@pytest.mark.parametrize(
    ("group_port", "container_in", "host_in", "container_out", "host_out"),
    [
        (None, None, 3, 3, 3),
        (None, 2, None, 2, 2),
        (None, 2, 3, 2, 3),
        (1, None, None, 1, 1),
        (1, 2, None, 2, 1),  # hostPort from the target group: ECS refuses it in awsvpc
        (1, 2, 3, 2, 3),
    ],
)
def test_awsx_completes_port_mappings_as_its_own_tests_say(
    group_port, container_in, host_in, container_out, host_out
):
    assert awsx_mapping_ports(container_in, host_in, group_port) == (container_out, host_out)


def test_ecs_refuses_in_awsvpc_a_host_port_that_is_set_and_not_the_container_port():
    """ECS API reference, PortMapping: with awsvpc the hostPort "can be left blank or it must be
    the same value as the containerPort"; 0 is blank (terraform-provider-aws #3401 quotes the
    docs of 2018, "must either be 0 or equal to the containerPort", and #5833: AWS assigns the
    containerPort to the hostPort)."""
    assert awsvpc_refuses(8080, 80)
    assert not awsvpc_refuses(8000, 0)
    assert not awsvpc_refuses(8080, 8080)
    assert not awsvpc_refuses(8080, None)
    assert awsvpc_refuses(*awsx_mapping_ports(8080, None, 80))  # awsx's 8080 behind 80
