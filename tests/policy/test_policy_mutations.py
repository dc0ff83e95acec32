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
from testkit.policy_fixtures import DROP, merged
from testkit.policy_harness import Resource, check_all, from_capture
from testkit.program_capture import capture_stack
from tests.policy import names as n

CONFIG_DIR = Path(__file__).resolve().parents[2] / "policy" / "config"
STACKS = ("dev", "staging", "prod")

TASK = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
LISTENER = "aws:lb/listener:Listener"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
REPOSITORY = "aws:ecr/repository:Repository"
IMAGE_BUILD = "docker-build:index:Image"
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


def port_mapping(**changes: Any) -> Mutate:
    """Change the app container's first port mapping."""

    def change(values: dict[str, Any]) -> dict[str, Any]:
        definitions = json.loads(values["containerDefinitions"])
        mappings = definitions[0]["portMappings"]
        mappings[0] = merged(mappings[0], changes)
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
CURL = "curl -f http://localhost:8000/healthz"

MUTATIONS = [
    Mutation("user-root", n.NON_ROOT, container(user="root")),
    Mutation("user-missing", n.NON_ROOT, container(user=DROP)),
    Mutation("user-uid-0", n.NON_ROOT, container(user="0:1000")),
    Mutation("user-name-in-prod", n.NON_ROOT, container(user="app")),
    Mutation("privileged", n.PRIVILEGED, container(privileged=True)),
    # awsvpc: ECS refuses a hostPort that is not the containerPort (RegisterTaskDefinition).
    Mutation("host-port-80", n.HOST_PORT, port_mapping(hostPort=80)),
    Mutation("host-port-80-dev", n.HOST_PORT, port_mapping(hostPort=80), stack="dev"),
    # Fargate takes awsvpc only: ECS refuses any other mode, unset included (its default is
    # bridge). A hostPort of 80 with the mode unset is both mistakes at once: the host-port
    # rule's own table holds that case (test_ecs_awsvpc_host_port.py).
    Mutation("network-mode-unset", n.NETWORK_MODE, edit(TASK, props(networkMode=DROP))),
    Mutation("network-mode-bridge", n.NETWORK_MODE, edit(TASK, props(networkMode="bridge"))),
    Mutation(
        "network-mode-host-dev", n.NETWORK_MODE, edit(TASK, props(networkMode="host")), stack="dev"
    ),
    Mutation("health-missing", n.HEALTH, container(healthCheck=DROP)),
    Mutation("health-interval", n.HEALTH, health(interval=301)),
    Mutation("health-retries", n.HEALTH, health(retries=0)),
    Mutation("health-none", n.HEALTH, health(command=["NONE"])),
    # Health checks that cannot fail (issue 14): CMD and CMD-SHELL.
    Mutation("health-cmd-true", n.HEALTH, health(command=["CMD", "true"])),
    Mutation("health-cmd-bin-true", n.HEALTH, health(command=["CMD", "/bin/true"])),
    Mutation("health-shell-exit-0", n.HEALTH, health(command=["CMD-SHELL", "exit 0"])),
    Mutation("health-shell-colon", n.HEALTH, health(command=["CMD-SHELL", ":"])),
    Mutation("health-echo", n.HEALTH, health(command=["CMD", "echo", "ok"])),
    Mutation("health-probe-or-true", n.HEALTH, health(command=["CMD-SHELL", f"{CURL} || true"])),
    Mutation(
        "health-probe-or-exit-0", n.HEALTH, health(command=["CMD-SHELL", f"{CURL} || exit 0"])
    ),
    Mutation("health-list-ends-true", n.HEALTH, health(command=["CMD-SHELL", f"{CURL}; true"])),
    Mutation(
        "health-unreadable",
        n.HEALTH,
        health(command=["CMD-SHELL", f"if {CURL}; then exit 0; else exit 1; fi"]),
    ),
    Mutation("tg-path", n.TG_HEALTH, edit(TARGET_GROUP, nested("healthCheck", path=DROP))),
    Mutation("tg-matcher", n.TG_HEALTH, edit(TARGET_GROUP, nested("healthCheck", matcher=DROP))),
    Mutation("tg-disabled", n.TG_HEALTH, edit(TARGET_GROUP, nested("healthCheck", enabled=False))),
    Mutation("grace-missing", n.GRACE, edit(SERVICE, props(healthCheckGracePeriodSeconds=DROP))),
    Mutation("grace-short", n.GRACE, edit(SERVICE, props(healthCheckGracePeriodSeconds=20))),
    Mutation("gunicorn", n.PROCESS, container(command=GUNICORN)),
    Mutation(
        "python-m-gunicorn",
        n.PROCESS,
        container(command=["python", "-m", "gunicorn", "app.main:app"]),
    ),
    Mutation(
        "uvicorn-workers",
        n.PROCESS,
        container(command=["uvicorn", "app.main:app", "--workers", "4"]),
    ),
    Mutation(
        "uvicorn-workers-eq",
        n.PROCESS,
        container(command=["uvicorn", "app.main:app", "--workers=2"]),
    ),
    Mutation(
        "hypercorn-workers", n.PROCESS, container(command=["hypercorn", "-w", "2", "app.main:app"])
    ),
    Mutation(
        "shell-background",
        n.PROCESS,
        container(command=["sh", "-c", "uvicorn app.main:app & python worker.py"]),
    ),
    Mutation(
        "supervisord",
        n.PROCESS,
        container(entryPoint=["supervisord", "-n", "-c", "/etc/supervisord.conf"]),
    ),
    Mutation(
        "fastapi-run-workers",
        n.PROCESS,
        container(command=["fastapi", "run", "--workers", "4", "app/main.py"]),
    ),
    Mutation(
        "python-m-fastapi-workers",
        n.PROCESS,
        container(command=["python", "-m", "fastapi", "run", "--workers", "4", "app/main.py"]),
    ),
    Mutation("fastapi-dev", n.PROCESS, container(command=["fastapi", "dev", "app/main.py"])),
    Mutation("granian-workers", n.PROCESS, container(command=["granian", "--workers", "2", "a:b"])),
    Mutation("max-workers", n.PROCESS, container_env(("MAX_WORKERS", "4"))),
    Mutation(
        "unreadable-script",
        n.PROCESS,
        container(command=["sh", "-c", "exec uvicorn 'app.main:app --port 8000"]),
    ),
    Mutation("web-concurrency", n.PROCESS, container_env(("WEB_CONCURRENCY", "4"))),
    Mutation("gunicorn-cmd-args", n.PROCESS, container_env(("GUNICORN_CMD_ARGS", "--workers=3"))),
    Mutation(
        "tiangolo-image",
        n.PROCESS,
        container(image="tiangolo/uvicorn-gunicorn-fastapi:python3.11"),
    ),
    Mutation("size-memory", n.SIZE, edit(TASK, props(memory="3000"))),
    Mutation("size-cpu", n.SIZE, edit(TASK, props(cpu="3 vCPU"))),
    Mutation(
        "size-windows-arm64",
        n.SIZE,
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
    Mutation("size-dev-memory", n.SIZE, edit(TASK, props(memory="4 GB")), stack="dev"),
    Mutation("fit-reservation", n.FIT, container(memory=512, memoryReservation=1024)),
    Mutation("fit-memory", n.FIT, container(memory=4096)),
    Mutation("fit-cpu", n.FIT, container(cpu=2048)),
    Mutation(
        "definitions-not-json",
        n.READABLE,
        edit(TASK, props(containerDefinitions="[{'name': 'app'}]")),
    ),
    Mutation("writable-root", n.READ_ONLY, container(readonlyRootFilesystem=False)),
    Mutation("logs-missing", n.LOGS, container(logConfiguration=DROP)),
    Mutation("logs-json-file", n.LOGS, container(logConfiguration={"logDriver": "json-file"})),
    Mutation(
        "ecr-no-scan",
        n.SCAN,
        edit(REPOSITORY, props(imageScanningConfiguration={"scanOnPush": False})),
    ),
    Mutation("ecr-mutable", n.IMMUTABLE, edit(REPOSITORY, props(imageTagMutability="MUTABLE"))),
    Mutation(
        "public-ip",
        n.PUBLIC_IP,
        edit(SERVICE, nested("networkConfiguration", assignPublicIp=True)),
    ),
    Mutation("breaker-missing", n.BREAKER, edit(SERVICE, props(deploymentCircuitBreaker=DROP))),
    Mutation(
        "breaker-no-rollback",
        n.BREAKER,
        edit(SERVICE, nested("deploymentCircuitBreaker", rollback=False)),
    ),
    Mutation(
        "http-forward",
        n.REDIRECT,
        listener("HTTP", props(defaultActions=[{"type": "forward", "targetGroupArn": "tg"}])),
    ),
    Mutation("tls-legacy", n.TLS, listener("HTTPS", props(sslPolicy="ELBSecurityPolicy-2016-08"))),
    Mutation("tls-unset", n.TLS, listener("HTTPS", props(sslPolicy=DROP))),
    Mutation("headers", n.HEADERS, edit(LOAD_BALANCER, props(dropInvalidHeaderFields=False))),
    Mutation("secret-credentials", n.SECRETS, container_env(("SERVICE_CREDENTIALS", "x"))),
    Mutation("secret-env", n.SECRETS, container_env(("DB_PASSWORD", "hunter2"))),
    Mutation("secret-value", n.SECRETS, container_env(("SETTING", "AKIAABCDEFGHIJKLMNOP"))),
    Mutation(
        "ingress-inline-world",
        n.INGRESS,
        task_group(add_ingress(protocol="tcp", fromPort=8000, toPort=8000, cidrBlocks=[WORLD])),
    ),
    Mutation(
        "ingress-inline-self",
        n.INGRESS,
        task_group(add_ingress(protocol="-1", fromPort=0, toPort=0, self=True)),
    ),
    Mutation(
        "ingress-vpc-rule",
        n.INGRESS,
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
        n.INGRESS,
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
    Mutation("probe-path", n.CONSISTENCY, edit(TARGET_GROUP, nested("healthCheck", path="/"))),
    Mutation("probe-port", n.CONSISTENCY, edit(TARGET_GROUP, nested("healthCheck", port="8080"))),
    Mutation("start-over-grace", n.CONSISTENCY, health(startPeriod=120)),
    Mutation("drain-over-stop", n.SHUTDOWN, edit(TARGET_GROUP, props(deregistrationDelay=120))),
    Mutation(
        "graceful-over-stop",
        n.SHUTDOWN,
        container_env(("UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN", "90")),
    ),
    Mutation("idle-over-keep-alive", n.SHUTDOWN, edit(LOAD_BALANCER, props(idleTimeout=120))),
    Mutation(
        "keep-alive-flag",
        n.SHUTDOWN,
        container(command=["uvicorn", "app.main:app", "--timeout-keep-alive", "30"]),
    ),
    Mutation("image-amd64", n.ARCHITECTURE, edit(IMAGE_BUILD, props(platforms=["linux/amd64"]))),
    Mutation(
        "spot-old-platform",
        n.ARCHITECTURE,
        edit(SERVICE, props(capacityProviderStrategies=SPOT, platformVersion="1.3.0")),
    ),
    Mutation(
        "windows-on-spot",
        n.ARCHITECTURE,
        lambda r: edit(SERVICE, props(capacityProviderStrategies=SPOT))(
            edit(TASK, props(runtimePlatform=WINDOWS))(r)
        ),
    ),
    Mutation("exemption-expired", n.VALID, tag(TASK, EXEMPT_NON_ROOT, "2020-01-31 legacy image")),
    Mutation(
        "exemption-misnamed",
        n.VALID,
        tag(TASK, "policy-exemption:ecs-container-nonroot", f"{SOON} legacy"),
    ),
    Mutation("exemption-malformed", n.VALID, tag(TASK, EXEMPT_NON_ROOT, "soon legacy")),
    Mutation(
        "probe-without-url", n.CONSISTENCY, health(command=["CMD", "nc", "-z", "localhost", "8000"])
    ),
    Mutation(
        "graceful-not-seconds",
        n.SHUTDOWN,
        container_env(("UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN", "20s")),
    ),
    Mutation(
        "image-platform-unknown",
        n.ARCHITECTURE,
        edit(IMAGE_BUILD, props(platforms=["linux/arm/v7"])),
    ),
    Mutation("exemption-active", n.ACTIVE, tag(TASK, EXEMPT_NON_ROOT, f"{SOON} vendor image")),
]


def remove(type_token: str) -> Mutate:
    """Drop every resource of `type_token` from the stack."""

    def mutate(resources: list[Resource]) -> list[Resource]:
        kept = [r for r in resources if r.type != type_token]
        assert len(kept) < len(resources), f"the program has no {type_token} to remove"
        return kept

    return mutate


BARE_ECS_TASKS_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)

UNGUARD_TASK_ROLE = edit(
    "aws:iam/role:Role",
    props(assumeRolePolicy=BARE_ECS_TASKS_TRUST),
    lambda r: r.name == "fastapi-task-role",
)

MUTATIONS += [
    Mutation(
        "access-logs-off", n.ACCESS_LOGS, edit(LOAD_BALANCER, nested("accessLogs", enabled=False))
    ),
    Mutation("access-logs-dropped", n.ACCESS_LOGS, edit(LOAD_BALANCER, props(accessLogs=DROP))),
    Mutation("flow-log-removed", n.FLOW_LOGS, remove("aws:ec2/flowLog:FlowLog")),
    Mutation(
        "flow-log-accept-only",
        n.FLOW_LOGS,
        edit("aws:ec2/flowLog:FlowLog", props(trafficType="ACCEPT")),
    ),
    Mutation(
        "web-acl-association-removed",
        n.WEB_ACL,
        remove("aws:wafv2/webAclAssociation:WebAclAssociation"),
    ),
    Mutation("task-role-unguarded", n.TRUST, UNGUARD_TASK_ROLE),
    Mutation("task-role-unguarded-staging", n.TRUST, UNGUARD_TASK_ROLE, stack="staging"),
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
    from testkit.policy_harness import POLICIES  # noqa: PLC0415

    assert len(MUTATIONS) >= 30
    assert len({m.id for m in MUTATIONS}) == len(MUTATIONS)
    assert {m.policy for m in MUTATIONS} == set(POLICIES)
