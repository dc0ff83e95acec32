"""`pulumi up` offline (scripts/offline-up.sh): the real CLI and engine, the pack, the stand-ins'
fake account, state in a scratch local backend per test.

What each test rests on:
- Up, up again, destroy: a second `up` of an unchanged program must plan nothing. The program's
  one input that changes on every run is the ECR token; pulumi-docker-build's Diff compares
  registries by address and username only (v0.0.22 provider/internal/image.go, Diff), and the
  stand-in's token is fresh on every call as ECR's is.
- The root container: the program builds containerDefinitions from values a real preview knows
  (infra/registry.py), so the pack's mandatory ecs-container-non-root stops a first preview and a
  preview of changed code alike; the build's `ref` and `digest` are unknown in both
  (pulumi-go-provider v1.3.2 infer/resource.go markComputed, which pulumi-docker-build's Image
  uses), and the program does not read them.
- Another team's program whose containerDefinitions come from the repository's repositoryUrl
  (unknown until the repository exists, as terraform-provider-aws computes repository_url):
  the pulumi-policy SDK reports the pack's UnknownValueError as advisory "can't run policy ...
  during preview" (pulumi_policy/policy.py), and `pulumi up` analyzes each resource again before
  its step runs, so the mandatory violation stops the task definition before it is created.
- staging and prod carry documentation placeholders that a real `up` refuses before anything is
  registered (infra/settings.py, placeholder_lines), so their offline up stops there too.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from tests.offline import cli

pytestmark = [pytest.mark.cli, pytest.mark.slow, pytest.mark.usefixtures("pulumi_cli")]

PROJECT = "fastapi-fargate"
NON_ROOT = "ecs-container-non-root"
# The engine's own bookkeeping resources, present in a stack that holds nothing else.
BOOKKEEPING = re.compile(r"pulumi:pulumi:Stack|pulumi:providers:.*")


def _resource_types(project: str, stack: str, state: Path) -> list[str]:
    return [
        r["type"]
        for r in cli.exported_resources(project, stack, state)
        if not BOOKKEEPING.fullmatch(r["type"])
    ]


def test_dev_deploys_then_plans_nothing_on_a_second_up_then_destroys(tmp_path):
    first = cli.run(cli.UP, "dev", "--color", "never", state=tmp_path)
    assert first.returncode == 0
    # The engine counts the stack itself among the resources it creates.
    created = int(re.search(r"\+ (\d+) created", first.stdout)[1])
    assert created - 1 == len(_resource_types(PROJECT, "dev", tmp_path)) > 40
    shown = cli.outputs(first.stdout)
    # The reference the program computed before the repository existed is the one the
    # repository reports once it does.
    assert shown["imageUri"].startswith(shown["repositoryUrl"] + ":src-")
    assert shown["url"] == f"http://{shown['albDnsName']}"
    assert re.fullmatch(
        r"arn:aws:ecs:eu-west-1:123456789012:task-definition/fastapi-dev:\d+",
        shown["taskDefinitionArn"],
    )

    again = cli.run(cli.UP, "dev", "--color", "never", state=tmp_path)
    assert again.returncode == 0
    # The preview and the update both report every resource unchanged.
    assert again.stdout.count(f"{created} unchanged") == 2
    for op in ("create", "update", "replace", "delete"):
        assert cli.planned(again.stdout, op) == {}, op

    gone = cli.run(cli.UP, "dev", "--destroy", "--color", "never", state=tmp_path)
    assert gone.returncode == 0
    assert f"- {created} deleted" in gone.stdout
    assert _resource_types(PROJECT, "dev", tmp_path) == []


def _root_project(tmp_path: Path, user: str) -> Path:
    """The repository's own program and dev config, its container user `user`, its image built
    from a copy of service/ (so the test can change the code)."""
    project, service = tmp_path / "project", tmp_path / "service"
    if not service.exists():
        shutil.copytree(cli.ROOT / "service", service, ignore=shutil.ignore_patterns("__pycache__"))
    project.mkdir(exist_ok=True)
    definition = yaml.safe_load((cli.ROOT / "Pulumi.yaml").read_text())
    definition["runtime"]["options"]["virtualenv"] = str(cli.ROOT / ".venv")
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(definition, sort_keys=False))
    shutil.copy(cli.ROOT / "Pulumi.dev.yaml", project / "Pulumi.dev.yaml")
    (project / "__main__.py").write_text(
        "import runpy, sys\n"
        "from pathlib import Path\n"
        f"sys.path.insert(0, {str(cli.ROOT)!r})\n"
        "from fargate_spec import contract\n"
        "import infra.registry\n"
        f"contract.CONTAINER_USER = {user!r}\n"
        f"infra.registry.SERVICE_DIR = Path({str(service)!r})\n"
        f"runpy.run_path({str(cli.ROOT / '__main__.py')!r}, run_name='__main__')\n"
    )
    return project


def _stopped_as_root(result) -> None:
    assert result.returncode != 0
    assert cli.violations(result.stdout) == [
        ("mandatory", NON_ROOT, "aws:ecs:TaskDefinition: fastapi-task")
    ]
    assert (
        "Container 'app' in task definition 'fastapi-task' must not run as root (user '0'"
    ) in result.stdout
    assert cli.preview_notes(result.stdout) == []  # the containers were read, not skipped


def test_a_root_container_fails_a_first_preview_and_a_preview_of_changed_code(tmp_path):
    state = tmp_path / "state"
    first = cli.run(
        cli.PREVIEW, "dev", "--color", "never", project=_root_project(tmp_path, "0"), state=state
    )
    _stopped_as_root(first)

    deployed = cli.run(
        cli.UP, "dev", "--color", "never", project=_root_project(tmp_path, "1000:1000"), state=state
    )
    assert deployed.returncode == 0

    (tmp_path / "service" / "app" / "main.py").write_text("# changed\n", encoding="utf-8")
    changed = cli.run(
        cli.PREVIEW, "dev", "--color", "never", project=_root_project(tmp_path, "0"), state=state
    )
    _stopped_as_root(changed)
    # The new code is an update of the one build resource, never its replacement.
    assert cli.planned(changed.stdout, "update")["docker-build:index:Image"] == 1
    assert cli.planned(changed.stdout, "replace")["docker-build:index:Image"] == 0
    # A new image is a new task definition revision (container_definitions is ForceNew).
    assert cli.planned(changed.stdout, "replace")["aws:ecs:TaskDefinition"] == 1

    # Deployed, the new code updates the image in place (no delete of the previous one), and
    # the service moves to the task definition's next revision.
    redeployed = cli.run(
        cli.UP, "dev", "--color", "never", project=_root_project(tmp_path, "1000:1000"), state=state
    )
    assert redeployed.returncode == 0
    assert "docker-build:index:Image fastapi-image updated" in redeployed.stdout
    assert "docker-build:index:Image fastapi-image deleted" not in redeployed.stdout
    assert "aws:ecs:Service fastapi-service updated" in redeployed.stdout
    before = cli.outputs(deployed.stdout)["taskDefinitionArn"]
    (task,) = (
        r
        for r in cli.exported_resources(PROJECT, "dev", state)
        if r["type"] == "aws:ecs/taskDefinition:TaskDefinition"
    )
    after = task["outputs"]["arn"]
    assert after.rsplit(":", 1)[0] == before.rsplit(":", 1)[0]
    assert int(after.rsplit(":", 1)[1]) == int(before.rsplit(":", 1)[1]) + 1


def test_unknown_containers_pass_preview_with_a_note_and_are_stopped_at_up(tmp_path):
    project = cli.FIXTURES / "unknown_image_program"
    preview = cli.run(cli.PREVIEW, "dev", "--color", "never", project=project, state=tmp_path)
    assert preview.returncode == 0
    assert ("advisory", NON_ROOT, "aws:ecs:TaskDefinition: unknown-image-task") in cli.violations(
        preview.stdout
    )
    assert ("mandatory", NON_ROOT, "aws:ecs:TaskDefinition: unknown-image-task") not in (
        cli.violations(preview.stdout)
    )
    note = next(n for n in cli.preview_notes(preview.stdout) if f"policy '{NON_ROOT}'" in n)
    assert "containerDefinitions of task definition 'unknown-image-task' is not known" in note
    assert "an image reference such as" in note  # how to make it checkable in preview

    up = cli.run(cli.UP, "dev", "--color", "never", project=project, state=tmp_path)
    assert up.returncode != 0
    assert ("mandatory", NON_ROOT, "aws:ecs:TaskDefinition: unknown-image-task") in cli.violations(
        up.stdout
    )
    assert "must not run as root (user '0'; UID 0 is root)" in up.stdout
    created = _resource_types("fastapi-fargate-unknown-image", "dev", tmp_path)
    assert "aws:ecs/taskDefinition:TaskDefinition" not in created
    assert sorted(created) == [
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:ecr/repository:Repository",
    ]


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_example_stacks_stop_at_the_placeholder_refusal_with_nothing_created(stack, tmp_path):
    result = cli.run(cli.UP, stack, "--color", "never", state=tmp_path)
    assert result.returncode != 0
    assert f"stack '{stack}' has " in result.stdout
    assert "placeholder config values; nothing was created or changed" in result.stdout
    assert _resource_types(PROJECT, stack, tmp_path) == []


def test_awsx_image_replaces_its_build_when_the_tag_changes_the_program_s_build_does_not(
    tmp_path,
):
    """Issue 12, item 2, as the stand-ins reproduce awsx 3.11.0 (awsx/ecr/image.ts: the
    docker-build child is named after imageTag): a new tag is a new child and the old one's
    delete (pulumi-docker-build Delete removes the pushed image by digest). The program's own
    build is an update of one resource instead (test above)."""
    project = cli.FIXTURES / "awsx_image_program"
    first = cli.run(cli.UP, "dev", "--color", "never", project=project, state=tmp_path)
    assert first.returncode == 0
    assert re.fullmatch(
        r"123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com/awsx-image-repo-[0-9a-f]{7}"
        r"@sha256:[0-9a-f]{64}",
        cli.outputs(first.stdout)["imageUri"],
    )
    retagged = cli.run(
        cli.PREVIEW,
        "dev",
        "--color",
        "never",
        "--config",
        "tag=v2",
        project=project,
        state=tmp_path,
    )
    assert retagged.returncode == 0
    assert cli.names(retagged.stdout, "docker-build:index:Image") == {"v2"}
    assert cli.names(retagged.stdout, "docker-build:index:Image", "delete") == {"v1"}


HOST_PORT = "ecs-awsvpc-host-port"
NETWORK_MODE = "ecs-fargate-network-mode"


def ecs_refusal(family: str, message: str) -> str:
    """A pattern of `pulumi up`'s line for a task definition ECS refuses with `message` (a
    regular expression), as terraform-provider-aws wraps it (internal/service/ecs/
    task_definition.go resourceTaskDefinitionCreate: "creating ECS Task Definition (%s): %s",
    around the aws-sdk-go-v2 operation error)."""
    return (
        rf"aws:ecs:TaskDefinition web \*\*creating failed\*\* error: creating ECS Task "
        rf"Definition \({family}\): operation error ECS: RegisterTaskDefinition, https response "
        rf"error StatusCode: 400, RequestID: [0-9a-f-]{{36}}, ClientException: {message}"
    )


def preview_stopped_by(fixture: str, policy: str, tmp_path: Path) -> str:
    """The output of the dev preview of fixtures/<fixture>, which fails with `policy` on the
    task definition 'web' as its only mandatory finding."""
    project = cli.FIXTURES / fixture
    preview = cli.run(cli.PREVIEW, "dev", "--color", "never", project=project, state=tmp_path)
    assert preview.returncode != 0
    mandatory = [v for v in cli.violations(preview.stdout) if v[0] == "mandatory"]
    assert mandatory == [("mandatory", policy, "aws:ecs:TaskDefinition: web")]
    return preview.stdout


def up_failing_without(fixture: str, policy: str, tmp_path: Path) -> str:
    """The output of the offline up of fixtures/<fixture> with `policy` disabled
    (scripts/check-program.sh --up with a pack config of the test's own), which fails: the
    engine starts nothing more after the task definition, so the ECS service 'web', which needs
    it, is never created."""
    config = tmp_path / "pack.json"
    config.write_text(json.dumps({policy: "disabled"}))
    project = cli.FIXTURES / fixture
    script = cli.ROOT / "scripts" / "check-program.sh"
    up = cli.run(script, "--up", "--pack-config", str(config), str(project), "dev", state=tmp_path)
    assert up.returncode != 0
    assert policy not in up.stdout
    assert not re.search(r"aws:ecs:TaskDefinition\s+web\s+created", up.stdout)
    assert not re.search(r"aws:ecs:Service\s+web\s+(created|creating)", up.stdout)
    return up.stdout


def test_a_host_port_awsx_took_from_the_target_group_fails_preview_by_the_pack(tmp_path):
    """fixtures/host_port_program: a container on 8080 behind an awsx ALB's default target group
    on 80. pulumi-awsx awsx/ecs/containers.ts getMappingInputs gives the mapping hostPort 80 (the
    target group's port), fargateTaskDefinition.ts registers awsvpc, and ECS's PortMapping
    reference allows only a blank hostPort or the containerPort there. The container definitions
    are known in preview (fixed image and log group), so the pack stops the preview, naming the
    component; nothing else is mandatory."""
    shown = preview_stopped_by("host_port_program", HOST_PORT, tmp_path)
    assert (
        "Container 'app' in task definition 'web' (created by awsx:ecs:FargateService 'web') "
        "must leave hostPort unset or equal to containerPort in awsvpc network mode, not "
        "hostPort 80 for containerPort 8080 (port mapping #1)"
    ) in shown


def test_without_the_policy_the_fake_account_refuses_the_task_definition_as_ecs_does(tmp_path):
    """The same program with ecs-awsvpc-host-port disabled: the up reaches
    RegisterTaskDefinition, which ECS refuses with a ClientException that terraform-provider-aws
    wraps (it checks no ports itself, container_definitions.go expandContainerDefinitions)."""
    shown = up_failing_without("host_port_program", HOST_PORT, tmp_path)
    ports = (
        r"When networkMode=awsvpc, the host ports and container ports in port mappings must "
        r"match\."
    )
    assert re.search(ecs_refusal("web-[0-9a-f]{8}", ports), shown)
    assert re.search(r"aws:iam:Role\s+web-execution\s+created", shown)  # before it: created


def test_a_fargate_task_definition_without_network_mode_fails_preview_by_the_pack(tmp_path):
    """fixtures/network_mode_program: a hand-written task definition that requires FARGATE and
    leaves networkMode unset. ECS's default mode is bridge and Fargate takes awsvpc only (ECS
    Developer Guide, task definition parameters, Network mode), and terraform-provider-aws does
    not check it before RegisterTaskDefinition (task_definition.go resourceTaskDefinitionCreate):
    the pack stops the preview on it and on nothing else mandatory."""
    shown = preview_stopped_by("network_mode_program", NETWORK_MODE, tmp_path)
    assert (
        "Task definition 'web' must set networkMode to 'awsvpc', the only network mode Fargate "
        "supports, since its requiresCompatibilities includes FARGATE, not leave it unset"
    ) in shown


def test_without_the_policy_the_fake_account_refuses_a_fargate_task_outside_awsvpc(tmp_path):
    """The same program with ecs-fargate-network-mode disabled: the up reaches
    RegisterTaskDefinition, which ECS refuses with "ClientException: Fargate only supports
    network mode 'awsvpc'." (typographic quotes; aws/amazon-ecs-cli issue #1145). The log group
    the task definition depends on is created before it."""
    shown = up_failing_without("network_mode_program", NETWORK_MODE, tmp_path)
    mode = "Fargate only supports network mode \u2018awsvpc\u2019\\."
    assert re.search(ecs_refusal("web", mode), shown)
    assert re.search(r"aws:cloudwatch:LogGroup\s+web\s+created", shown)
