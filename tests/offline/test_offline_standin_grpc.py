"""The stand-ins' gRPC handlers, called over a real gRPC channel as the engine calls them.

What each answer must match, and where the real provider decides it: a preview of a create
leaves every computed output unknown (pulumi-terraform-bridge plans computed attributes as
unknown; the Python SDK resolves an output missing from a preview as unknown, pulumi
runtime/rpc.py resolve_properties); a real create returns the inputs plus computed outputs;
diffs replace on terraform-provider-aws's ForceNew arguments (internal/service/ecs/
task_definition.go: container_definitions ForceNew); docker-build's Image as in
pulumi-docker-build v0.0.22 provider/internal/image.go (Check, Diff, Create) and
pulumi-go-provider v1.3.2 infer/resource.go (markComputed)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from offline.standins import fake_aws
from offline.standins.aws_provider import standin_provider
from offline.standins.serve import start

ROOT = Path(__file__).resolve().parents[2]
URN = "urn:pulumi:dev::fastapi-fargate::aws:ecr/repository:Repository::fastapi-repo"
REPOSITORY = "aws:ecr/repository:Repository"
SECRET_SIG = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}


def _struct(values: dict) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


def _plain(message: struct_pb2.Struct) -> dict:
    return json_format.MessageToDict(message)


def _diff(stub, urn: str, type_token: str, *, state: dict, inputs: dict, news: dict):
    """Diff as the engine asks it: the state's outputs, the old inputs, the new inputs."""
    request = provider_pb2.DiffRequest(
        urn=urn,
        type=type_token,
        olds=_struct(state),
        old_inputs=_struct(inputs),
        news=_struct(news),
    )
    return stub.Diff(request)


@pytest.fixture(scope="module")
def aws() -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    server, port = start(standin_provider("aws", metadata.version("pulumi_aws")))
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    stub = provider_pb2_grpc.ResourceProviderStub(channel)
    stub.Configure(provider_pb2.ConfigureRequest(args=_struct({"region": "eu-west-1"})))
    yield stub
    channel.close()
    server.stop(None)


def test_plugin_info_reports_the_installed_sdk_version(aws):
    assert aws.GetPluginInfo(empty_pb2.Empty()).version == metadata.version("pulumi_aws")


def test_configure_asks_the_engine_for_provider_previews(aws):
    answer = aws.Configure(provider_pb2.ConfigureRequest(args=_struct({"region": "eu-west-1"})))
    assert answer.supportsPreview
    assert answer.acceptSecrets
    assert answer.acceptResources


def test_check_returns_the_inputs_unchanged_with_no_failures(aws):
    news = {
        "name": "fastapi-dev",
        "imageTagMutability": "IMMUTABLE",
        "forceDelete": fake_aws.UNKNOWN,
        "tags": {**SECRET_SIG, "value": {"team": "web"}},
    }
    answer = aws.Check(provider_pb2.CheckRequest(urn=URN, type=REPOSITORY, news=_struct(news)))
    assert _plain(answer.inputs) == news
    assert list(answer.failures) == []


def test_preview_create_leaves_every_computed_output_unknown(aws):
    inputs = {"name": "fastapi-dev", "imageTagMutability": "IMMUTABLE"}
    answer = aws.Create(
        provider_pb2.CreateRequest(
            urn=URN, type=REPOSITORY, properties=_struct(inputs), preview=True
        )
    )
    assert answer.id == ""  # unknown until a real create
    # No arn, registryId or repositoryUrl: unknown in the plan, as in a real first preview.
    assert _plain(answer.properties) == inputs


def test_a_real_create_returns_the_computed_outputs_of_the_fake_account(aws):
    inputs = {"name": "fastapi-dev", "tags": {"team": "web"}}
    answer = aws.Create(
        provider_pb2.CreateRequest(urn=URN, type=REPOSITORY, properties=_struct(inputs))
    )
    assert answer.id == "fastapi-dev"
    assert _plain(answer.properties) == {
        **inputs,
        "id": "fastapi-dev",
        "tagsAll": {"team": "web"},
        "arn": "arn:aws:ecr:eu-west-1:123456789012:repository/fastapi-dev",
        "registryId": "123456789012",
        "repositoryUrl": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/fastapi-dev",
    }


def test_a_real_create_names_what_the_program_leaves_unnamed_as_pulumi_aws_does(aws):
    urn = "urn:pulumi:dev::fastapi-fargate::aws:ecs/cluster:Cluster::fastapi-cluster"
    request = provider_pb2.CreateRequest(urn=urn, type="aws:ecs/cluster:Cluster")
    first, again = (_plain(aws.Create(request).properties) for _ in range(2))
    assert re.fullmatch(r"fastapi-cluster-[0-9a-f]{7}", first["name"])
    assert first["arn"] == f"arn:aws:ecs:eu-west-1:123456789012:cluster/{first['name']}"
    assert again == first  # the same program gets the same fakes


def test_each_registration_of_a_task_definition_family_is_a_new_revision(aws):
    """As ECS numbers them: a replaced task definition has a new ARN, so the service naming it
    is updated."""
    urn = "urn:pulumi:dev::p::aws:ecs/taskDefinition:TaskDefinition::task"
    request = provider_pb2.CreateRequest(
        urn=urn,
        type="aws:ecs/taskDefinition:TaskDefinition",
        properties=_struct({"family": "revisions-test"}),
    )
    first, second = (_plain(aws.Create(request).properties) for _ in range(2))
    assert second["revision"] == first["revision"] + 1
    assert second["arn"] == first["arn"].rsplit(":", 1)[0] + f":{int(second['revision'])}"


def test_a_type_the_fake_account_cannot_create_is_refused_by_name(aws):
    urn = "urn:pulumi:dev::p::aws:rds/instance:Instance::db"
    with pytest.raises(grpc.RpcError) as refused:
        aws.Create(provider_pb2.CreateRequest(urn=urn, type="aws:rds/instance:Instance"))
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "cannot create aws:rds/instance:Instance" in refused.value.details()
    assert urn in refused.value.details()


def _task_create(family: str, mapping: dict, **inputs: object) -> provider_pb2.CreateRequest:
    """A Fargate task definition in awsvpc with one port mapping; an input given as None is
    left unset."""
    definitions = [{"name": "app", "image": "app:1", "portMappings": [mapping]}]
    properties = {
        "family": family,
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "containerDefinitions": json.dumps(definitions),
        **inputs,
    }
    return provider_pb2.CreateRequest(
        urn=f"urn:pulumi:dev::p::aws:ecs/taskDefinition:TaskDefinition::{family}",
        type="aws:ecs/taskDefinition:TaskDefinition",
        properties=_struct({key: value for key, value in properties.items() if value is not None}),
    )


def test_an_awsvpc_task_definition_whose_host_port_differs_is_refused_as_ecs_refuses_it(aws):
    """ECS RegisterTaskDefinition refuses it (API reference, PortMapping: with awsvpc the hostPort
    is blank or the containerPort); terraform-provider-aws checks nothing itself
    (container_definitions.go expandContainerDefinitions) and wraps ECS's error as
    "creating ECS Task Definition (<family>): operation error ECS: RegisterTaskDefinition, https
    response error StatusCode: 400, RequestID: ..., ClientException: ..." (task_definition.go
    resourceTaskDefinitionCreate; the aws-sdk-go-v2 wording as a real run printed it, and
    pulumi-awsx issue #935 shows ECS's sentence through pulumi-aws). No revision is used up."""
    refused_request = _task_create("ports-test", {"containerPort": 8080, "hostPort": 80})
    with pytest.raises(grpc.RpcError) as refused:
        aws.Create(refused_request)
    assert re.fullmatch(
        r"creating ECS Task Definition \(ports-test\): operation error ECS: "
        r"RegisterTaskDefinition, https response error StatusCode: 400, RequestID: "
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}, ClientException: When "
        r"networkMode=awsvpc, the host ports and container ports in port mappings must match\.",
        refused.value.details(),
    )
    # The preview of the same create passes, as a real one does: only `up` meets the refusal.
    preview = provider_pb2.CreateRequest()
    preview.CopyFrom(refused_request)
    preview.preview = True
    assert aws.Create(preview).id == ""
    # Accepted: hostPort unset or equal, and any host port outside awsvpc (bridge on EC2).
    for family, mapping, mode, compatibilities in [
        ("ports-test", {"containerPort": 8080}, "awsvpc", ["FARGATE"]),
        ("ports-test", {"containerPort": 8080, "hostPort": 8080}, "awsvpc", ["FARGATE"]),
        ("ports-bridge", {"containerPort": 8080, "hostPort": 80}, "bridge", ["EC2"]),
    ]:
        request = _task_create(
            family, mapping, networkMode=mode, requiresCompatibilities=compatibilities
        )
        created = _plain(aws.Create(request).properties)
        assert created["family"] == family
    # The refused registration counted no revision of the family.
    assert created_revisions(aws, "ports-test") == 3


FARGATE_MODE_REFUSED = (
    r"creating ECS Task Definition \({family}\): operation error ECS: RegisterTaskDefinition, "
    r"https response error StatusCode: 400, RequestID: "
    r"[0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}}, ClientException: "
    "Fargate only supports network mode \u2018awsvpc\u2019\\."
)


@pytest.mark.parametrize(
    ("mode", "compatibilities"),
    [
        (None, ["FARGATE"]),
        ("bridge", ["FARGATE"]),
        ("host", ["FARGATE"]),
        ("bridge", ["EC2", "FARGATE"]),
    ],
    ids=["unset", "bridge", "host", "ec2-and-fargate-bridge"],
)
def test_a_fargate_task_definition_outside_awsvpc_is_refused_as_ecs_refuses_it(
    aws, mode, compatibilities
):
    """ECS RegisterTaskDefinition refuses a task definition whose requiresCompatibilities
    includes FARGATE in any network mode but awsvpc, unset included (ECS Developer Guide, task
    definition parameters, Network mode: "If using the Fargate launch type, the awsvpc network
    mode is required"; the default is bridge), with "ClientException: Fargate only supports
    network mode 'awsvpc'." (in typographic quotes, verbatim in aws/amazon-ecs-cli issue #1145).
    terraform-provider-aws checks neither field against the other (internal/service/ecs/
    task_definition.go resourceTaskDefinitionCreate sends them to RegisterTaskDefinition) and
    wraps the error as for the port refusal above. A preview passes; no revision is used up."""
    family = f"mode-{mode}-{len(compatibilities)}"
    mapping = {"containerPort": 8080}
    request = _task_create(
        family, mapping, networkMode=mode, requiresCompatibilities=compatibilities
    )
    with pytest.raises(grpc.RpcError) as refused:
        aws.Create(request)
    assert refused.value.code() == grpc.StatusCode.UNKNOWN
    assert re.fullmatch(FARGATE_MODE_REFUSED.format(family=family), refused.value.details())
    preview = provider_pb2.CreateRequest()
    preview.CopyFrom(request)
    preview.preview = True
    assert aws.Create(preview).id == ""
    # The same task for EC2 alone is accepted in that mode (bridge when unset), and in awsvpc
    # with FARGATE; the refused registration counted no revision of the family.
    for accepted in (
        _task_create(family, mapping, networkMode=mode, requiresCompatibilities=["EC2"]),
        _task_create(family, mapping, requiresCompatibilities=compatibilities),
    ):
        assert _plain(aws.Create(accepted).properties)["family"] == family
    assert created_revisions(aws, family) == 3


def created_revisions(aws, family: str) -> int:
    """The revision the next registration of `family` gets."""
    request = _task_create(family, {"containerPort": 1})
    return int(_plain(aws.Create(request).properties)["revision"])


def test_read_returns_the_state_and_delete_forgets(aws):
    state = {"name": "fastapi-dev", "arn": "arn:aws:ecr:eu-west-1:123456789012:repository/x"}
    read = aws.Read(
        provider_pb2.ReadRequest(
            id="fastapi-dev", urn=URN, properties=_struct(state), inputs=_struct({"name": "x"})
        )
    )
    assert (read.id, _plain(read.properties), _plain(read.inputs)) == (
        "fastapi-dev",
        state,
        {"name": "x"},
    )
    aws.Delete(provider_pb2.DeleteRequest(id="fastapi-dev", urn=URN, properties=_struct(state)))


def test_preview_update_keeps_the_computed_outputs_and_plans_the_new_inputs(aws):
    olds = {"name": "old", "forceDelete": False, "arn": "arn:x", "repositoryUrl": "r/old"}
    answer = aws.Update(
        provider_pb2.UpdateRequest(
            urn=URN,
            type=REPOSITORY,
            olds=_struct(olds),
            news=_struct({"name": "old", "forceDelete": True}),
            preview=True,
        )
    )
    assert _plain(answer.properties) == {**olds, "forceDelete": True}


def test_diff_compares_old_inputs_with_new_ones_and_replaces_on_force_new(aws):
    task = "aws:ecs/taskDefinition:TaskDefinition"
    state = {"family": "f", "containerDefinitions": "[]", "arn": "arn:x", "revision": 1}
    inputs = {"family": "f", "containerDefinitions": "[]"}

    same = _diff(aws, URN, task, state=state, inputs=inputs, news=inputs)
    news = {"family": "f", "containerDefinitions": "[{}]", "tags": {"a": "b"}}
    changed = _diff(aws, URN, task, state=state, inputs=inputs, news=news)
    assert same.changes == provider_pb2.DiffResponse.DIFF_NONE
    assert changed.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert list(changed.diffs) == ["containerDefinitions", "tags"]
    # container_definitions is ForceNew; tags are not.
    assert list(changed.replaces) == ["containerDefinitions"]


def test_the_authorization_token_is_fresh_on_every_call(aws):
    """ECR issues a new token per GetAuthorizationToken call; a program that let it show up as
    a change would never reach 'unchanged'."""
    token = "aws:ecr/getAuthorizationToken:getAuthorizationToken"
    first, second = (
        _plain(getattr(aws.Invoke(provider_pb2.InvokeRequest(tok=token)), "return"))
        for _ in range(2)
    )
    assert first["userName"] == "AWS"
    assert first["proxyEndpoint"] == "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    assert first["password"] != second["password"]


IMAGE_URN = "urn:pulumi:dev::fastapi-fargate::docker-build:index:Image::fastapi-image"
IMAGE = "docker-build:index:Image"
TAG = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/fastapi-dev:src-1"


@pytest.fixture(scope="module")
def docker_build() -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    server, port = start(standin_provider("docker-build", metadata.version("pulumi_docker_build")))
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield provider_pb2_grpc.ResourceProviderStub(channel)
    channel.close()
    server.stop(None)


def _image_inputs(context: Path, tags: object = (TAG,), password: str = "p1") -> dict:
    login = {"address": TAG.split("/", maxsplit=1)[0], "username": "AWS", "password": password}
    return {
        "tags": list(tags) if isinstance(tags, tuple) else tags,
        "push": True,
        "context": {"location": str(context)},
        "dockerfile": {"location": str(context / "Dockerfile")},
        "platforms": ["linux/amd64"],
        "registries": {**SECRET_SIG, "value": [login]},
    }


@pytest.fixture
def context(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY app /app\n")
    (tmp_path / ".dockerignore").write_text("*\n!Dockerfile\n!app/\n**/__pycache__\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text("print('hi')\n")
    return tmp_path


def test_the_image_check_refuses_a_push_without_a_known_tag(docker_build, context):
    answer = docker_build.Check(
        provider_pb2.CheckRequest(
            urn=IMAGE_URN, type=IMAGE, news=_struct(_image_inputs(context, tags=[]))
        )
    )
    assert [(f.property, f.reason) for f in answer.failures] == [
        ("exports[0]", "at least one tag or export name is needed when pushing to a registry")
    ]


def test_the_image_check_refuses_a_missing_dockerfile_and_a_bad_tag(docker_build, context):
    (context / "Dockerfile").unlink()
    answer = docker_build.Check(
        provider_pb2.CheckRequest(
            urn=IMAGE_URN, type=IMAGE, news=_struct(_image_inputs(context, tags=("Bad Tag",)))
        )
    )
    failures = {f.property: f.reason for f in answer.failures}
    assert failures["dockerfile.location"].endswith("Dockerfile: no such file or directory")
    assert failures["tags[0]"] == "invalid reference format: 'Bad Tag'"


def test_the_image_preview_leaves_ref_and_digest_unknown(docker_build, context):
    inputs = _image_inputs(context)
    create = docker_build.Create(
        provider_pb2.CreateRequest(
            urn=IMAGE_URN, type=IMAGE, properties=_struct(inputs), preview=True
        )
    )
    assert _plain(create.properties) == {
        **inputs,
        "contextHash": fake_aws.UNKNOWN,
        "digest": fake_aws.UNKNOWN,
        "ref": fake_aws.UNKNOWN,
    }


def test_the_image_create_pins_the_tag_to_a_digest_and_diffs_like_docker_build(
    docker_build, context
):
    inputs = _image_inputs(context)
    created = docker_build.Create(
        provider_pb2.CreateRequest(urn=IMAGE_URN, type=IMAGE, properties=_struct(inputs))
    )
    state = _plain(created.properties)
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", created.id)
    assert state["digest"] == created.id
    assert state["ref"] == f"{TAG}@{created.id}"

    def diff(news: dict) -> list[str]:
        answer = _diff(docker_build, IMAGE_URN, IMAGE, state=state, inputs=inputs, news=news)
        assert list(answer.replaces) == []  # docker-build never replaces an image
        return list(answer.diffs)

    # A fresh registry password and a file .dockerignore keeps out are no change.
    (context / "app" / "__pycache__").mkdir()
    (context / "app" / "__pycache__" / "main.pyc").write_bytes(b"cache")
    assert diff(_image_inputs(context, password="p2")) == []
    assert diff(_image_inputs(context, tags=(TAG + "-2",))) == ["tags"]
    (context / "app" / "main.py").chmod(0o755)
    assert diff(inputs) == ["contextHash"]


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("aws:index/getRegion:getRegion", {"name": "eu-west-1", "region": "eu-west-1"}),
        (
            "aws:index/getCallerIdentity:getCallerIdentity",
            {"accountId": "123456789012", "arn": "arn:aws:iam::123456789012:user/offline-preview"},
        ),
        ("aws:index/getPartition:getPartition", {"partition": "aws", "dnsSuffix": "amazonaws.com"}),
        (
            "aws:index/getAvailabilityZones:getAvailabilityZones",
            {
                "names": ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
                "zoneIds": ["euw1-az1", "euw1-az2", "euw1-az3"],
            },
        ),
    ],
)
def test_data_sources_answer_from_the_fake_account(aws, token, expected):
    answer = aws.Invoke(provider_pb2.InvokeRequest(tok=token, args=_struct({})))
    returned = _plain(getattr(answer, "return"))
    assert {key: returned[key] for key in expected} == expected
    assert list(answer.failures) == []


def test_availability_zones_honour_exclusions(aws):
    answer = aws.Invoke(
        provider_pb2.InvokeRequest(
            tok="aws:index/getAvailabilityZones:getAvailabilityZones",
            args=_struct({"excludeNames": ["eu-west-1b"]}),
        )
    )
    assert _plain(getattr(answer, "return"))["names"] == ["eu-west-1a", "eu-west-1c"]


def test_an_unknown_data_source_fails_naming_it_and_the_answered_ones(aws):
    with pytest.raises(grpc.RpcError) as refused:
        aws.Invoke(provider_pb2.InvokeRequest(tok="aws:s3/getBucket:getBucket"))
    assert refused.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert "aws:s3/getBucket:getBucket" in refused.value.details()
    assert "aws:index/getRegion:getRegion" in refused.value.details()


def test_the_docker_stand_in_answers_no_data_source():
    server, port = start(standin_provider("docker", metadata.version("pulumi_docker")))
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = provider_pb2_grpc.ResourceProviderStub(channel)
        with pytest.raises(grpc.RpcError) as refused:
            stub.Invoke(provider_pb2.InvokeRequest(tok="docker:index/getNetwork:getNetwork"))
    server.stop(None)
    assert "offline stand-in for docker" in refused.value.details()


@pytest.mark.parametrize(("plugin", "package"), [("aws", "pulumi_aws"), ("awsx", "pulumi_awsx")])
def test_the_plugin_executable_hands_its_port_to_the_engine(plugin, package):
    """What the engine does: start offline/bin/pulumi-resource-<plugin>, read the port from the
    first line of stdout, connect."""
    executable = ROOT / "offline" / "bin" / f"pulumi-resource-{plugin}"
    process = subprocess.Popen(
        [executable, "127.0.0.1:1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        port = int(process.stdout.readline())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = provider_pb2_grpc.ResourceProviderStub(channel)
            info = stub.GetPluginInfo(empty_pb2.Empty(), timeout=30)
    finally:
        process.kill()
        process.communicate()
    assert info.version == metadata.version(package)


def test_an_unknown_plugin_name_is_refused_naming_the_known_ones():
    result = subprocess.run(
        [sys.executable, "-m", "offline.standins", "gcp", "127.0.0.1:1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 2
    assert "not 'gcp'" in result.stderr
    assert "aws, awsx, docker, docker-build" in result.stderr
