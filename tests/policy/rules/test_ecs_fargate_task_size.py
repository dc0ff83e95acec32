"""ecs-fargate-task-size: checks whether a Fargate task's cpu and memory form a size Fargate
accepts for its operating system and CPU architecture."""

from __future__ import annotations

from testkit import policy_fixtures as f
from tests.policy.rules.cases import Case, policy_tests, windows

POLICY = "ecs-fargate-task-size"

PASSING: list[Case] = [
    Case("smallest", f.task_definition(), []),
    Case("vcpu-gb-strings", f.task_definition(cpu="1 vCPU", memory="2 GB"), []),
    Case("largest", f.task_definition(cpu="16384", memory="122880"), []),
    Case("vcpu-lower-case", f.task_definition(cpu="1 vcpu", memory="3072"), []),
    Case("half-vcpu-gb", f.task_definition(cpu="0.5 vCPU", memory="1GB"), []),
    Case("gb-no-space", f.task_definition(cpu="2048", memory="16GB"), []),
    Case("windows", windows(cpu="1024", memory="2048"), []),
    Case(
        "arm64",
        f.task_definition(cpu="2048", memory="4GB", runtimePlatform={"cpuArchitecture": "ARM64"}),
        [],
    ),
    Case("awsx-computed", f.awsx_service(task={"cpu": f.DROP, "memory": f.DROP}), []),
    Case("not-fargate", f.task_definition(requiresCompatibilities=["EC2"], cpu="3"), []),
]

FAILING: list[Case] = [
    Case("empty", f.task_definition(cpu="", memory="512"), ["cpu '' is not a CPU value"]),
    Case("negative", f.task_definition(cpu="-1", memory="512"), ["cpu '-1' is not a CPU"]),
    Case(
        "memory-word",
        f.task_definition(memory="lots"),
        ["memory 'lots' is not a memory value: use MiB (512, 1024, 2048, ...) or GB"],
    ),
    Case(
        "cheapest-fit",
        f.task_definition(cpu="512", memory="5 GB"),
        ["nearest valid sizes (cpu/memory): 512/4096, 1024/5120."],
    ),
    Case(
        "memory-row",
        f.task_definition(cpu="256", memory="4096"),
        [
            "Task definition 'web-task' must use a valid Fargate task size: memory 4096 MiB is "
            "not valid with cpu 256: use 512, 1024 or 2048 MiB; nearest valid sizes (cpu/memory): "
            "256/2048, 512/4096."
        ],
    ),
    Case(
        "cpu",
        f.task_definition(cpu="3072", memory="6144"),
        ["cpu 3072 is not a Fargate Linux task CPU"],
    ),
    Case(
        "fraction",
        f.task_definition(cpu="1.3 vCPU", memory="2048"),
        ["cpu '1.3 vCPU' is not a CPU value"],
    ),
    Case("garbage", f.task_definition(cpu="two", memory="512"), ["cpu 'two' is not a CPU value"]),
    Case(
        "windows-small",
        windows(cpu="256", memory="512"),
        ["cpu 256 is not a Fargate Windows task CPU"],
    ),
    Case(
        "windows-arm64",
        f.task_definition(
            cpu="1024",
            memory="2048",
            runtimePlatform={
                "operatingSystemFamily": "WINDOWS_SERVER_2019_FULL",
                "cpuArchitecture": "ARM64",
            },
        ),
        ["Windows tasks on Fargate run on X86_64 only, not 'ARM64'"],
    ),
    Case(
        "missing-memory",
        f.task_definition(memory=f.DROP),
        ["must set task-level memory (Fargate requires both cpu and memory)"],
    ),
    Case(
        "architecture",
        f.task_definition(runtimePlatform={"cpuArchitecture": "arm"}),
        ["must set runtimePlatform.cpuArchitecture to one of X86_64, ARM64, not 'arm'"],
    ),
    Case(
        "not-allowed-arch",
        f.task_definition(runtimePlatform={"cpuArchitecture": "ARM64"}),
        ["must run on one of the allowed CPU architectures X86_64, not ARM64"],
        {"allowedCpuArchitectures": ["X86_64"]},
    ),
    Case(
        "awsx",
        f.awsx_service(task={"cpu": "512", "memory": "512"}),
        ["Service 'web' must use a valid"],
    ),
]


test_passes, test_fails = policy_tests(POLICY, PASSING, FAILING)
