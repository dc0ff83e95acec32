"""Property-based fuzzing: no policy raises, whatever the container definitions hold.

Definitions are generated well formed, malformed (not JSON, wrong shapes), with values of every
JSON type in every field, and with the engine's unknown sentinels anywhere. The only exception a
policy may let out is the SDK's UnknownValueError (the pack's advisory skip note), which the
harness records as the SDK does. Every violation must read as one "must" sentence.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pulumi_policy.proxy import UNKNOWN_ARRAY_VALUE, UNKNOWN_NUMBER_VALUE, UNKNOWN_STRING_VALUE

from fargate_policies.catalog import POLICY_DOCS
from fargate_policies.readers.probes import Verdict, judge
from fargate_policies.readers.shell import UnreadableScriptError
from testkit.policy_harness import Outcome, Resource, check_resource, check_stack

pytestmark = pytest.mark.slow  # about 40 s: hypothesis spends most of it generating cases

CONTAINER_EXAMPLES = 2_000
RESOURCE_EXAMPLES = 500
STACK_EXAMPLES = 300
SENTINELS = [UNKNOWN_STRING_VALUE, UNKNOWN_NUMBER_VALUE, UNKNOWN_ARRAY_VALUE]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(SENTINELS),
)
anything = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=4,
)


def either(specific: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly plausible values, sometimes anything at all."""
    return st.one_of(specific, specific, anything)


words = st.sampled_from(
    [
        "uvicorn", "gunicorn", "python", "-m", "--workers", "-w", "4", "1", "--workers=2",
        "app.main:app", "sh", "-c", "bash", "-ec", "supervisord", "hypercorn", "granian", "&",
        "&&", "exec", "env", "--reload", "$(nproc)", "'", '"', "a & b", "uvicorn app -w 2",
        "CMD", "CMD-SHELL", "true", "exit 0", ":", "echo ok", "fastapi", "dev", "run",
        "curl -f http://localhost:8000/healthz || exit 0", "if true; then :; fi", "(", ")", "`",
        "$(", "! curl http://127.0.0.1:8000/ | grep ok", "x; true\n", "2>&1", "exit", "||",
    ]
)  # fmt: skip
argv = either(st.lists(st.one_of(words, st.text(max_size=10)), max_size=8))
sizes = either(
    st.one_of(
        st.integers(min_value=-1, max_value=200_000),
        st.sampled_from(["256", "1 vCPU", "0.5 vcpu", "2 GB", "2GB", "1.3 vCPU", "two", "", "-1"]),
    )
)
environment = either(
    st.lists(
        either(
            st.fixed_dictionaries(
                {
                    "name": either(
                        st.sampled_from(
                            [
                                "WEB_CONCURRENCY",
                                "DB_PASSWORD",
                                "UVICORN_WORKERS",
                                "GUNICORN_CMD_ARGS",
                            ]
                        )
                    ),
                    "value": either(st.sampled_from(["1", "4", "AKIAABCDEFGHIJKLMNOP", "x"])),
                }
            )
        ),
        max_size=4,
    )
)
health_check = either(
    st.fixed_dictionaries(
        {},
        optional={
            "command": argv,
            "interval": sizes,
            "timeout": sizes,
            "retries": sizes,
            "startPeriod": sizes,
        },
    )
)
container = st.fixed_dictionaries(
    {},
    optional={
        "name": either(st.sampled_from(["app", "xray", ""])),
        "image": either(st.sampled_from(["tiangolo/uvicorn-gunicorn:py3", "repo/app:1"])),
        "user": either(st.sampled_from(["root", "0", "0:0", "1000:1000", "app", "", " 0 "])),
        "privileged": either(st.booleans()),
        "essential": either(st.booleans()),
        "command": argv,
        "entryPoint": argv,
        "environment": environment,
        "healthCheck": health_check,
        "cpu": sizes,
        "memory": sizes,
        "memoryReservation": sizes,
        "readonlyRootFilesystem": either(st.booleans()),
        "logConfiguration": either(
            st.fixed_dictionaries(
                {"logDriver": either(st.sampled_from(["awslogs", "json-file"]))},
                optional={"options": anything},
            )
        ),
        "portMappings": either(st.lists(either(st.fixed_dictionaries({"targetGroup": anything})))),
    },
)
definitions_text = st.one_of(
    st.lists(either(container), max_size=3).map(json.dumps),
    anything.map(json.dumps),
    st.text(max_size=30),
    st.sampled_from(SENTINELS),
    anything,
)
platform = either(
    st.fixed_dictionaries(
        {},
        optional={
            "operatingSystemFamily": either(st.sampled_from(["LINUX", "WINDOWS_SERVER_2022_CORE"])),
            "cpuArchitecture": either(st.sampled_from(["X86_64", "ARM64", "arm"])),
        },
    )
)
task_definition = st.fixed_dictionaries(
    {"containerDefinitions": definitions_text},
    optional={
        "cpu": sizes,
        "memory": sizes,
        "runtimePlatform": platform,
        "requiresCompatibilities": either(st.just(["FARGATE"])),
    },
)
awsx_task_definition = st.fixed_dictionaries(
    {},
    optional={
        "container": either(container),
        "containers": either(st.dictionaries(st.text(max_size=5), either(container), max_size=3)),
        "cpu": sizes,
        "memory": sizes,
        "runtimePlatform": platform,
        "logGroup": either(st.fixed_dictionaries({"skip": either(st.booleans())})),
    },
)
awsx_task_args = either(awsx_task_definition)

service_fields = {
    "loadBalancers": anything,
    "healthCheckGracePeriodSeconds": sizes,
    "networkConfiguration": anything,
    "assignPublicIp": anything,
    "deploymentCircuitBreaker": anything,
    "deploymentController": anything,
}
awsx_service = st.fixed_dictionaries(
    {"taskDefinitionArgs": awsx_task_args}, optional=service_fields
)


def _check_messages(outcome: Outcome) -> None:
    for message in outcome.violations:
        assert message[:1].isupper() and message.endswith("."), message
        assert " must " in message, message
    for note in outcome.skipped:
        assert note.startswith("skipped checks: "), note


task_bearers = st.one_of(
    task_definition.map(lambda p: Resource("aws:ecs/taskDefinition:TaskDefinition", "fuzz", p)),
    awsx_service.map(lambda p: Resource("awsx:ecs:FargateService", "fuzz", p)),
    awsx_task_definition.map(lambda p: Resource("awsx:ecs:FargateTaskDefinition", "fuzz", p)),
)


def test_container_definitions_never_make_a_policy_raise() -> None:
    ran: list[int] = []

    @settings(
        max_examples=CONTAINER_EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(resource=task_bearers)
    def run(resource: Resource) -> None:
        ran.append(1)
        for name, doc in POLICY_DOCS.items():
            if doc.resource_types:
                _check_messages(check_resource(name, resource))
            else:
                _check_messages(check_stack(name, [resource]))

    run()
    assert len(ran) >= CONTAINER_EXAMPLES


RESOURCE_TYPES = [
    "aws:ecs/service:Service",
    "aws:lb/targetGroup:TargetGroup",
    "aws:lb/listener:Listener",
    "aws:lb/loadBalancer:LoadBalancer",
    "aws:ecr/repository:Repository",
]
resource_props = st.fixed_dictionaries(
    {},
    optional={
        **service_fields,
        "protocol": either(st.sampled_from(["HTTP", "HTTPS", "TCP"])),
        "targetType": either(st.sampled_from(["ip", "lambda"])),
        "healthCheck": anything,
        "defaultActions": anything,
        "sslPolicy": either(
            st.sampled_from(["ELBSecurityPolicy-2016-08", "ELBSecurityPolicy-TLS13-1-2-2021-06"])
        ),
        "loadBalancerType": either(st.sampled_from(["application", "network"])),
        "dropInvalidHeaderFields": anything,
        "imageScanningConfiguration": anything,
        "imageTagMutability": anything,
    },
)


def test_other_resources_never_make_a_policy_raise() -> None:
    ran: list[int] = []

    @settings(max_examples=RESOURCE_EXAMPLES, deadline=None)
    @given(resource_type=st.sampled_from(RESOURCE_TYPES), props=resource_props)
    def run(resource_type: str, props: dict[str, Any]) -> None:
        ran.append(1)
        for name, doc in POLICY_DOCS.items():
            if doc.resource_types:
                _check_messages(check_resource(name, Resource(resource_type, "fuzz", props)))

    run()
    assert len(ran) >= RESOURCE_EXAMPLES


STACK_TYPES = [
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:ec2/securityGroupRule:SecurityGroupRule",
    "aws:ecs/service:Service",
    "awsx:ecs:FargateService",
    "aws:lb/loadBalancer:LoadBalancer",
    "aws:lb/listener:Listener",
    "aws:lb/targetGroup:TargetGroup",
    "aws:ecs/taskDefinition:TaskDefinition",
    "awsx:ecr:Image",
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
]
# A small pool of IDs and ARNs, so generated resources refer to each other.
ids = st.sampled_from(["sg-1", "sg-2", "arn:tg", "arn:td", "arn:lb", UNKNOWN_STRING_VALUE])
exemption_tags = either(
    st.dictionaries(
        st.sampled_from(
            [
                "policy-exemption:ecs-container-non-root",
                "policy-exemption:ecs-service-ingress-from-alb-only",
                "policy-exemption:no-such-policy",
                "policy-exemption:policy-exemption-valid",
                "team",
            ]
        ),
        either(
            st.sampled_from(["2099-01-01 legacy", "2000-01-01 old", "soon", "", "2026-02-30 x"])
        ),
        max_size=3,
    )
)
stack_props = st.fixed_dictionaries(
    {},
    optional={
        "id": ids,
        "arn": ids,
        "tags": exemption_tags,
        "securityGroupId": either(ids),
        "securityGroups": either(st.lists(ids, max_size=2)),
        "ingress": either(
            st.lists(
                either(
                    st.fixed_dictionaries(
                        {},
                        optional={
                            "cidrBlocks": anything,
                            "securityGroups": either(st.lists(ids)),
                            "self": anything,
                        },
                    )
                ),
                max_size=3,
            )
        ),
        "networkConfiguration": either(
            st.fixed_dictionaries({"securityGroups": either(st.lists(ids, max_size=2))})
        ),
        "loadBalancers": either(
            st.lists(
                st.fixed_dictionaries(
                    {"targetGroupArn": either(ids)},
                    optional={"containerName": either(st.just("app")), "containerPort": sizes},
                ),
                max_size=2,
            )
        ),
        "taskDefinition": either(ids),
        "containerDefinitions": definitions_text,
        "healthCheck": anything,
        "deregistrationDelay": sizes,
        "idleTimeout": sizes,
        "defaultActions": either(st.lists(either(st.fixed_dictionaries({"targetGroupArn": ids})))),
        "loadBalancerArn": either(ids),
        "platform": either(st.sampled_from(["linux/amd64", "linux/arm64", "windows/amd64"])),
        "imageUri": either(st.sampled_from(["repo/app:1"])),
        "capacityProviderStrategies": anything,
        "platformVersion": either(st.sampled_from(["LATEST", "1.3.0", "1.4.0", "x"])),
        "type": either(st.sampled_from(["ingress", "egress"])),
        "cidrIpv4": anything,
        "referencedSecurityGroupId": either(ids),
        "sourceSecurityGroupId": either(ids),
        "taskDefinitionArgs": awsx_task_args,
    },
)
STACK_POLICIES = [name for name, doc in POLICY_DOCS.items() if not doc.resource_types]


def test_stacks_never_make_a_stack_policy_raise() -> None:
    ran: list[int] = []

    @settings(max_examples=STACK_EXAMPLES, deadline=None)
    @given(st.lists(st.tuples(st.sampled_from(STACK_TYPES), stack_props), max_size=6))
    def run(entries: list[tuple[str, dict[str, Any]]]) -> None:
        ran.append(1)
        resources = [Resource(t, f"r{i}", props) for i, (t, props) in enumerate(entries)]
        for name in STACK_POLICIES:
            _check_messages(check_stack(name, resources))

    run()
    assert len(ran) >= STACK_EXAMPLES


shell_text = st.lists(
    st.sampled_from([*"ab :;&|<>()!$`'\"\\\n=0123-", "exit", "true", "curl", "http://x:80/"]),
    max_size=30,
).map("".join)


@settings(max_examples=2_000, deadline=None)
@given(script=shell_text, exec_form=st.booleans())
def test_the_shell_reader_reads_or_refuses_any_script(script: str, exec_form: bool) -> None:
    """Any text: a verdict, or UnreadableScriptError naming what it met; nothing else."""
    try:
        verdict = judge("CMD" if exec_form else "CMD-SHELL", [script], ())
    except UnreadableScriptError as error:
        assert str(error)
    else:
        assert isinstance(verdict, Verdict)
