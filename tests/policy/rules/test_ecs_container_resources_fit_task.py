"""ecs-container-resources-fit-task: checks whether the containers' cpu and memory fit inside the
task's size, and whether each container's memoryReservation is at most its memory."""

from __future__ import annotations

from testkit import policy_fixtures as f
from tests.policy.rules.cases import Case, policy_tests, td

POLICY = "ecs-container-resources-fit-task"

PASSING: list[Case] = [
    Case("no-container-sizes", f.task_definition(), []),
    Case(
        "split",
        f.task_definition(
            [
                f.container(cpu=128, memory=256),
                f.container(name="xray", cpu=128, memoryReservation=256),
            ]
        ),
        [],
    ),
    Case("reservation-below", td(memory=512, memoryReservation=256), []),
    Case("mock-floats", td(cpu=256.0, memory=512.0), []),
]

FAILING: list[Case] = [
    Case(
        "reservation-above",
        td(memory=256, memoryReservation=512),
        [
            "Container 'app' in task definition 'web-task' must set memoryReservation (512 MiB) "
            "at or below memory (256 MiB): lower memoryReservation or raise memory."
        ],
    ),
    Case(
        "cpu-sum",
        f.task_definition([f.container(cpu=256), f.container(name="xray", cpu=256)]),
        [
            "Containers of task definition 'web-task' must fit in the task's 256 CPU units of cpu, "
            "but they ask for 512 ('app' 256, 'xray' 256): lower the containers' cpu or raise "
            "the task's."
        ],
    ),
    Case(
        "memory",
        td(memory=1024),
        ["must fit in the task's 512 MiB of memory, but they ask for 1024"],
    ),
    Case(
        "vcpu-task",
        f.task_definition([f.container(cpu=2048)], cpu="1 vCPU", memory="2 GB"),
        ["1024 CPU units"],
    ),
    Case("type", td(memory="512"), ["must set memory to a whole number of MiB, not '512'"]),
]


test_passes, test_fails = policy_tests(POLICY, PASSING, FAILING)
