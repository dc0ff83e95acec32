"""The task size awsx 3.11.0 fills in (fargate_spec.awsx_sizing), held to awsx's own tests:
pulumi-awsx awsx/ecs/fargateMemoryAndCpu.test.ts (exact and rounded-up requests, the maximum,
the errors word for word) and the algorithm in awsx/ecs/fargateMemoryAndCpu.ts."""

from __future__ import annotations

import pytest

from fargate_spec.awsx_sizing import MAX_MEM_GB, MAX_VCPU, AwsxSizingError, awsx_fargate_size
from fargate_spec.sizes import size_problems


def test_the_table_reaches_awsx_maximums():
    assert (MAX_VCPU, MAX_MEM_GB) == (32, 244)


@pytest.mark.parametrize(
    ("containers", "cpu", "memory"),
    [
        ([{"cpu": 8192, "memory": 20480}], "8192", "20480"),  # awsx: valid exact values
        ([{"cpu": 8000, "memory": 21000}], "8192", "21504"),  # awsx: rounded up to whole GB
        ([], "256", "512"),  # nothing requested: the cheapest size
        ([{"cpu": 512, "memory": 128}], "512", "1024"),  # Pulumi's container template
        # memoryReservation counts instead of memory; containers add up.
        ([{"memory": 4096, "memoryReservation": 256}, {"memory": 256, "cpu": 128}], "256", "512"),
        ([{"cpu": 1024, "memory": 256}, {"cpu": 256, "memory": 128}], "2048", "4096"),
    ],
)
def test_awsx_picks_the_cheapest_size_of_its_table(containers, cpu, memory):
    size = awsx_fargate_size(containers)
    assert (size.cpu, size.memory) == (cpu, memory)


def test_awsx_table_offers_sizes_fargate_refuses():
    """awsx's 8 vCPU row takes every whole GB (its own test's TODO says so); Fargate takes 4 GB
    steps, so the pack still flags what awsx fills in there."""
    size = awsx_fargate_size([{"cpu": 8000, "memory": 21000}])
    assert size_problems(size.cpu, size.memory, "LINUX", "X86_64")


def test_the_maximum_itself_is_accepted():
    half = {"cpu": MAX_VCPU * 1024 // 2, "memory": int(MAX_MEM_GB * 1024 // 2)}
    assert awsx_fargate_size([half, half]).cpu == "32768"


@pytest.mark.parametrize(
    ("containers", "message"),
    [
        (
            [{"cpu": 17 * 1024, "memory": 123 * 1024}] * 2,
            "Requested resources exceed the maximum allowed for Fargate. "
            "Requested: 34 vCPU and 246GB. Max: 32 vCPU and 244GB.",
        ),
        (
            [{"cpu": 33 * 1024, "memory": 244 * 1024}],
            "Requested resources exceed the maximum allowed for Fargate. "
            "Requested: 33 vCPU and 244GB. Max: 32 vCPU and 244GB.",
        ),
        (
            [{"cpu": 32 * 1024, "memory": 245 * 1024}],
            "Requested resources exceed the maximum allowed for Fargate. "
            "Requested: 32 vCPU and 245GB. Max: 32 vCPU and 244GB.",
        ),
    ],
)
def test_requests_beyond_fargate_fail_with_awsx_message(containers, message):
    with pytest.raises(AwsxSizingError) as error:
        awsx_fargate_size(containers)
    assert str(error.value) == message
