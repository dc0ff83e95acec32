"""The main job for real: the Pulumi CLI previews the program offline with the policy pack, on
a local backend, with the AWS stand-ins (scripts/offline-preview.sh), and `pulumi policy
analyze --file` reads a captured state (scripts/offline-pulumi.sh).

A faithful preview (issue 13): in a first preview every computed output is unknown, as a real
one leaves it (pulumi-terraform-bridge plans computed attributes unknown; the repository URL,
ARNs, IDs, DNS names); the image reference is known because the program computes it from the
account (getCallerIdentity, answered in a real preview), the region, the repository's explicit
name and the content tag, not from the build's `ref`/`digest`, which pulumi-docker-build leaves
unknown in a preview of a create (pulumi-go-provider v1.3.2 infer/resource.go markComputed) and
of any update whose inputs changed. So the pack reads every container in every preview."""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path

import pytest
import yaml

from tests.offline.cli import (
    FIXTURES,
    OFFLINE_PULUMI,
    PREVIEW,
    ROOT,
    names,
    outputs,
    planned,
    preview_notes,
    run,
    violations,
)

BAD_TASK = "aws:ecs:TaskDefinition: bad-task"
BAD_TASK_VIOLATIONS = {
    "ecs-container-non-root": "Container 'app' in task definition 'bad-task' must not run as root "
    "(user '0'; UID 0 is root)",
    "ecs-container-single-process": "must run one process, but it starts gunicorn",
    "ecs-fargate-task-size": "memory 4096 MiB is not valid with cpu 256",
}
# What the AWS provider computes on create: unknown in a first preview.
COMPUTED_OUTPUTS = {
    "albDnsName",
    "clusterName",
    "repositoryUrl",
    "serviceName",
    "taskDefinitionArn",
    "url",
    "vpcId",
}

pytestmark = [pytest.mark.cli, pytest.mark.slow, pytest.mark.usefixtures("pulumi_cli")]


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backend of these previews' own: a stack deployed by scripts/offline-up.sh in the
    default one would turn their "create" plans into "same"."""
    return tmp_path_factory.mktemp("offline-preview-state")


@cache
def _preview_in(
    state: Path, stack: str, project: Path | None = None
) -> subprocess.CompletedProcess:
    return run(PREVIEW, stack, "--color", "never", project=project, state=state)


def _stack_config(stack: str) -> dict[str, object]:
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    return {key.split(":", 1)[1]: value for key, value in document["config"].items()}


def _assert_reports_the_bad_task(output: str) -> None:
    """Exactly the three faults of the bad task definition, each with its message."""
    assert sorted(violations(output)) == [
        ("mandatory", policy, BAD_TASK) for policy in sorted(BAD_TASK_VIOLATIONS)
    ]
    for message in BAD_TASK_VIOLATIONS.values():
        assert message in output


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_each_stack_previews_offline_with_no_mandatory_violation(stack, state):
    result = _preview_in(state, stack)
    assert result.returncode == 0
    assert "✅ fargate-service-guard" in result.stdout
    assert [v for v in violations(result.stdout) if v[0] == "mandatory"] == []
    plan = planned(result.stdout)
    for resource_type in (
        "aws:ecs:TaskDefinition",
        "aws:ecs:Service",
        "aws:lb:LoadBalancer",
        "aws:lb:TargetGroup",
    ):
        assert plan[resource_type] == 1, resource_type
    https = bool(_stack_config(stack).get("certificateArn"))
    listeners = {"fastapi-http", "fastapi-https"} if https else {"fastapi-http"}
    assert names(result.stdout, "aws:lb:Listener") == listeners


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_each_stack_previews_its_edge_hardening_with_no_violation_at_all(stack, state):
    """The program passes its own pack outright, advisory policies included, with the access-log
    bucket, the flow log and (where the stack turns WAF on) the web ACL in the plan; the pack's
    edge policies follow the unknown IDs of a preview through the engine's dependencies."""
    result = _preview_in(state, stack)
    assert violations(result.stdout) == []
    assert "can't run policy" not in result.stdout
    plan = planned(result.stdout)
    waf = _stack_config(stack).get("waf", True)
    assert (plan["aws:s3:Bucket"], plan["aws:ec2:FlowLog"]) == (1, 1)
    assert plan["aws:wafv2:WebAclAssociation"] == (1 if waf else 0)


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_the_awsx_vpc_stand_in_plans_the_network_the_stack_asks_for(stack, state):
    config = _stack_config(stack)
    zones = int(config["availabilityZones"])
    nat_gateways = zones if config["natStrategy"] == "OnePerAz" else 1
    plan = planned(_preview_in(state, stack).stdout)
    assert plan["awsx:ec2:Vpc"] == 1
    assert plan["aws:ec2:Vpc"] == 1
    assert plan["aws:ec2:Subnet"] == 2 * zones
    assert plan["aws:ec2:RouteTable"] == 2 * zones
    assert plan["aws:ec2:NatGateway"] == nat_gateways
    assert plan["aws:ec2:Eip"] == nat_gateways
    assert plan["aws:ec2:InternetGateway"] == 1


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_a_first_preview_knows_the_image_and_the_containers_but_no_computed_output(stack, state):
    result = _preview_in(state, stack)
    shown = outputs(result.stdout)
    assert {key for key, value in shown.items() if value == "[unknown]"} == COMPUTED_OUTPUTS
    config = _stack_config(stack)
    region, architecture = config["region"], config.get("architecture", "amd64")
    assert re.fullmatch(
        rf"123456789012\.dkr\.ecr\.{region}\.amazonaws\.com/fastapi-{stack}"
        rf":src-[0-9a-f]{{16}}-{architecture}",
        shown["imageUri"],
    )
    # The build is planned under its one stable name; the pack read every container: no note
    # about a check it could not run.
    assert names(result.stdout, "docker-build:index:Image") == {"fastapi-image"}
    assert preview_notes(result.stdout) == []


def test_a_bad_stack_fails_the_real_preview_naming_each_violation(state):
    result = _preview_in(state, "dev", FIXTURES / "bad_program")
    assert result.returncode != 0
    assert "❌ fargate-service-guard" in result.stdout
    _assert_reports_the_bad_task(result.stdout)
    # The engine stops the program after the violation; the user sees the report, not the
    # program's interrupted stack.
    assert "Traceback" not in result.stdout + result.stderr


def test_an_awsx_input_the_stand_in_does_not_reproduce_fails_naming_it(state):
    result = _preview_in(state, "dev", FIXTURES / "legacy_vpc_program")
    assert result.returncode != 0
    assert "awsx:ec2:Vpc resource 'legacy-vpc' has a problem" in result.stdout
    assert (
        "property subnetStrategy has a problem: subnetStrategy is 'Legacy'; the offline stand-in "
        "reproduces Auto and Exact only (awsx's default, Legacy, is not reproduced): "
        "set subnetStrategy explicitly"
    ) in result.stdout


def test_policy_analyze_reports_the_violations_in_a_stack_export():
    state = str(FIXTURES / "violating-state.json")
    pack = ["--policy-pack", "policy", "--policy-pack-config", "policy/config/dev.json"]
    result = run(OFFLINE_PULUMI, "policy", "analyze", "--file", state, *pack, "--color", "never")
    assert result.returncode != 0
    assert "one or more mandatory policy violations were found" in result.stderr
    _assert_reports_the_bad_task(result.stdout)
