"""The mutation corpus: the program's real resources (captured under Pulumi mocks), each changed
by one mistake, must be caught by the one policy that owns that mistake and by no other.

The unmutated stacks, checked with their own environment's pack config, produce nothing at all.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from fargate_policies.pack_config import load_config
from tests.policy.fixtures import DROP, merged
from tests.policy.harness import Resource, check_all, from_capture
from tests.support.program_capture import capture_stack

CONFIG_DIR = Path(__file__).resolve().parents[2] / "policy" / "config"
STACKS = ("dev", "staging", "prod")

TASK = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
LISTENER = "aws:lb/listener:Listener"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
REPOSITORY = "aws:ecr/repository:Repository"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"

Edit = Callable[[dict[str, Any]], dict[str, Any]]
Mutate = Callable[[list[Resource]], list[Resource]]


@pytest.fixture(scope="module")
def stacks() -> dict[str, list[Resource]]:
    captured = {}
    for name in STACKS:
        stack = capture_stack(name)
        assert stack.error is None, f"the {name} stack refused its config: {stack.error}"
        captured[name] = from_capture(stack)
    return captured


def pack_config(stack: str) -> dict[str, Any]:
    return load_config(CONFIG_DIR / f"{stack}.json")


# --- building mutations ------------------------------------------------------------------------


def edit(
    type_token: str, change: Edit, where: Callable[[Resource], bool] = lambda r: True
) -> Mutate:
    """Apply `change` to the inputs (and outputs) of every resource of `type_token` that matches."""

    def mutate(resources: list[Resource]) -> list[Resource]:
        hits = [r for r in resources if r.type == type_token and where(r)]
        assert hits, f"the program has no {type_token} to mutate"
        return [
            replace(
                r,
                inputs=change(copy.deepcopy(dict(r.inputs))),
                outputs=change(copy.deepcopy(dict(r.outputs or r.inputs))),
            )
            if r in hits
            else r
            for r in resources
        ]

    return mutate


def props(**changes: Any) -> Edit:
    return lambda values: merged(values, changes)


def nested(key: str, **changes: Any) -> Edit:
    return lambda values: {**values, key: merged(values.get(key) or {}, changes)}


def container(**changes: Any) -> Mutate:
    """Change the app container in the task definition's containerDefinitions JSON."""

    def change(values: dict[str, Any]) -> dict[str, Any]:
        definitions = json.loads(values["containerDefinitions"])
        definitions[0] = merged(definitions[0], changes)
        return {**values, "containerDefinitions": json.dumps(definitions)}

    return edit(TASK, change)


def container_env(*pairs: tuple[str, str]) -> Mutate:
    def change(values: dict[str, Any]) -> dict[str, Any]:
        definitions = json.loads(values["containerDefinitions"])
        definitions[0]["environment"] += [{"name": n, "value": v} for n, v in pairs]
        return {**values, "containerDefinitions": json.dumps(definitions)}

    return edit(TASK, change)


def health(**changes: Any) -> Mutate:
    def change(values: dict[str, Any]) -> dict[str, Any]:
        definitions = json.loads(values["containerDefinitions"])
        definitions[0]["healthCheck"] = merged(definitions[0]["healthCheck"], changes)
        return {**values, "containerDefinitions": json.dumps(definitions)}

    return edit(TASK, change)


def listener(protocol: str, change: Edit) -> Mutate:
    return edit(LISTENER, change, lambda r: r.inputs.get("protocol") == protocol)


def task_group_id(resources: list[Resource]) -> str:
    service = next(r for r in resources if r.type == SERVICE)
    return service.inputs["networkConfiguration"]["securityGroups"][0]


def task_group(change: Edit) -> Mutate:
    def mutate(resources: list[Resource]) -> list[Resource]:
        group_id = task_group_id(resources)
        return edit(SECURITY_GROUP, change, lambda r: (r.outputs or {}).get("id") == group_id)(
            resources
        )

    return mutate


def add_ingress(**rule: Any) -> Edit:
    return lambda values: {**values, "ingress": [*values.get("ingress", []), rule]}


def add_rule(type_token: str, name: str, **rule: Any) -> Mutate:
    def mutate(resources: list[Resource]) -> list[Resource]:
        inputs = {"securityGroupId": task_group_id(resources), **rule}
        return [*resources, Resource(type_token, name, inputs, {**inputs, "id": f"{name}-id"})]

    return mutate


@dataclass(frozen=True)
class Mutation:
    id: str
    policy: str
    mutate: Mutate
    stack: str = "prod"


GUNICORN = ["gunicorn", "-k", "uvicorn.workers.UvicornWorker", "-w", "4", "app.main:app"]
WORLD = "0.0.0.0/0"

MUTATIONS = [
    Mutation("user-root", "ecs-container-non-root", container(user="root")),
    Mutation("user-missing", "ecs-container-non-root", container(user=DROP)),
    Mutation("user-uid-0", "ecs-container-non-root", container(user="0:1000")),
    Mutation("user-name-in-prod", "ecs-container-non-root", container(user="app")),
    Mutation("privileged", "ecs-container-not-privileged", container(privileged=True)),
    Mutation("health-missing", "ecs-container-health-check", container(healthCheck=DROP)),
    Mutation("health-interval", "ecs-container-health-check", health(interval=301)),
    Mutation("health-retries", "ecs-container-health-check", health(retries=0)),
    Mutation("health-none", "ecs-container-health-check", health(command=["NONE"])),
    Mutation(
        "tg-path",
        "alb-target-group-health-check",
        edit(TARGET_GROUP, nested("healthCheck", path=DROP)),
    ),
    Mutation(
        "tg-matcher",
        "alb-target-group-health-check",
        edit(TARGET_GROUP, nested("healthCheck", matcher=DROP)),
    ),
    Mutation(
        "tg-disabled",
        "alb-target-group-health-check",
        edit(TARGET_GROUP, nested("healthCheck", enabled=False)),
    ),
    Mutation(
        "grace-missing",
        "ecs-service-health-check-grace-period",
        edit(SERVICE, props(healthCheckGracePeriodSeconds=DROP)),
    ),
    Mutation(
        "grace-short",
        "ecs-service-health-check-grace-period",
        edit(SERVICE, props(healthCheckGracePeriodSeconds=20)),
    ),
    Mutation("gunicorn", "ecs-container-single-process", container(command=GUNICORN)),
    Mutation(
        "python-m-gunicorn",
        "ecs-container-single-process",
        container(command=["python", "-m", "gunicorn", "app.main:app"]),
    ),
    Mutation(
        "uvicorn-workers",
        "ecs-container-single-process",
        container(command=["uvicorn", "app.main:app", "--workers", "4"]),
    ),
    Mutation(
        "uvicorn-workers-eq",
        "ecs-container-single-process",
        container(command=["uvicorn", "app.main:app", "--workers=2"]),
    ),
    Mutation(
        "hypercorn-workers",
        "ecs-container-single-process",
        container(command=["hypercorn", "-w", "2", "app.main:app"]),
    ),
    Mutation(
        "shell-background",
        "ecs-container-single-process",
        container(command=["sh", "-c", "uvicorn app.main:app & python worker.py"]),
    ),
    Mutation(
        "supervisord",
        "ecs-container-single-process",
        container(entryPoint=["supervisord", "-n", "-c", "/etc/supervisord.conf"]),
    ),
    Mutation(
        "web-concurrency", "ecs-container-single-process", container_env(("WEB_CONCURRENCY", "4"))
    ),
    Mutation(
        "gunicorn-cmd-args",
        "ecs-container-single-process",
        container_env(("GUNICORN_CMD_ARGS", "--workers=3")),
    ),
    Mutation(
        "tiangolo-image",
        "ecs-container-single-process",
        container(image="tiangolo/uvicorn-gunicorn-fastapi:python3.11"),
    ),
    Mutation("size-memory", "ecs-fargate-task-size", edit(TASK, props(memory="3000"))),
    Mutation("size-cpu", "ecs-fargate-task-size", edit(TASK, props(cpu="3 vCPU"))),
    Mutation(
        "size-windows-arm64",
        "ecs-fargate-task-size",
        edit(
            TASK,
            props(
                runtimePlatform={
                    "operatingSystemFamily": "WINDOWS_SERVER_2022_CORE",
                    "cpuArchitecture": "ARM64",
                }
            ),
        ),
    ),
    Mutation(
        "size-dev-memory", "ecs-fargate-task-size", edit(TASK, props(memory="4 GB")), stack="dev"
    ),
    Mutation(
        "fit-reservation",
        "ecs-container-resources-fit-task",
        container(memory=512, memoryReservation=1024),
    ),
    Mutation("fit-memory", "ecs-container-resources-fit-task", container(memory=4096)),
    Mutation("fit-cpu", "ecs-container-resources-fit-task", container(cpu=2048)),
    Mutation(
        "definitions-not-json",
        "ecs-task-definition-readable",
        edit(TASK, props(containerDefinitions="[{'name': 'app'}]")),
    ),
    Mutation(
        "writable-root", "ecs-container-read-only-root-fs", container(readonlyRootFilesystem=False)
    ),
    Mutation("logs-missing", "ecs-container-awslogs", container(logConfiguration=DROP)),
    Mutation(
        "logs-json-file",
        "ecs-container-awslogs",
        container(logConfiguration={"logDriver": "json-file"}),
    ),
    Mutation(
        "ecr-no-scan",
        "ecr-repository-scan-on-push",
        edit(REPOSITORY, props(imageScanningConfiguration={"scanOnPush": False})),
    ),
    Mutation(
        "ecr-mutable",
        "ecr-repository-immutable-tags",
        edit(REPOSITORY, props(imageTagMutability="MUTABLE")),
    ),
    Mutation(
        "public-ip",
        "ecs-service-no-public-ip",
        edit(SERVICE, nested("networkConfiguration", assignPublicIp=True)),
    ),
    Mutation(
        "breaker-missing",
        "ecs-service-circuit-breaker",
        edit(SERVICE, props(deploymentCircuitBreaker=DROP)),
    ),
    Mutation(
        "breaker-no-rollback",
        "ecs-service-circuit-breaker",
        edit(SERVICE, nested("deploymentCircuitBreaker", rollback=False)),
    ),
    Mutation(
        "http-forward",
        "alb-http-redirects-to-https",
        listener("HTTP", props(defaultActions=[{"type": "forward", "targetGroupArn": "tg"}])),
    ),
    Mutation(
        "tls-legacy",
        "alb-https-tls12",
        listener("HTTPS", props(sslPolicy="ELBSecurityPolicy-2016-08")),
    ),
    Mutation("tls-unset", "alb-https-tls12", listener("HTTPS", props(sslPolicy=DROP))),
    Mutation(
        "headers",
        "alb-drop-invalid-headers",
        edit(LOAD_BALANCER, props(dropInvalidHeaderFields=False)),
    ),
    Mutation(
        "secret-env",
        "ecs-container-no-plaintext-secrets",
        container_env(("DB_PASSWORD", "hunter2")),
    ),
    Mutation(
        "secret-value",
        "ecs-container-no-plaintext-secrets",
        container_env(("SETTING", "AKIAABCDEFGHIJKLMNOP")),
    ),
    Mutation(
        "ingress-inline-world",
        "ecs-service-ingress-from-alb-only",
        task_group(add_ingress(protocol="tcp", fromPort=8000, toPort=8000, cidrBlocks=[WORLD])),
    ),
    Mutation(
        "ingress-inline-self",
        "ecs-service-ingress-from-alb-only",
        task_group(add_ingress(protocol="-1", fromPort=0, toPort=0, self=True)),
    ),
    Mutation(
        "ingress-vpc-rule",
        "ecs-service-ingress-from-alb-only",
        add_rule(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            "debug-in",
            ipProtocol="tcp",
            fromPort=8000,
            toPort=8000,
            cidrIpv4=WORLD,
        ),
    ),
    Mutation(
        "ingress-ec2-rule",
        "ecs-service-ingress-from-alb-only",
        add_rule(
            "aws:ec2/securityGroupRule:SecurityGroupRule",
            "office-in",
            type="ingress",
            protocol="tcp",
            fromPort=8000,
            toPort=8000,
            cidrBlocks=["203.0.113.0/24"],
        ),
    ),
]


def tag(type_token: str, key: str, value: str) -> Mutate:
    """Add a tag to every resource of `type_token` (exemptions are tags)."""
    return edit(
        type_token, lambda values: {**values, "tags": {**(values.get("tags") or {}), key: value}}
    )


SOON = (date.today() + timedelta(days=10)).isoformat()
SPOT = [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]
WINDOWS = {"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE", "cpuArchitecture": "X86_64"}
EXEMPT_NON_ROOT = "policy-exemption:ecs-container-non-root"

MUTATIONS += [
    Mutation(
        "probe-path",
        "ecs-service-health-check-consistency",
        edit(TARGET_GROUP, nested("healthCheck", path="/")),
    ),
    Mutation(
        "probe-port",
        "ecs-service-health-check-consistency",
        edit(TARGET_GROUP, nested("healthCheck", port="8080")),
    ),
    Mutation("start-over-grace", "ecs-service-health-check-consistency", health(startPeriod=120)),
    Mutation(
        "drain-over-stop",
        "ecs-service-shutdown-timing",
        edit(TARGET_GROUP, props(deregistrationDelay=120)),
    ),
    Mutation(
        "graceful-over-stop",
        "ecs-service-shutdown-timing",
        container_env(("UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN", "90")),
    ),
    Mutation(
        "idle-over-keep-alive",
        "ecs-service-shutdown-timing",
        edit(LOAD_BALANCER, props(idleTimeout=120)),
    ),
    Mutation(
        "keep-alive-flag",
        "ecs-service-shutdown-timing",
        container(command=["uvicorn", "app.main:app", "--timeout-keep-alive", "30"]),
    ),
    Mutation(
        "image-amd64",
        "ecs-service-architecture",
        edit("awsx:ecr:Image", props(platform="linux/amd64")),
    ),
    Mutation(
        "spot-old-platform",
        "ecs-service-architecture",
        edit(SERVICE, props(capacityProviderStrategies=SPOT, platformVersion="1.3.0")),
    ),
    Mutation(
        "windows-on-spot",
        "ecs-service-architecture",
        lambda r: edit(SERVICE, props(capacityProviderStrategies=SPOT))(
            edit(TASK, props(runtimePlatform=WINDOWS))(r)
        ),
    ),
    Mutation(
        "exemption-expired",
        "policy-exemption-valid",
        tag(TASK, EXEMPT_NON_ROOT, "2020-01-31 legacy image"),
    ),
    Mutation(
        "exemption-misnamed",
        "policy-exemption-valid",
        tag(TASK, "policy-exemption:ecs-container-nonroot", f"{SOON} legacy"),
    ),
    Mutation(
        "exemption-malformed", "policy-exemption-valid", tag(TASK, EXEMPT_NON_ROOT, "soon legacy")
    ),
    Mutation(
        "exemption-active",
        "policy-exemption-active",
        tag(TASK, EXEMPT_NON_ROOT, f"{SOON} vendor image"),
    ),
]


def _violations(resources: list[Resource], stack: str) -> dict[str, list[str]]:
    results = check_all(resources, pack_config(stack))
    return {name: outcome.violations for name, outcome in results.items() if outcome.violations}


@pytest.mark.parametrize("stack", STACKS)
def test_real_stack_is_clean(stacks: dict[str, list[Resource]], stack: str) -> None:
    results = check_all(stacks[stack], pack_config(stack))
    noisy = {n: (o.violations, o.skipped) for n, o in results.items() if o.violations or o.skipped}
    assert noisy == {}


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.id for m in MUTATIONS])
def test_mutation_is_caught_by_its_policy_only(
    stacks: dict[str, list[Resource]], mutation: Mutation
) -> None:
    violations = _violations(mutation.mutate(stacks[mutation.stack]), mutation.stack)
    assert list(violations) == [mutation.policy], json.dumps(violations, indent=1)


def test_the_corpus_covers_every_policy_with_thirty_mutations_or_more() -> None:
    from tests.policy.harness import POLICIES  # noqa: PLC0415

    assert len(MUTATIONS) >= 30
    assert len({m.id for m in MUTATIONS}) == len(MUTATIONS)
    assert {m.policy for m in MUTATIONS} == set(POLICIES)
