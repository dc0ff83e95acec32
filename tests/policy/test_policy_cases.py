"""Every policy against a table of compliant and violating resources, asserting each message.

A case lists the fragments its violations must contain, one fragment per violation, in order;
an empty list means the resource complies (no violation and no skipped check).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest

from fargate_policies.catalog import POLICY_DOCS
from fargate_spec import tls
from fargate_spec.contract import CONTAINER_USER, liveness_probe_command
from testkit import policy_fixtures as f
from testkit.policy_harness import Resource, check_resource, check_stack
from tests.policy.names import (
    ACCESS_LOGS,
    BREAKER,
    FIT,
    FLOW_LOGS,
    GRACE,
    HEADERS,
    HEALTH,
    IMMUTABLE,
    LOGS,
    NON_ROOT,
    PRIVILEGED,
    PROCESS,
    PUBLIC_IP,
    READ_ONLY,
    READABLE,
    REDIRECT,
    SCAN,
    SECRETS,
    SIZE,
    TG_HEALTH,
    TLS,
    TRUST,
    WEB_ACL,
)


@dataclass(frozen=True)
class Case:
    id: str
    policy: str
    subject: Resource | list[Resource]
    expect: list[str]
    config: dict[str, Any] = field(default_factory=dict)


def td(**container_overrides: Any) -> Resource:
    """A task definition whose one container has these overrides."""
    return f.task_definition([f.container(**container_overrides)])


def awsx(**container_overrides: Any) -> Resource:
    return f.awsx_service(c=container_overrides)


def env(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in pairs]


VPC_ID = "vpc-0a1b"
ACCOUNT = "123456789012"
GUARD = {
    "StringEquals": {"aws:SourceAccount": ACCOUNT},
    "ArnLike": {"aws:SourceArn": f"arn:aws:ecs:eu-west-1:{ACCOUNT}:*"},
}


def vpc(name: str = "web-vpc", vpc_id: str = VPC_ID) -> Resource:
    return Resource("aws:ec2/vpc:Vpc", name, {"cidrBlock": "10.0.0.0/16"}, {"id": vpc_id})


def flow_log(**props: Any) -> Resource:
    inputs = f.merged({"vpcId": VPC_ID, "trafficType": "ALL"}, props)
    return Resource("aws:ec2/flowLog:FlowLog", "web-flow-log", inputs)


def role(
    name: str, condition: Any = f.DROP, principal: Any = "ecs-tasks.amazonaws.com"
) -> Resource:
    statement = f.merged(
        {"Effect": "Allow", "Principal": {"Service": principal}, "Action": "sts:AssumeRole"},
        {"Condition": condition},
    )
    inputs = {"assumeRolePolicy": json.dumps({"Version": "2012-10-17", "Statement": [statement]})}
    return Resource(
        "aws:iam/role:Role", name, inputs, {**inputs, "arn": f"arn:aws:iam::{ACCOUNT}:role/{name}"}
    )


def uses_roles(execution: str, task: str) -> Resource:
    """A task definition naming its execution and task roles by ARN."""
    arns = {
        "executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/{execution}",
        "taskRoleArn": f"arn:aws:iam::{ACCOUNT}:role/{task}",
    }
    return Resource("aws:ecs/taskDefinition:TaskDefinition", "web-task", arns)


def windows(**props: Any) -> Resource:
    platform = {"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE", "cpuArchitecture": "X86_64"}
    return f.task_definition(runtimePlatform=platform, **props)


PROBE = liveness_probe_command()
CURL_PROBE = "curl -f http://localhost:8000/healthz || exit 1"
NEVER_FAILS = "exits 0 on every path: a probe requests the app's URL or port"
NO_PROBE = "reaches it (a URL, address or port of the container) and decides the result"


def check(*command: str, **health: Any) -> Resource:
    """A task definition whose app container's healthCheck runs `command`."""
    return td(healthCheck={"command": list(command), **health})


ROOT_FIX = f"set user to a non-root UID such as '{CONTAINER_USER}'"
ONE_PROCESS = "Container 'app' in task definition 'web-task' must run one process, but"

CASES = [
    # --- ecs-container-non-root --------------------------------------------------------------
    Case("uid-gid", NON_ROOT, td(), []),
    Case("named-user", NON_ROOT, td(user="app"), []),
    Case("awsx-uid", NON_ROOT, awsx(user="1000"), []),
    Case("windows-has-no-user", NON_ROOT, windows(cpu="1024", memory="2048"), []),
    Case("allowed-uid", NON_ROOT, td(), [], {"allowedUids": [1000]}),
    Case(
        "missing",
        NON_ROOT,
        td(user=f.DROP),
        [
            "Container 'app' in task definition 'web-task' must declare a non-root user: "
            f"{ROOT_FIX}."
        ],
    ),
    Case(
        "root",
        NON_ROOT,
        td(user="root"),
        [
            "Container 'app' in task definition 'web-task' must not run as root "
            f"(user 'root'; it names root): {ROOT_FIX}."
        ],
    ),
    Case("uid-0-group", NON_ROOT, td(user="0:1000"), ["(user '0:1000'; UID 0 is root)"]),
    Case("padded-zero", NON_ROOT, td(user=" 00 "), ["UID 0 is root"]),
    Case("empty", NON_ROOT, td(user=""), ["(user ''; it names no user)"]),
    Case("int", NON_ROOT, td(user=0), ["must declare user as a string, not 0"]),
    Case("awsx-root", NON_ROOT, awsx(user="root"), ["Container 'app' in service 'web' must not"]),
    Case(
        "not-allowed-uid",
        NON_ROOT,
        td(),
        ["must run as one of the allowed UIDs 2000, not '1000:1000'"],
        {"allowedUids": [2000]},
    ),
    Case(
        "numeric-required",
        NON_ROOT,
        td(user="app"),
        ["must name a numeric UID, not user 'app'"],
        {"requireNumericUid": True},
    ),
    # --- ecs-container-not-privileged --------------------------------------------------------
    Case("absent", PRIVILEGED, td(), []),
    Case("false", PRIVILEGED, td(privileged=False), []),
    Case("awsx-false", PRIVILEGED, awsx(privileged=False), []),
    Case(
        "true",
        PRIVILEGED,
        td(privileged=True),
        [
            "Container 'app' in task definition 'web-task' must not be privileged "
            "(privileged true): remove privileged or set it to false."
        ],
    ),
    Case("string", PRIVILEGED, td(privileged="true"), ["(privileged 'true')"]),
    Case("awsx-true", PRIVILEGED, awsx(privileged=True), ["in service 'web' must not be"]),
    # --- ecs-container-health-check ----------------------------------------------------------
    Case("probe", HEALTH, td(), []),
    Case(
        "bounds",
        HEALTH,
        td(
            healthCheck={
                "command": ["CMD-SHELL", CURL_PROBE],
                "interval": 5,
                "timeout": 60,
                "retries": 10,
                "startPeriod": 300,
            }
        ),
        [],
    ),
    Case(
        "sidecar-without",
        HEALTH,
        f.task_definition(
            [f.container(), f.container(name="xray", essential=False, healthCheck=f.DROP)]
        ),
        [],
    ),
    Case("awsx", HEALTH, awsx(), []),
    Case(
        "missing",
        HEALTH,
        td(healthCheck=f.DROP),
        [
            "Container 'app' in task definition 'web-task' is essential and must declare a "
            "healthCheck: add one whose command is ['CMD', ...] and probe /healthz on port 8000 "
            "(ECS ignores the image's HEALTHCHECK)."
        ],
    ),
    Case(
        "interval",
        HEALTH,
        td(healthCheck={"command": PROBE, "interval": 600}),
        ["must set healthCheck.interval to a whole number from 5 to 300 seconds, not 600."],
    ),
    Case(
        "timeout-and-retries",
        HEALTH,
        td(healthCheck={"command": PROBE, "timeout": 1, "retries": 0}),
        [
            "healthCheck.timeout to a whole number from 2 to 60 seconds, not 1",
            "healthCheck.retries to a whole number from 1 to 10 retries, not 0",
        ],
    ),
    Case(
        "start-period-string",
        HEALTH,
        td(healthCheck={"command": PROBE, "startPeriod": "10"}),
        ["healthCheck.startPeriod to a whole number from 0 to 300 seconds, not '10'"],
    ),
    Case(
        "none",
        HEALTH,
        td(healthCheck={"command": ["NONE"]}),
        ["must set healthCheck.command to ['CMD', <program>, ...] or ['CMD-SHELL', <script>], not"],
    ),
    Case("not-object", HEALTH, td(healthCheck="curl"), ["must set healthCheck to an object"]),
    Case(
        "sidecar-with-knob",
        HEALTH,
        f.task_definition(
            [f.container(), f.container(name="xray", essential=False, healthCheck=f.DROP)]
        ),
        ["Container 'xray' in task definition 'web-task' is essential and must declare"],
        {"checkNonEssential": True},
    ),
    # A health check must check something: a command that cannot fail is no check (issue 14).
    Case("curl-or-exit-1", HEALTH, check("CMD-SHELL", CURL_PROBE), []),
    Case(
        "wget-pipe-grep",
        HEALTH,
        check("CMD-SHELL", "wget -qO- http://127.0.0.1:8000/healthz | grep ok"),
        [],
    ),
    Case(
        "curl-and-echo",
        HEALTH,
        check("CMD-SHELL", "curl -f http://localhost:8000/healthz && echo ok"),
        [],
    ),
    Case(
        "curl-redirected",
        HEALTH,
        check("CMD-SHELL", "curl -sf http://localhost:8000/healthz >/dev/null 2>&1"),
        [],
    ),
    Case("exec-form-curl", HEALTH, check("CMD", "curl", "-f", "http://localhost:8000/healthz"), []),
    Case("nc-port", HEALTH, check("CMD", "nc", "-z", "127.0.0.1", "8000"), []),
    Case(
        "allowed-probe-command",
        HEALTH,
        check("CMD", "/bin/grpc_health_probe", "-addr=app"),
        [],
        {"allowedProbeCommands": ["grpc_health_probe"]},
    ),
    Case(
        "accepted-unreadable",
        HEALTH,
        check(
            "CMD-SHELL", "if curl -f http://localhost:8000/healthz; then exit 0; else exit 1; fi"
        ),
        [],
        {
            "acceptedCommands": [
                "if curl -f http://localhost:8000/healthz; then exit 0; else exit 1; fi"
            ]
        },
    ),
    Case(
        "cmd-true",
        HEALTH,
        check("CMD", "true"),
        [
            "Container 'app' in task definition 'web-task' must set a healthCheck.command that "
            'fails when the app does not answer, but ["CMD", "true"] exits 0 on every path: a '
            "probe "
            "requests the app's URL or port and exits non-zero when it does not answer, e.g. "
            "['CMD', 'python', '-c', <urlopen of http://127.0.0.1:8000/healthz>] or "
            "['CMD-SHELL', 'curl -f http://localhost:8000/healthz || exit 1'], with nothing after "
            "it that turns a failure into success (`|| true`, `|| exit 0`, `; true`); a program "
            "that probes without a URL goes in allowedProbeCommands."
        ],
    ),
    Case("cmd-bin-true", HEALTH, check("CMD", "/bin/true"), [NEVER_FAILS]),
    Case("shell-true", HEALTH, check("CMD-SHELL", "true"), [NEVER_FAILS]),
    Case("shell-exit-0", HEALTH, check("CMD-SHELL", "exit 0"), [NEVER_FAILS]),
    Case("shell-colon", HEALTH, check("CMD-SHELL", ":"), [NEVER_FAILS]),
    Case("cmd-echo", HEALTH, check("CMD", "echo", "healthy"), [NEVER_FAILS]),
    Case(
        "shell-echo-url",
        HEALTH,
        check("CMD-SHELL", "echo http://localhost:8000/healthz"),
        [NEVER_FAILS],
    ),
    Case(
        "probe-or-true",
        HEALTH,
        check("CMD-SHELL", "curl -f http://localhost:8000/healthz || true"),
        [NEVER_FAILS],
    ),
    Case(
        "probe-or-exit-0",
        HEALTH,
        check("CMD-SHELL", "curl -f http://localhost:8000/healthz || exit 0"),
        [NEVER_FAILS],
    ),
    Case(
        "exec-sh-probe-or-exit-0",
        HEALTH,
        check("CMD", "sh", "-c", "curl -f http://localhost:8000/healthz || exit 0"),
        [NEVER_FAILS],
    ),
    Case(
        "list-ends-true",
        HEALTH,
        check("CMD-SHELL", "curl -f http://localhost:8000/healthz; true"),
        [NEVER_FAILS],
    ),
    Case(
        "list-ends-echo",
        HEALTH,
        check("CMD-SHELL", "curl -f http://localhost:8000/healthz\necho done"),
        [NEVER_FAILS],
    ),
    Case(
        "list-ends-exit-0",
        HEALTH,
        check("CMD-SHELL", "curl -f http://localhost:8000/healthz > /dev/null; exit 0"),
        [NEVER_FAILS],
    ),
    Case(
        "probe-backgrounded",
        HEALTH,
        check("CMD-SHELL", "curl -f http://localhost:8000/healthz &"),
        [NEVER_FAILS],
    ),
    Case(
        "nested-sh-probe-or-exit-0",
        HEALTH,
        check("CMD-SHELL", "exec sh -c 'curl -f http://localhost:8000/healthz || exit 0'"),
        [NEVER_FAILS],
    ),
    Case(
        "nested-sh-probe",
        HEALTH,
        check("CMD-SHELL", "sh -c 'curl -f http://localhost:8000/healthz' && echo ok"),
        [],
    ),
    Case(
        "no-probe-ls",
        HEALTH,
        check("CMD-SHELL", "ls /tmp"),
        [
            "Container 'app' in task definition 'web-task' must set a healthCheck.command that "
            'probes the app, but no command in ["CMD-SHELL", "ls /tmp"] reaches it (a URL, '
            "address or port of "
            "the container) and decides the result: a probe requests the app's URL or port"
        ],
    ),
    Case(
        "no-probe-python-exit",
        HEALTH,
        check("CMD", "python", "-c", "import sys; sys.exit(0)"),
        [NO_PROBE],
    ),
    Case(
        "no-probe-unlisted-binary",
        HEALTH,
        check("CMD", "/bin/grpc_health_probe", "-addr=app"),
        [NO_PROBE],
    ),
    Case(
        "probe-piped-to-true",
        HEALTH,
        check("CMD-SHELL", "curl -f http://localhost:8000/healthz | true"),
        [NEVER_FAILS],
    ),
    Case(
        "unreadable-if",
        HEALTH,
        check(
            "CMD-SHELL", "if curl -f http://localhost:8000/healthz; then exit 0; else exit 1; fi"
        ),
        [
            'must set a healthCheck.command the pack can read, but ["CMD-SHELL", "if curl -f '
            "http://localhost:8000/healthz; then exit 0; else ex... cannot be read: it uses "
            "the compound command 'if': write it as ['CMD', <client>, <url>] or a CMD-SHELL "
            "script of simple commands joined by &&, ||, ; or | with balanced quotes (no "
            "subshells, groups, if/while/for/case), or list it exactly in this policy's "
            "acceptedCommands."
        ],
    ),
    Case(
        "unreadable-quote",
        HEALTH,
        check("CMD-SHELL", "curl -f 'http://localhost:8000/healthz"),
        ["cannot be read: its quoting does not balance (No closing quotation)"],
    ),
    Case(
        "unreadable-subshell",
        HEALTH,
        check("CMD-SHELL", "(curl -f http://localhost:8000/healthz) || exit 0"),
        ["cannot be read: it uses a subshell or function ('(')"],
    ),
    # --- alb-target-group-health-check -------------------------------------------------------
    Case("healthz", TG_HEALTH, f.target_group(), []),
    Case("lambda", TG_HEALTH, f.target_group(targetType="lambda", healthCheck=f.DROP), []),
    Case("tcp", TG_HEALTH, f.target_group(protocol="TCP", healthCheck=f.DROP), []),
    Case("allowed-path", TG_HEALTH, f.target_group(), [], {"allowedPaths": ["/healthz"]}),
    Case(
        "missing",
        TG_HEALTH,
        f.target_group(healthCheck=f.DROP),
        [
            "Target group 'web-tg' must configure healthCheck with an HTTP path and matcher, not "
            "unset: set healthCheck.path (e.g. '/healthz') and healthCheck.matcher (e.g. '200')."
        ],
    ),
    Case(
        "no-path",
        TG_HEALTH,
        f.target_group(healthCheck={"matcher": "200"}),
        ["must health-check an explicit HTTP path starting with '/', not unset"],
    ),
    Case(
        "no-matcher",
        TG_HEALTH,
        f.target_group(healthCheck={"path": "/healthz"}),
        ["must set healthCheck.matcher to the HTTP codes of a healthy response"],
    ),
    Case(
        "disabled",
        TG_HEALTH,
        f.target_group(healthCheck={"enabled": False, "path": "/", "matcher": "200"}),
        ["Target group 'web-tg' must not disable its health check"],
    ),
    Case(
        "tcp-check",
        TG_HEALTH,
        f.target_group(healthCheck={"protocol": "TCP", "path": "/healthz", "matcher": "200"}),
        ["must health-check over HTTP or HTTPS, not 'TCP'"],
    ),
    Case(
        "path-not-allowed",
        TG_HEALTH,
        f.target_group(),
        ["must health-check one of the allowed paths /livez, not '/healthz'"],
        {"allowedPaths": ["/livez"]},
    ),
    # --- ecs-service-health-check-grace-period -----------------------------------------------
    Case("service", GRACE, f.service(), []),
    Case(
        "no-load-balancer",
        GRACE,
        f.service(loadBalancers=[], healthCheckGracePeriodSeconds=f.DROP),
        [],
    ),
    Case("awsx", GRACE, f.awsx_service(), []),
    Case(
        "awsx-no-target-group",
        GRACE,
        f.awsx_service(
            c={"portMappings": [{"containerPort": 8000}]}, healthCheckGracePeriodSeconds=f.DROP
        ),
        [],
    ),
    Case(
        "missing",
        GRACE,
        f.service(healthCheckGracePeriodSeconds=f.DROP),
        [
            "Service 'web-service' is behind a load balancer and must set "
            "healthCheckGracePeriodSeconds to at least 30, not unset: without it failed "
            "load-balancer checks stop tasks that are still starting."
        ],
    ),
    Case("short", GRACE, f.service(healthCheckGracePeriodSeconds=10), ["at least 30, not 10"]),
    Case(
        "awsx-missing",
        GRACE,
        f.awsx_service(healthCheckGracePeriodSeconds=f.DROP),
        ["Service 'web' is behind a load balancer"],
    ),
    Case("knob", GRACE, f.service(), ["at least 120, not 60"], {"minimumGracePeriodSeconds": 120}),
    Case("string", GRACE, f.service(healthCheckGracePeriodSeconds="60"), ["not '60'"]),
    # --- ecs-container-single-process --------------------------------------------------------
    Case("image-cmd", PROCESS, td(), []),
    Case("uvicorn", PROCESS, td(command=["uvicorn", "app.main:app", "--port", "8000"]), []),
    Case("one-worker", PROCESS, td(command=["uvicorn", "app.main:app", "--workers", "1"]), []),
    Case("sh-and", PROCESS, td(command=["sh", "-c", "migrate && exec uvicorn app.main:app"]), []),
    Case("concurrency-1", PROCESS, td(environment=env(("WEB_CONCURRENCY", "1"))), []),
    Case(
        "gunicorn",
        PROCESS,
        td(command=["gunicorn", "-k", "uvicorn.workers.UvicornWorker", "app.main:app"]),
        [
            f"{ONE_PROCESS} it starts gunicorn, a process manager that forks workers: run one "
            "server process (`uvicorn app.main:app --host 0.0.0.0 --port 8000`, no --workers) "
            "and scale with the service's desiredCount."
        ],
    ),
    Case(
        "python-m-gunicorn",
        PROCESS,
        td(command=["python", "-m", "gunicorn", "app"]),
        ["starts gunicorn"],
    ),
    Case("debian-gunicorn3", PROCESS, td(entryPoint=["/usr/bin/gunicorn3"]), ["starts gunicorn"]),
    Case(
        "uvicorn-workers",
        PROCESS,
        td(command=["uvicorn", "app.main:app", "--workers", "4"]),
        ["it runs uvicorn with 4 workers (only 1 keeps one process)"],
    ),
    Case(
        "uvicorn-workers-eq",
        PROCESS,
        td(command=["uvicorn", "app", "--workers=2"]),
        ["uvicorn with 2 workers"],
    ),
    Case("uvicorn-w", PROCESS, td(command=["uvicorn app -w 3"]), ["uvicorn with 3 workers"]),
    Case(
        "uvicorn-nproc",
        PROCESS,
        td(command=["sh", "-c", "uvicorn app --workers $(nproc)"]),
        ["uvicorn with $(nproc) workers"],
    ),
    Case("uvicorn-reload", PROCESS, td(command=["uvicorn", "app", "--reload"]), ["with --reload"]),
    Case(
        "hypercorn",
        PROCESS,
        td(command=["hypercorn", "-w4", "app:app"]),
        ["hypercorn with 4 workers"],
    ),
    Case(
        "granian",
        PROCESS,
        td(command=["granian", "--workers", "2", "app:app"]),
        ["granian with 2 workers"],
    ),
    Case(
        "unreadable-quote",
        PROCESS,
        td(command=["sh", "-c", "exec uvicorn 'app.main:app"]),
        [
            "Container 'app' in task definition 'web-task' must start with a command line the "
            'pack can read, but its shell script "exec uvicorn \'app.main:app": its quoting does '
            "not balance (No closing quotation): write it as an exec-form array, or a `sh -c` "
            "script of simple commands joined by &&, ||, ; or | with balanced quotes (no "
            "subshells, groups, if/while/for/case), or list the exact text in this policy's "
            "acceptedCommands."
        ],
    ),
    Case(
        "accepted-unreadable",
        PROCESS,
        td(command=["sh", "-c", "if [ -f /tmp/x ]; then exec uvicorn app; fi"]),
        [],
        {"acceptedCommands": ["if [ -f /tmp/x ]; then exec uvicorn app; fi"]},
    ),
    Case(
        "background",
        PROCESS,
        td(command=["/bin/sh", "-c", "uvicorn app & celery -A app worker"]),
        ["its shell script 'uvicorn app & celery -A app worker' backgrounds a process with '&'"],
    ),
    Case(
        "supervisord",
        PROCESS,
        td(command=["supervisord", "-n"]),
        ["starts supervisord, a process supervisor"],
    ),
    Case("honcho", PROCESS, td(command=["honcho", "start"]), ["starts honcho"]),
    Case("circus", PROCESS, td(entryPoint=["circusd", "/etc/circus.ini"]), ["starts circusd"]),
    Case(
        "web-concurrency",
        PROCESS,
        td(environment=env(("WEB_CONCURRENCY", "4"))),
        ["its environment sets WEB_CONCURRENCY='4' (only 1 is one process)"],
    ),
    Case(
        "uvicorn-workers-env",
        PROCESS,
        td(environment=env(("UVICORN_WORKERS", "2"))),
        ["UVICORN_WORKERS='2'"],
    ),
    Case(
        "gunicorn-cmd-args",
        PROCESS,
        td(environment=env(("GUNICORN_CMD_ARGS", "--workers 2"))),
        ["its environment sets GUNICORN_CMD_ARGS, which configures gunicorn workers"],
    ),
    Case(
        "workers-per-core",
        PROCESS,
        td(environment=env(("WORKERS_PER_CORE", "0.5"))),
        ["WORKERS_PER_CORE"],
    ),
    Case(
        "tiangolo",
        PROCESS,
        td(image="tiangolo/uvicorn-gunicorn-fastapi:python3.11"),
        [
            "its image 'tiangolo/uvicorn-gunicorn-fastapi:python3.11' runs a process manager "
            "(tiangolo/uvicorn-gunicorn)"
        ],
    ),
    Case(
        "awsx",
        PROCESS,
        awsx(command=["gunicorn", "app"]),
        ["Container 'app' in service 'web' must run one process"],
    ),
    Case(
        "command-type",
        PROCESS,
        td(command="uvicorn app"),
        ["must set command to an array of strings, not 'uvicorn app'"],
    ),
    Case(
        "extra-command",
        PROCESS,
        td(command=["celery", "-A", "app", "worker"]),
        ["it starts celery, a program this platform forbids"],
        {"extraForbiddenCommands": ["celery"]},
    ),
    Case(
        "extra-image",
        PROCESS,
        td(image="registry.example.com/legacy/multi:1"),
        ["runs a process manager (legacy/multi)"],
        {"extraForbiddenImages": ["legacy/multi"]},
    ),
    # --- ecs-fargate-task-size -----------------------------------------------------------------
    Case("smallest", SIZE, f.task_definition(), []),
    Case("vcpu-gb-strings", SIZE, f.task_definition(cpu="1 vCPU", memory="2 GB"), []),
    Case("largest", SIZE, f.task_definition(cpu="16384", memory="122880"), []),
    Case("vcpu-lower-case", SIZE, f.task_definition(cpu="1 vcpu", memory="3072"), []),
    Case("half-vcpu-gb", SIZE, f.task_definition(cpu="0.5 vCPU", memory="1GB"), []),
    Case("gb-no-space", SIZE, f.task_definition(cpu="2048", memory="16GB"), []),
    Case("empty", SIZE, f.task_definition(cpu="", memory="512"), ["cpu '' is not a CPU value"]),
    Case("negative", SIZE, f.task_definition(cpu="-1", memory="512"), ["cpu '-1' is not a CPU"]),
    Case(
        "memory-word",
        SIZE,
        f.task_definition(memory="lots"),
        ["memory 'lots' is not a memory value: use MiB (512, 1024, 2048, ...) or GB"],
    ),
    Case(
        "cheapest-fit",
        SIZE,
        f.task_definition(cpu="512", memory="5 GB"),
        ["nearest valid sizes (cpu/memory): 512/4096, 1024/5120."],
    ),
    Case("windows", SIZE, windows(cpu="1024", memory="2048"), []),
    Case(
        "arm64",
        SIZE,
        f.task_definition(cpu="2048", memory="4GB", runtimePlatform={"cpuArchitecture": "ARM64"}),
        [],
    ),
    Case("awsx-computed", SIZE, f.awsx_service(task={"cpu": f.DROP, "memory": f.DROP}), []),
    Case("not-fargate", SIZE, f.task_definition(requiresCompatibilities=["EC2"], cpu="3"), []),
    Case(
        "memory-row",
        SIZE,
        f.task_definition(cpu="256", memory="4096"),
        [
            "Task definition 'web-task' must use a valid Fargate task size: memory 4096 MiB is "
            "not valid with cpu 256: use 512, 1024 or 2048 MiB; nearest valid sizes (cpu/memory): "
            "256/2048, 512/4096."
        ],
    ),
    Case(
        "cpu",
        SIZE,
        f.task_definition(cpu="3072", memory="6144"),
        ["cpu 3072 is not a Fargate Linux task CPU"],
    ),
    Case(
        "fraction",
        SIZE,
        f.task_definition(cpu="1.3 vCPU", memory="2048"),
        ["cpu '1.3 vCPU' is not a CPU value"],
    ),
    Case(
        "garbage",
        SIZE,
        f.task_definition(cpu="two", memory="512"),
        ["cpu 'two' is not a CPU value"],
    ),
    Case(
        "windows-small",
        SIZE,
        windows(cpu="256", memory="512"),
        ["cpu 256 is not a Fargate Windows task CPU"],
    ),
    Case(
        "windows-arm64",
        SIZE,
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
        SIZE,
        f.task_definition(memory=f.DROP),
        ["must set task-level memory (Fargate requires both cpu and memory)"],
    ),
    Case(
        "architecture",
        SIZE,
        f.task_definition(runtimePlatform={"cpuArchitecture": "arm"}),
        ["must set runtimePlatform.cpuArchitecture to one of X86_64, ARM64, not 'arm'"],
    ),
    Case(
        "not-allowed-arch",
        SIZE,
        f.task_definition(runtimePlatform={"cpuArchitecture": "ARM64"}),
        ["must run on one of the allowed CPU architectures X86_64, not ARM64"],
        {"allowedCpuArchitectures": ["X86_64"]},
    ),
    Case(
        "awsx",
        SIZE,
        f.awsx_service(task={"cpu": "512", "memory": "512"}),
        ["Service 'web' must use a valid"],
    ),
    # --- ecs-container-resources-fit-task ----------------------------------------------------
    Case("no-container-sizes", FIT, f.task_definition(), []),
    Case(
        "split",
        FIT,
        f.task_definition(
            [
                f.container(cpu=128, memory=256),
                f.container(name="xray", cpu=128, memoryReservation=256),
            ]
        ),
        [],
    ),
    Case("reservation-below", FIT, td(memory=512, memoryReservation=256), []),
    Case("mock-floats", FIT, td(cpu=256.0, memory=512.0), []),
    Case(
        "reservation-above",
        FIT,
        td(memory=256, memoryReservation=512),
        [
            "Container 'app' in task definition 'web-task' must set memoryReservation (512 MiB) "
            "at or below memory (256 MiB): lower memoryReservation or raise memory."
        ],
    ),
    Case(
        "cpu-sum",
        FIT,
        f.task_definition([f.container(cpu=256), f.container(name="xray", cpu=256)]),
        [
            "Containers of task definition 'web-task' must fit in the task's 256 CPU units of cpu, "
            "but they ask for 512 ('app' 256, 'xray' 256): lower the containers' cpu or raise "
            "the task's."
        ],
    ),
    Case(
        "memory",
        FIT,
        td(memory=1024),
        ["must fit in the task's 512 MiB of memory, but they ask for 1024"],
    ),
    Case(
        "vcpu-task",
        FIT,
        f.task_definition([f.container(cpu=2048)], cpu="1 vCPU", memory="2 GB"),
        ["1024 CPU units"],
    ),
    Case("type", FIT, td(memory="512"), ["must set memory to a whole number of MiB, not '512'"]),
    # --- ecs-task-definition-readable --------------------------------------------------------
    Case("json", READABLE, f.task_definition(), []),
    Case("awsx-single", READABLE, f.awsx_service(), []),
    Case(
        "awsx-map",
        READABLE,
        f.awsx_service(
            task={
                "container": f.DROP,
                "containers": {"app": f.awsx_container(), "xray": f.awsx_container(name=f.DROP)},
            }
        ),
        [],
    ),
    Case(
        "list-not-string",
        READABLE,
        Resource(
            "aws:ecs/taskDefinition:TaskDefinition", "t", {"containerDefinitions": [f.container()]}
        ),
        [],
    ),
    Case(
        "not-json",
        READABLE,
        f.task_definition(containerDefinitions="[{name: app}"),
        [
            "Task definition 'web-task' must set containerDefinitions to a JSON array of "
            "container definitions; it is not valid JSON (Expecting property name enclosed in "
            "double quotes: line 1 column 3 (char 2))."
        ],
    ),
    Case(
        "object",
        READABLE,
        f.task_definition(containerDefinitions=json.dumps(f.container())),
        ["must set containerDefinitions to a non-empty JSON array of container definitions, not"],
    ),
    Case("empty", READABLE, f.task_definition(containerDefinitions="[]"), ["not [] (array)"]),
    Case(
        "element",
        READABLE,
        f.task_definition(["app"]),
        ["must make container definition #1 a JSON object, not 'app'"],
    ),
    Case(
        "no-name",
        READABLE,
        f.task_definition([f.container(), f.container(name=f.DROP)]),
        ["must give container definition #2 a non-empty string name, not null"],
    ),
    Case(
        "duplicate",
        READABLE,
        f.task_definition([f.container(), f.container()]),
        ["'app' is used twice"],
    ),
    Case(
        "awsx-both",
        READABLE,
        f.awsx_service(task={"containers": {"x": f.awsx_container()}}),
        ["Service 'web' must set exactly one of container or containers, not both."],
    ),
    Case(
        "env-not-list",
        READABLE,
        td(environment={"A": "1"}),
        ["must set environment to an array of {name, value} objects"],
    ),
    Case(
        "env-no-name",
        READABLE,
        td(environment=[{"value": "1"}]),
        ["must give every environment entry a string name"],
    ),
    # --- ecs-container-read-only-root-fs -----------------------------------------------------
    Case("true", READ_ONLY, td(), []),
    Case("awsx", READ_ONLY, awsx(), []),
    Case(
        "exempt", READ_ONLY, td(readonlyRootFilesystem=False), [], {"exemptContainerNames": ["app"]}
    ),
    Case(
        "missing",
        READ_ONLY,
        td(readonlyRootFilesystem=f.DROP),
        [
            "Container 'app' in task definition 'web-task' must set readonlyRootFilesystem to "
            "true, not unset, and mount a volume at /tmp for anything the app writes."
        ],
    ),
    Case("false", READ_ONLY, td(readonlyRootFilesystem=False), ["to true, not false"]),
    Case(
        "string",
        READ_ONLY,
        awsx(readonlyRootFilesystem="true"),
        ["in service 'web' must set readonlyRootFilesystem to true, not 'true'"],
    ),
    # --- ecs-container-awslogs ---------------------------------------------------------------
    Case("awslogs", LOGS, td(), []),
    Case("awsx-default", LOGS, awsx(), []),
    Case(
        "firelens-allowed",
        LOGS,
        td(logConfiguration={"logDriver": "awsfirelens"}),
        [],
        {"allowedLogDrivers": ["awslogs", "awsfirelens"]},
    ),
    Case(
        "missing",
        LOGS,
        td(logConfiguration=f.DROP),
        [
            "Container 'app' in task definition 'web-task' must configure logs: set "
            "logConfiguration to {logDriver: 'awslogs', options: {awslogs-group, awslogs-region, "
            "awslogs-stream-prefix}}."
        ],
    ),
    Case(
        "json-file",
        LOGS,
        td(logConfiguration={"logDriver": "json-file"}),
        ["one of the log drivers awslogs, not 'json-file'"],
    ),
    Case(
        "options",
        LOGS,
        td(logConfiguration={"logDriver": "awslogs", "options": {"awslogs-group": "g"}}),
        ["must set the awslogs options awslogs-region, awslogs-stream-prefix"],
    ),
    Case(
        "awsx-skip-log-group",
        LOGS,
        f.awsx_service(task={"logGroup": {"skip": True}}),
        ["Container 'app' in service 'web' must configure logs"],
    ),
    # --- ecr-repository-scan-on-push / ecr-repository-immutable-tags -------------------------
    Case("scan", SCAN, f.repository(), []),
    Case(
        "awsx-scan",
        SCAN,
        Resource("awsx:ecr:Repository", "r", {"imageScanningConfiguration": {"scanOnPush": True}}),
        [],
    ),
    Case("scan-other-props", SCAN, f.repository(forceDelete=True), []),
    Case(
        "no-scan",
        SCAN,
        f.repository(imageScanningConfiguration=f.DROP),
        [
            "ECR repository 'web-repo' must set imageScanningConfiguration.scanOnPush to true, "
            "not unset, so every pushed image is scanned for known CVEs."
        ],
    ),
    Case(
        "scan-false",
        SCAN,
        f.repository(imageScanningConfiguration={"scanOnPush": False}),
        ["scanOnPush to true, not false"],
    ),
    Case(
        "scan-empty",
        SCAN,
        f.repository(imageScanningConfiguration={}),
        ["scanOnPush to true, not unset"],
    ),
    Case("immutable", IMMUTABLE, f.repository(), []),
    Case(
        "awsx-immutable",
        IMMUTABLE,
        Resource("awsx:ecr:Repository", "r", {"imageTagMutability": "IMMUTABLE"}),
        [],
    ),
    Case(
        "exclusions-allowed",
        IMMUTABLE,
        f.repository(imageTagMutability="IMMUTABLE_WITH_EXCLUSION"),
        [],
        {"allowExclusions": True},
    ),
    Case(
        "default-mutable",
        IMMUTABLE,
        f.repository(imageTagMutability=f.DROP),
        [
            "ECR repository 'web-repo' must set imageTagMutability to 'IMMUTABLE', not unset "
            "(ECR's default is MUTABLE), and deploy each build under a new tag or digest."
        ],
    ),
    Case("mutable", IMMUTABLE, f.repository(imageTagMutability="MUTABLE"), ["not 'MUTABLE'"]),
    Case(
        "exclusions",
        IMMUTABLE,
        f.repository(imageTagMutability="IMMUTABLE_WITH_EXCLUSION"),
        ["not 'IMMUTABLE_WITH_EXCLUSION'"],
    ),
    # --- ecs-service-no-public-ip ------------------------------------------------------------
    Case("private", PUBLIC_IP, f.service(), []),
    Case("awsx-private", PUBLIC_IP, f.awsx_service(), []),
    Case(
        "awsx-flag-false",
        PUBLIC_IP,
        f.awsx_service(networkConfiguration=f.DROP, assignPublicIp=False),
        [],
    ),
    Case("no-network", PUBLIC_IP, f.service(networkConfiguration=f.DROP), []),
    Case(
        "public",
        PUBLIC_IP,
        f.service(networkConfiguration={"subnets": ["s"], "assignPublicIp": True}),
        [
            "Service 'web-service' must not give its tasks public IP addresses (assignPublicIp "
            "true): set assignPublicIp to false, run tasks in private subnets and reach the "
            "internet through a NAT gateway or VPC endpoints."
        ],
    ),
    Case(
        "awsx-public",
        PUBLIC_IP,
        f.awsx_service(networkConfiguration={"assignPublicIp": True}),
        ["Service 'web' must not"],
    ),
    Case(
        "awsx-flag",
        PUBLIC_IP,
        f.awsx_service(networkConfiguration=f.DROP, assignPublicIp=True),
        ["(assignPublicIp true)"],
    ),
    # --- ecs-service-circuit-breaker ---------------------------------------------------------
    Case("breaker", BREAKER, f.service(), []),
    Case(
        "codedeploy",
        BREAKER,
        f.service(deploymentController={"type": "CODE_DEPLOY"}, deploymentCircuitBreaker=f.DROP),
        [],
    ),
    Case(
        "no-rollback-knob",
        BREAKER,
        f.service(deploymentCircuitBreaker={"enable": True}),
        [],
        {"requireRollback": False},
    ),
    Case(
        "missing",
        BREAKER,
        f.service(deploymentCircuitBreaker=f.DROP),
        [
            "Service 'web-service' must set deploymentCircuitBreaker.enable to true, not unset, "
            "so a deployment whose tasks never turn healthy stops and rolls back.",
            "deploymentCircuitBreaker.rollback to true, not unset",
        ],
    ),
    Case(
        "no-rollback",
        BREAKER,
        f.service(deploymentCircuitBreaker={"enable": True, "rollback": False}),
        ["rollback to true, not false"],
    ),
    Case(
        "awsx-disabled",
        BREAKER,
        f.awsx_service(deploymentCircuitBreaker={"enable": False, "rollback": True}),
        ["Service 'web' must set deploymentCircuitBreaker.enable"],
    ),
    # --- alb-http-redirects-to-https ---------------------------------------------------------
    Case("redirect", REDIRECT, f.http_listener(), []),
    Case("https", REDIRECT, f.https_listener(), []),
    Case(
        "tcp", REDIRECT, f.http_listener(protocol="TCP", defaultActions=[{"type": "forward"}]), []
    ),
    Case(
        "forward",
        REDIRECT,
        f.http_listener(defaultActions=[{"type": "forward", "targetGroupArn": "tg"}]),
        [
            "Listener 'web-http' serves plain HTTP and must redirect it to HTTPS (default actions "
            "[\"forward\"]): make its default action {type: 'redirect', redirect: {protocol: "
            "'HTTPS', port: '443', statusCode: 'HTTP_301'}} and serve traffic on an HTTPS listener."
        ],
    ),
    Case(
        "to-http",
        REDIRECT,
        f.http_listener(
            defaultActions=[{"type": "redirect", "redirect": {"protocol": "HTTP", "port": "8080"}}]
        ),
        ['(default actions ["redirect"])'],
    ),
    Case("no-actions", REDIRECT, f.http_listener(defaultActions=[]), ["(default actions [])"]),
    Case(
        "protocol-unset",
        REDIRECT,
        f.http_listener(protocol=f.DROP, defaultActions=[{"type": "fixed-response"}]),
        ["serves plain HTTP"],
    ),
    # --- alb-https-tls12 ---------------------------------------------------------------------
    Case("tls13", TLS, f.https_listener(), []),
    Case("fs-tls12", TLS, f.https_listener(sslPolicy="ELBSecurityPolicy-FS-1-2-Res-2020-10"), []),
    Case("http-ignored", TLS, f.http_listener(), []),
    Case(
        "missing",
        TLS,
        f.https_listener(sslPolicy=f.DROP),
        [
            "Listener 'web-https' must use a TLS 1.2+ security policy, not unset: set sslPolicy "
            "to 'ELBSecurityPolicy-TLS13-1-2-2021-06' or another of "
            f"{tls.allowed_policies_text()}."
        ],
    ),
    # Named like TLS 1.3 policies, yet their rows in the ELB guide's protocol tables allow
    # TLS 1.1 or 1.0; and a name AWS never published. Then two that refuse both: accepted.
    *(
        Case(label, TLS, f.https_listener(sslPolicy=policy), [f"not '{policy}'"] if bad else [])
        for label, policy, bad in (
            ("tls13-named-but-allows-tls10", "ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04", True),
            ("tls13-named-but-allows-tls11", "ELBSecurityPolicy-TLS13-1-1-2021-06", True),
            ("made-up-name", "ELBSecurityPolicy-TLS13-1-2-2099-01", True),
            ("fips-tls12", "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04", False),
            ("fs-tls12-only", "ELBSecurityPolicy-FS-1-2-Res-2020-10", False),
        )
    ),
    Case(
        "legacy",
        TLS,
        f.https_listener(sslPolicy="ELBSecurityPolicy-2016-08"),
        ["not 'ELBSecurityPolicy-2016-08'"],
    ),
    Case(
        "tls11",
        TLS,
        f.https_listener(sslPolicy="ELBSecurityPolicy-TLS-1-1-2017-01"),
        ["not 'ELBSecurityPolicy-TLS-1-1-2017-01'"],
    ),
    Case(
        "not-allowed",
        TLS,
        f.https_listener(sslPolicy="ELBSecurityPolicy-FS-1-2-Res-2020-10"),
        ["must use one of the allowed security policies ELBSecurityPolicy-TLS13-1-2-2021-06"],
        {"allowedSslPolicies": ["ELBSecurityPolicy-TLS13-1-2-2021-06"]},
    ),
    # --- alb-drop-invalid-headers ------------------------------------------------------------
    Case("drops", HEADERS, f.load_balancer(), []),
    Case(
        "network",
        HEADERS,
        f.load_balancer(loadBalancerType="network", dropInvalidHeaderFields=f.DROP),
        [],
    ),
    Case(
        "alb-alias-type",
        HEADERS,
        Resource("aws:alb/loadBalancer:LoadBalancer", "old", {"dropInvalidHeaderFields": True}),
        [],
    ),
    Case(
        "missing",
        HEADERS,
        f.load_balancer(dropInvalidHeaderFields=f.DROP),
        [
            "Load balancer 'web-alb' must set dropInvalidHeaderFields to true, not unset, so "
            "malformed headers cannot reach the app (request smuggling)."
        ],
    ),
    Case(
        "false",
        HEADERS,
        f.load_balancer(dropInvalidHeaderFields=False),
        ["dropInvalidHeaderFields to true, not false"],
    ),
    Case(
        "type-unset",
        HEADERS,
        f.load_balancer(loadBalancerType=f.DROP, dropInvalidHeaderFields=False),
        ["dropInvalidHeaderFields to true, not false"],
    ),
    # --- ecs-container-no-plaintext-secrets --------------------------------------------------
    Case("secrets-block", SECRETS, td(), []),
    Case(
        "plain-config",
        SECRETS,
        td(environment=env(("APP_LOG_LEVEL", "DEBUG"), ("TIMEOUT", "5"))),
        [],
    ),
    Case("empty-value", SECRETS, td(environment=env(("API_KEY", ""))), []),
    Case(
        "allowed-name",
        SECRETS,
        td(environment=env(("TOKEN_TTL_SECONDS", "300"))),
        [],
        {"allowedNames": ["TOKEN_TTL_SECONDS"]},
    ),
    Case(
        "password",
        SECRETS,
        td(environment=env(("DB_PASSWORD", "hunter2"))),
        [
            "Container 'app' in task definition 'web-task' must not pass DB_PASSWORD as a "
            "plaintext environment variable (its name contains PASSWORD): move it to the "
            "container's secrets with valueFrom set to a Secrets Manager secret or SSM "
            "parameter ARN."
        ],
    ),
    Case(
        "api-key",
        SECRETS,
        td(environment=env(("stripe_api_key", "sk"))),
        ["(its name contains API_KEY)"],
    ),
    Case(
        "aws-key-value",
        SECRETS,
        td(environment=env(("KEY_ID", "AKIAABCDEFGHIJKLMNOP"))),
        ["(its value looks like an AWS access key ID)"],
    ),
    Case(
        "private-key",
        SECRETS,
        awsx(environment=env(("CERT", "-----BEGIN RSA PRIVATE KEY-----\nx"))),
        ["in service 'web' must not pass CERT"],
    ),
    Case(
        "extra-pattern",
        SECRETS,
        td(environment=env(("DSN", "postgres://u:p@h/db"))),
        ["(its name contains DSN)"],
        {"extraSecretNamePatterns": ["dsn"]},
    ),
    # --- the edge and the roles around the service ---------------------------------------
    # Sources: pulumi-aws 7.51.1 lb/_inputs.py LoadBalancerAccessLogsArgs ("enabled ... Defaults
    # to false, even when bucket is specified"); ec2/flow_log.py (traffic_type ACCEPT, REJECT or
    # ALL; vpc_id, subnet_id, eni_id name what is logged); wafv2/web_acl_association.py
    # (resource_arn: the ALB's ARN); IAM User Guide, condition keys are case-insensitive; ECS
    # guide "Amazon ECS task IAM role" (aws:SourceAccount / aws:SourceArn on the trust policy).
    Case("logs-on", ACCESS_LOGS, f.load_balancer(), []),
    Case("allowed-bucket", ACCESS_LOGS, f.load_balancer(), [], {"allowedBucketPrefixes": ["web-"]}),
    Case(
        "internal-exempt",
        ACCESS_LOGS,
        f.load_balancer(internal=True, accessLogs=f.DROP),
        [],
        {"exemptInternal": True},
    ),
    Case(
        "network-lb",
        ACCESS_LOGS,
        f.load_balancer(loadBalancerType="network", accessLogs=f.DROP),
        [],
    ),
    Case(
        "logs-missing",
        ACCESS_LOGS,
        f.load_balancer(accessLogs=f.DROP),
        [
            "Load balancer 'web-alb' must write access logs (accessLogs.enabled unset): set "
            "accessLogs to {bucket: '<bucket>', enabled: true} and give ELB log delivery "
            "s3:PutObject on that bucket in its bucket policy."
        ],
    ),
    Case(
        "logs-disabled",
        ACCESS_LOGS,
        f.load_balancer(accessLogs={"bucket": f.LOG_BUCKET, "enabled": False}),
        ["(accessLogs.enabled false)"],
    ),
    Case(
        "no-bucket",
        ACCESS_LOGS,
        f.load_balancer(accessLogs={"enabled": True}),
        ["must name the S3 bucket of its access logs (accessLogs.bucket unset)"],
    ),
    Case(
        "other-bucket",
        ACCESS_LOGS,
        f.load_balancer(),
        [
            "Load balancer 'web-alb' must write access logs to a bucket whose name starts with "
            "'org-logs-', not 'web-prod-alb-logs-123456789012': use the platform's log bucket."
        ],
        {"allowedBucketPrefixes": ["org-logs-"]},
    ),
    Case(
        "internal-checked-by-default",
        ACCESS_LOGS,
        f.load_balancer(internal=True, accessLogs=f.DROP),
        ["must write access logs"],
    ),
    Case("vpc-with-flow-log", FLOW_LOGS, [vpc(), flow_log()], []),
    Case("reject-only", FLOW_LOGS, [vpc(), flow_log(trafficType="REJECT")], []),
    Case(
        "awsx-vpc-by-its-output",
        FLOW_LOGS,
        [Resource("awsx:ec2:Vpc", "web", {}, {"vpcId": VPC_ID}), flow_log()],
        [],
    ),
    Case(
        "no-flow-log",
        FLOW_LOGS,
        [vpc()],
        [
            "VPC 'web-vpc' must have a flow log: add an aws.ec2.FlowLog with vpcId set to it and "
            "trafficType ALL, delivered to CloudWatch Logs (with a role) or S3, so every "
            "accepted and rejected connection can be traced."
        ],
    ),
    Case("other-vpc", FLOW_LOGS, [vpc(), flow_log(vpcId="vpc-elsewhere")], ["VPC 'web-vpc' must"]),
    Case(
        "subnet-flow-log",
        FLOW_LOGS,
        [vpc(), flow_log(vpcId=f.DROP, subnetId="subnet-1")],
        ["VPC 'web-vpc' must have a flow log"],
    ),
    Case(
        "accept-only",
        FLOW_LOGS,
        [vpc(), flow_log(trafficType="ACCEPT")],
        [
            "Flow log 'web-flow-log' must capture traffic type ALL or REJECT, not 'ACCEPT': set "
            "trafficType to ALL.",
            "VPC 'web-vpc' must have a flow log",
        ],
    ),
    Case(
        "reject-not-allowed",
        FLOW_LOGS,
        [vpc(), flow_log(trafficType="REJECT")],
        ["must capture traffic type ALL, not 'REJECT'", "VPC 'web-vpc' must"],
        {"allowedTrafficTypes": ["ALL"]},
    ),
    Case("alb-behind-acl", WEB_ACL, [f.load_balancer(), f.web_acl_association()], []),
    Case(
        "legacy-wafregional",
        WEB_ACL,
        [
            f.load_balancer(),
            Resource(
                "aws:wafregional/webAclAssociation:WebAclAssociation",
                "web-acl",
                {"resourceArn": f.ALB_ARN, "webAclId": "acl-1"},
            ),
        ],
        [],
    ),
    Case("internal-alb", WEB_ACL, [f.load_balancer(internal=True)], []),
    Case("network-lb", WEB_ACL, [f.load_balancer(loadBalancerType="network")], []),
    Case(
        "no-acl",
        WEB_ACL,
        [f.load_balancer()],
        [
            "Load balancer 'web-alb' is internet-facing and must have a WAF web ACL: associate a "
            "web ACL with an aws.wafv2.WebAclAssociation whose resourceArn is the load balancer's "
            "ARN (e.g. with AWS's common and known-bad-inputs rule sets and a rate limit)."
        ],
    ),
    Case(
        "acl-on-another-resource",
        WEB_ACL,
        [f.load_balancer(), f.web_acl_association(resourceArn="arn:aws:apigateway:stage/x")],
        ["Load balancer 'web-alb' is internet-facing and must have a WAF web ACL"],
    ),
    Case(
        "internal-checked",
        WEB_ACL,
        [f.load_balancer(internal=True)],
        ["Load balancer 'web-alb' must have a WAF web ACL"],
        {"checkInternal": True},
    ),
    Case("guarded", TRUST, [role("web-task-role", GUARD)], []),
    Case(
        "account-only",
        TRUST,
        [role("web-task-role", {"StringEquals": {"aws:sourceaccount": ACCOUNT}})],
        [],
    ),
    Case("other-service", TRUST, [role("web-fn", principal="lambda.amazonaws.com")], []),
    Case(
        "bare-execution-role",
        TRUST,
        [role("web-exec"), role("web-task-role", GUARD), uses_roles("web-exec", "web-task-role")],
        [],
    ),
    Case(
        "bare-task-role",
        TRUST,
        [role("web-task-role")],
        [
            "Role 'web-task-role' must let ecs-tasks.amazonaws.com assume it only under an "
            "aws:SourceAccount or aws:SourceArn condition (trust statement #1 has neither): add "
            "a Condition such as "
            "{StringEquals: {aws:SourceAccount: '<account>'}, ArnLike: {aws:SourceArn: "
            "'arn:aws:ecs:<region>:<account>:*'}}, so only this account's tasks can use it "
            "(confused deputy)."
        ],
    ),
    Case(
        "principal-list",
        TRUST,
        [role("web-task-role", principal=["lambda.amazonaws.com", "ecs-tasks.amazonaws.com"])],
        ["Role 'web-task-role' must let ecs-tasks.amazonaws.com assume it only"],
    ),
    Case(
        "execution-role-checked",
        TRUST,
        [role("web-exec"), role("web-task-role", GUARD), uses_roles("web-exec", "web-task-role")],
        ["Role 'web-exec' must let ecs-tasks.amazonaws.com assume it only"],
        {"checkExecutionRoles": True},
    ),
    Case(
        "both-required",
        TRUST,
        [role("web-task-role", {"StringEquals": {"aws:SourceAccount": ACCOUNT}})],
        [
            "under both aws:SourceAccount and aws:SourceArn conditions "
            "(trust statement #1 lacks aws:SourceArn)"
        ],
        {"requireBoth": True},
    ),
]


# One process, command by command (id, command, one fragment per violation): the FastAPI CLI
# passes --workers and --reload on to uvicorn, and `fastapi dev` always reloads (issue 14).
DEV = "it runs `fastapi dev`, a development server that reloads (a watcher process plus the server)"
IF = "it uses the compound command 'if'"
COMMANDS: list[tuple[str, list[str], list[str]]] = [
    ("fastapi-run", ["fastapi", "run", "app/main.py"], []),
    ("fastapi-run-one-worker", ["fastapi", "run", "--workers", "1", "app/main.py"], []),
    ("fastapi-run-workers", ["fastapi", "run", "--workers", "4", "main.py"], ["fastapi with 4"]),
    ("python-m-fastapi-workers", ["python", "-m", "fastapi", "run", "--workers=4"], ["with 4"]),
    ("fastapi-run-reload", ["fastapi run --reload app/main.py"], ["fastapi with --reload"]),
    ("fastapi-dev", ["fastapi", "dev", "app/main.py"], [f"{ONE_PROCESS} {DEV}: use `fastapi run`"]),
    ("python-m-fastapi-dev", ["python", "-m", "fastapi", "dev"], [DEV]),
    ("sh-fastapi-dev", ["sh", "-c", "alembic upgrade head && exec fastapi dev main.py"], [DEV]),
    ("granian-w", ["granian", "--interface", "asgi", "-w", "3"], ["granian with 3 workers"]),
    ("hypercorn-workers", ["hypercorn", "--workers", "2", "app:app"], ["hypercorn with 2"]),
    ("redirect-not-background", ["sh", "-c", "exec uvicorn app.main:app 2>&1"], []),
    ("unreadable-if", ["sh", "-c", 'if [ -n "$DEBUG" ]; then exec uvicorn app; fi'], [IF]),
    ("unreadable-still-reads-words", ["sh", "-c", "if :; then gunicorn app; fi"], ["gunicorn", IF]),
]
CASES += [Case(id_, PROCESS, td(command=argv), expect) for id_, argv, expect in COMMANDS]


def _run(case: Case) -> Any:
    if isinstance(case.subject, list):
        return check_stack(case.policy, case.subject, case.config)
    return check_resource(case.policy, case.subject, case.config)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.policy}:{c.id}" for c in CASES])
def test_policy_case(case: Case) -> None:
    outcome = _run(case)
    report = f"violations: {outcome.violations}\nskipped: {outcome.skipped}"
    assert len(outcome.violations) == len(case.expect), report
    for message, fragment in zip(outcome.violations, case.expect, strict=True):
        assert fragment in message, report
    assert not outcome.skipped, report


def test_every_resource_policy_has_three_compliant_and_three_violating_cases() -> None:
    compliant = Counter(c.policy for c in CASES if not c.expect)
    violating = Counter(c.policy for c in CASES if c.expect)
    resource_policies = [name for name, doc in POLICY_DOCS.items() if doc.resource_types]
    thin = {
        n: (compliant[n], violating[n])
        for n in resource_policies
        if min(compliant[n], violating[n]) < 3
    }
    assert not thin, f"policies with fewer than 3 compliant or violating cases: {thin}"
