"""The gallery: Fargate programs written the way other teams write them, each checked offline
with the policy pack by `scripts/check-program.sh` (prod pack config), its exact findings
asserted as (level, policy, resource).

- awsx-template: Pulumi's container-aws-python template (ALB, ECR repository, image built from
  ./app, FargateService with a public IP in the default VPC);
- awsx-sidecar: a FargateService with a `containers` map (app + Envoy sidecar) whose memory awsx
  fills in (fargate_spec.awsx_sizing, from awsx/ecs/fargateMemoryAndCpu.ts);
- default-vpc-plain: plain pulumi_aws in the default VPC read through getVpc/getSubnets/
  getSubnet, getIamPolicyDocument for the trust policy, a public IP;
- prebuilt-image: a Docker Hub image (tiangolo's gunicorn image) on awsx's FargateTaskDefinition,
  FargateService and DefaultVpc.

Each has a stack "team" (as written) and "compliant" (passes prod). The awsx children are the
stand-ins of offline/standins/awsx_*.py, built as pulumi-awsx's awsx/ecs/fargateService.ts,
fargateTaskDefinition.ts, containers.ts, lb/applicationLoadBalancer.ts, ecr/repository.ts and
ec2/defaultVpc.ts build them. The engine never shows the pack an awsx component's inputs (pulumi
pkg/resource/deploy/source_eval.go: a remote component goes to Construct, not to the analyzers),
so every finding is on a child and names the component the program created.
"""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path

import pytest

from tests.offline.cli import VIOLATION, run

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = Path(__file__).resolve().parent / "programs"
CHECK = ROOT / "scripts" / "check-program.sh"
STATE = ROOT / ".pulumi-state" / "gallery-tests"
M, A = "mandatory", "advisory"
STACK = "pulumi:pulumi:Stack"  # stack policies report on the stack resource (its name varies)
# The container rules that only say "can't run policy ... during preview" when the task's
# containerDefinitions are unknown (an image built in the same program).
CONTAINER_RULES_SKIPPED = [
    "ecs-awsvpc-host-port",
    "ecs-container-awslogs",
    "ecs-container-health-check",
    "ecs-container-no-plaintext-secrets",
    "ecs-container-non-root",
    "ecs-container-not-privileged",
    "ecs-container-read-only-root-fs",
    "ecs-container-resources-fit-task",
    "ecs-container-single-process",
    "ecs-fargate-task-size",
    "ecs-task-definition-readable",
]

pytestmark = [pytest.mark.cli, pytest.mark.slow, pytest.mark.usefixtures("pulumi_cli")]


def _check(*args: str) -> subprocess.CompletedProcess:
    # A backend of the gallery's own (OFFLINE_STATE), apart from the developer's previews; it
    # keeps the scratch virtualenvs between runs.
    return run(CHECK, *args, state=STATE)


@cache
def checked(program: str, stack: str) -> subprocess.CompletedProcess:
    return _check(str(PROGRAMS / program), stack)


def findings(output: str) -> list[tuple[str, str, str]]:
    policies = output.split("\nPolicies:", 1)[-1].split("\nDiagnostics:", 1)[0]
    return sorted(
        (m["level"], m["policy"], STACK if m["on"].startswith(STACK) else m["on"])
        for m in VIOLATION.finditer(policies)
    )


def on(resource: str, *policies: str, level: str = M) -> list[tuple[str, str, str]]:
    """One finding per policy named, on `resource` ("aws:ecs:Service: web")."""
    return [(level, policy, resource) for policy in policies]


# The template builds its image in the same program, so its task's containerDefinitions (and the
# cpu/memory awsx computes from them, and the service's loadBalancers) are unknown in a preview:
# those rules say so as advisory notes, in the team's version and the compliant one alike.
TEMPLATE_UNKNOWN_IN_PREVIEW = [
    *on("aws:ecs:TaskDefinition: service", *CONTAINER_RULES_SKIPPED, level=A),
    *on(STACK, "ecs-service-architecture", level=A),
    *on("aws:ecs:Service: service", "ecs-service-health-check-grace-period", level=A),
]
CIRCUIT_BREAKER = ("ecs-service-circuit-breaker",) * 2  # enable, rollback
HARDENING = ("ecs-container-non-root", "ecs-container-read-only-root-fs")
ALB_EDGE = ("alb-access-logs", "alb-web-acl")
TRUST = "ecs-tasks-trust-source-condition"  # awsx's task role trusts ECS with no condition

EXPECTED: dict[tuple[str, str], list[tuple[str, str, str]]] = {
    ("awsx-template", "team"): [
        *TEMPLATE_UNKNOWN_IN_PREVIEW,
        *on("aws:lb:LoadBalancer: loadbalancer", *ALB_EDGE, "alb-drop-invalid-headers"),
        *on("aws:lb:Listener: loadbalancer-0", "alb-http-redirects-to-https"),
        *on("aws:lb:TargetGroup: loadbalancer", "alb-target-group-health-check"),
        *on(
            "aws:ecr:Repository: repo",
            "ecr-repository-immutable-tags",
            "ecr-repository-scan-on-push",
        ),
        *on("aws:ecs:Service: service", *CIRCUIT_BREAKER, "ecs-service-no-public-ip"),
        *on("aws:iam:Role: service-task", TRUST),  # awsx's own trust policy
    ],
    ("awsx-template", "compliant"): TEMPLATE_UNKNOWN_IN_PREVIEW,
    # The compliant program with a root container: the preview cannot see it (next test).
    ("awsx-template", "root-user"): TEMPLATE_UNKNOWN_IN_PREVIEW,
    ("awsx-sidecar", "team"): on(
        "aws:ecs:TaskDefinition: orders",
        "ecs-container-health-check",  # app (envoy is not essential)
        *HARDENING,  # app
        *HARDENING,  # envoy
        "ecs-fargate-task-size",  # memory awsx filled in
    )
    + on("aws:iam:Role: orders-task", TRUST)
    + on("aws:ec2:Vpc: orders", "vpc-flow-logs"),
    ("awsx-sidecar", "compliant"): [],
    ("default-vpc-plain", "team"): [
        *on(STACK, "ecs-service-health-check-consistency", level=A),
        *on("aws:lb:LoadBalancer: billing", *ALB_EDGE, "alb-drop-invalid-headers"),
        *on("aws:lb:Listener: billing-http", "alb-http-redirects-to-https"),
        *on("aws:lb:TargetGroup: billing", "alb-target-group-health-check"),
        *on(
            "aws:ecs:TaskDefinition: billing",
            "ecs-container-health-check",
            "ecs-container-no-plaintext-secrets",
            *HARDENING,
        ),
        *on(
            "aws:ecs:Service: billing",
            *CIRCUIT_BREAKER,
            "ecs-service-health-check-grace-period",
            "ecs-service-no-public-ip",
        ),
        *on("aws:ec2:SecurityGroup: billing-tasks", "ecs-service-ingress-from-alb-only"),
    ],
    ("default-vpc-plain", "compliant"): [],
    ("prebuilt-image", "team"): [
        *on(
            "aws:ecs:TaskDefinition: api",
            "ecs-container-health-check",
            *HARDENING,
            "ecs-container-single-process",  # tiangolo's gunicorn image
        ),
        *on("aws:ecs:Service: api", "ecs-service-no-public-ip"),
        *on("aws:iam:Role: api-task", TRUST),
    ],
    ("prebuilt-image", "compliant"): [],
}


@pytest.mark.parametrize(("program", "stack"), sorted(EXPECTED))
def test_each_program_previews_with_its_exact_findings(program, stack):
    result = checked(program, stack)
    expected = sorted(EXPECTED[(program, stack)])
    assert findings(result.stdout) == expected
    mandatory = any(level == M for level, _, _ in expected)
    assert (result.returncode != 0) == mandatory
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize(("program", "stack"), sorted(EXPECTED))
def test_findings_land_once_on_what_awsx_created_naming_the_component(program, stack):
    """No finding on an awsx component itself (the pack sees only its outputs); every finding on
    a resource an awsx component created names that component."""
    output = checked(program, stack).stdout
    assert not [f for f in findings(output) if f[2].startswith("awsx:")]
    awsx_children = {"awsx-template": "service", "awsx-sidecar": "orders", "prebuilt-image": "api"}
    if program in awsx_children and findings(output):
        assert "(created by awsx:ecs:" in output


def test_the_task_size_finding_says_what_awsx_filled_in():
    output = checked("awsx-sidecar", "team").stdout
    assert (
        "Task definition 'orders' (created by awsx:ecs:FargateService 'orders') must use a valid "
        "Fargate task size: memory 4096 MiB is not valid with cpu 4096"
    ) in output
    assert (
        "awsx fills in memory 4096 MiB when awsx:ecs:FargateService 'orders' leaves it unset (the "
        "cheapest size of awsx's own table for its containers' 1280 CPU units and 384 MiB is "
        "2048/4096, whatever the other value): set both cpu and memory on "
        "awsx:ecs:FargateService 'orders'."
    ) in output


@pytest.mark.parametrize(
    ("program", "pin", "ours"),
    [
        ("default-vpc-plain", "pulumi-aws==6.83.0", "pulumi-aws 7.51.1"),
        ("prebuilt-image", "pulumi-awsx==2.22.0", "pulumi-awsx 3.11.0"),
    ],
)
def test_a_program_pinned_to_other_versions_is_checked_with_ours_and_told_so(program, pin, ours):
    result = checked(program, "team")
    assert f"the program asks for {pin}; it is checked with this repository's {ours}" in (
        result.stderr
    )


def test_the_awsx_template_plans_the_children_awsx_builds():
    """awsx's names and parents: the service's task definition, roles, log group and default
    security group under the FargateService; the ALB's group, balancer, target group and
    listener; the lower-cased repository and its lifecycle policy."""
    output = checked("awsx-template", "team").stdout
    planned = set(re.findall(r"^\s*\+\s+(\S+:\S+:\S+)\s+(\S+)\s+create\b", output, re.M))
    assert {
        ("awsx:ecs:FargateService", "service"),
        ("awsx:ecs:FargateTaskDefinition", "service"),
        ("aws:cloudwatch:LogGroup", "service"),
        ("aws:iam:Role", "service-task"),
        ("aws:iam:Role", "service-execution"),
        ("aws:iam:RolePolicyAttachment", "service-execution-9a42f520"),
        ("aws:ecs:TaskDefinition", "service"),
        ("aws:ec2:SecurityGroup", "service-sg"),
        ("aws:ecs:Service", "service"),
        ("awsx:lb:ApplicationLoadBalancer", "loadbalancer"),
        ("aws:ec2:SecurityGroup", "loadbalancer"),
        ("aws:lb:LoadBalancer", "loadbalancer"),
        ("aws:lb:TargetGroup", "loadbalancer"),
        ("aws:lb:Listener", "loadbalancer-0"),
        ("awsx:ecr:Repository", "repo"),
        ("aws:ecr:Repository", "repo"),
        ("aws:ecr:LifecyclePolicy", "repo"),
    } <= planned


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/nonexistent"], "'/nonexistent' is not a Pulumi project directory"),
        ([str(PROGRAMS / "awsx-sidecar")], "has several stacks (compliant, team); name the one"),
        ([str(PROGRAMS / "awsx-sidecar"), "qa"], "stack 'qa' does not exist"),
        (
            ["--pack-config", "nope", str(PROGRAMS / "awsx-sidecar"), "team"],
            "pack config 'nope' is neither a file nor one of: dev, prod, staging",
        ),
        (["--frobnicate", "x"], "unknown option '--frobnicate'"),
    ],
)
def test_bad_arguments_are_refused_before_anything_runs(args, message):
    result = _check(*args)
    assert result.returncode == 2
    assert message in result.stderr


def test_a_program_needing_other_packages_runs_in_a_scratch_virtualenv(tmp_path):
    """A program outside this repository whose requirements.txt asks for a package .venv lacks:
    the package goes into a scratch virtualenv layered on .venv (scripts/check/program_env.py),
    the SDKs stay ours, and the program imports both."""
    (tmp_path / "Pulumi.yaml").write_text("name: needs-tabulate\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    (tmp_path / "requirements.txt").write_text("pulumi-aws>=7\ntabulate==0.9.0\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi\nimport pulumi_aws as aws\nfrom tabulate import tabulate\n\n"
        'aws.ecs.Cluster("c")\npulumi.export("table", tabulate([["a", 1]]))\n'
    )
    result = _check(str(tmp_path))
    assert result.returncode == 0
    assert re.search(rf"python: {STATE}/check/venvs/[0-9a-f]{{16}}\b", result.stderr)
    assert re.search(r"\+\s+aws:ecs:Cluster\s+c\s+create", result.stdout)
    assert "a  1" in result.stdout  # tabulate's rendering, in the stack outputs


def test_secret_config_of_another_secrets_provider_becomes_a_placeholder(tmp_path):
    """A team's stack file holds `secure:` values encrypted for its own secrets provider; the
    offline stack cannot decrypt them, so each is set again as a placeholder secret."""
    (tmp_path / "Pulumi.yaml").write_text("name: with-secret\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text(
        "config:\n  aws:region: eu-west-1\n  with-secret:dbPassword:\n"
        "    secure: v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB\n"
    )
    (tmp_path / "__main__.py").write_text(
        'import pulumi\n\npulumi.export("password", pulumi.Config().require_secret("dbPassword"))\n'
    )
    result = _check(str(tmp_path))
    assert result.returncode == 0
    assert "secret config with-secret:dbPassword: a placeholder secret offline" in result.stderr
    assert re.search(r"password\s*:\s*\[secret\]", result.stdout)
    assert "BBBBBBBB" in (tmp_path / "Pulumi.dev.yaml").read_text()  # the team's file untouched


def test_up_runs_the_container_rules_the_preview_could_not():
    """The template builds its image in the program, so a preview notes the container rules as
    skipped (above) and passes even with a root container; `--up` (scripts/offline-up.sh's fake
    account, issue 13) resolves the image, the mandatory rule stops the update at the task
    definition, and nothing after it is created. The compliant program deploys whole, and a
    check leaves nothing deployed."""
    stopped = _check("--up", str(PROGRAMS / "awsx-template"), "root-user")
    assert stopped.returncode != 0
    assert (M, "ecs-container-non-root", "aws:ecs:TaskDefinition: service") in findings(
        stopped.stdout
    )
    assert not re.search(r"aws:ecs:TaskDefinition\s+service\s+created", stopped.stdout)
    assert not re.search(r"aws:ecs:Service\s+service\s+created", stopped.stdout)
    deployed = _check("--up", str(PROGRAMS / "awsx-template"), "compliant")
    assert deployed.returncode == 0
    assert findings(deployed.stdout) == []
    assert re.search(r"aws:ecs:TaskDefinition\s+service\s+created", deployed.stdout)
    assert "destroying what the check created in the fake account" in deployed.stderr
