"""ecs-service-architecture: named passing and failing cases, each the program's prod stack
(captured under Pulumi mocks) with one change."""

from __future__ import annotations

from testkit.policy_harness import check_stack, from_capture
from testkit.program_capture import capture_stack
from tests.policy.rules.chain_cases import SPOT, Failing, Passing, chain_tests, keep
from tests.policy.test_policy_mutations import (
    IMAGE_BUILD,
    SERVICE,
    TASK,
    edit,
    props,
)

POLICY = "ecs-service-architecture"

PASSING: list[Passing] = [
    ("program", keep, {}),
    ("arm64-spot-latest", edit(SERVICE, props(capacityProviderStrategies=SPOT)), {}),
    (
        "arm64-spot-1.4.0",
        edit(SERVICE, props(capacityProviderStrategies=SPOT, platformVersion="1.4.0")),
        {},
    ),
    (
        "x86-image-x86-task",
        lambda r: edit(IMAGE_BUILD, props(platforms=["linux/amd64"]))(
            edit(
                TASK,
                props(
                    runtimePlatform={"operatingSystemFamily": "LINUX", "cpuArchitecture": "X86_64"}
                ),
            )(r)
        ),
        {},
    ),
]

FAILING: list[Failing] = [
    (
        "image-platform-fargate-does-not-run",
        edit(IMAGE_BUILD, props(platforms=["linux/arm/v7"])),
        {},
        "Image 'fastapi-image' is built for 'linux/arm/v7', a platform Fargate does not run, so "
        "container 'app' in task definition 'fastapi-task' cannot start: build it for "
        "linux/arm64 to match the task's cpuArchitecture ARM64.",
    ),
    (
        "spot-old-platform",
        edit(SERVICE, props(capacityProviderStrategies=SPOT, platformVersion="1.3.0")),
        {},
        "Service 'fastapi-service' must not place task definition 'fastapi-task' on FARGATE_SPOT "
        "(ARM64 on Fargate Spot needs platform version 1.4.0 or LATEST, platform version "
        "'1.3.0'): use FARGATE capacity for it or a supported platform version.",
    ),
    (
        "arm64-spot-refused",
        edit(SERVICE, props(capacityProviderStrategies=SPOT)),
        {"allowArm64Spot": False},
        "(this platform keeps ARM64 tasks off Fargate Spot, platform version 'LATEST')",
    ),
    (
        "image-platform",
        edit(IMAGE_BUILD, props(platforms=["linux/amd64"])),
        {},
        "Image 'fastapi-image' is built for linux/amd64, so container 'app' in task definition "
        "'fastapi-task' must run on X86_64, not ARM64: build the image for the task's "
        "architecture or change runtimePlatform.cpuArchitecture to match.",
    ),
]


test_passes, test_fails = chain_tests(POLICY, PASSING, FAILING)


def test_staging_runs_arm64_on_spot_at_latest_and_passes() -> None:
    staging = from_capture(capture_stack("staging"))
    service = next(r for r in staging if r.type == SERVICE)
    strategies = service.inputs.get("capacityProviderStrategies") or []
    assert any(s.get("capacityProvider") == "FARGATE_SPOT" for s in strategies)
    outcome = check_stack(POLICY, staging)
    assert outcome.violations == [] and outcome.skipped == []
