"""The aws stand-in's gRPC handlers, called over a real gRPC channel as the engine calls them."""

from __future__ import annotations

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
from offline.standins.aws_provider import preview_only_provider
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


@pytest.fixture(scope="module")
def aws() -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    server, port = start(preview_only_provider("aws", metadata.version("pulumi_aws")))
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


def test_preview_create_plans_the_inputs_and_the_repository_url(aws):
    inputs = {"name": "fastapi-dev", "imageTagMutability": "IMMUTABLE"}
    answer = aws.Create(
        provider_pb2.CreateRequest(
            urn=URN, type=REPOSITORY, properties=_struct(inputs), preview=True
        )
    )
    assert answer.id == ""  # unknown until a real create
    assert _plain(answer.properties) == {
        **inputs,
        "arn": "arn:aws:ecr:eu-west-1:123456789012:repository/fastapi-dev",
        "registryId": "123456789012",
        "repositoryUrl": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/fastapi-dev",
    }


def test_preview_create_leaves_computed_outputs_unknown_without_a_known_name(aws):
    inputs = {"name": fake_aws.UNKNOWN}
    answer = aws.Create(
        provider_pb2.CreateRequest(
            urn=URN, type=REPOSITORY, properties=_struct(inputs), preview=True
        )
    )
    assert _plain(answer.properties) == inputs


def test_preview_create_takes_the_type_from_the_urn_when_the_engine_omits_it(aws):
    answer = aws.Create(
        provider_pb2.CreateRequest(
            urn=URN, properties=_struct({"name": "fastapi-dev"}), preview=True
        )
    )
    assert "repositoryUrl" in _plain(answer.properties)


@pytest.mark.parametrize(
    ("call", "request_type", "operation"),
    [
        ("Create", provider_pb2.CreateRequest, "create"),
        ("Update", provider_pb2.UpdateRequest, "update"),
        ("Read", provider_pb2.ReadRequest, "read"),
        ("Delete", provider_pb2.DeleteRequest, "delete"),
    ],
)
def test_anything_but_a_preview_is_refused_with_a_clear_message(aws, call, request_type, operation):
    with pytest.raises(grpc.RpcError) as refused:
        getattr(aws, call)(request_type(urn=URN))
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert f"offline stand-in: cannot {operation} real AWS resources" in refused.value.details()
    assert URN in refused.value.details()
    assert "pulumi up" in refused.value.details()


def test_preview_update_plans_the_new_inputs(aws):
    answer = aws.Update(
        provider_pb2.UpdateRequest(
            urn=URN,
            type=REPOSITORY,
            olds=_struct({"name": "old"}),
            news=_struct({"name": "new"}),
            preview=True,
        )
    )
    assert _plain(answer.properties)["repositoryUrl"].endswith("/new")


def test_diff_names_the_changed_properties(aws):
    same = aws.Diff(
        provider_pb2.DiffRequest(urn=URN, olds=_struct({"a": 1}), news=_struct({"a": 1}))
    )
    changed = aws.Diff(
        provider_pb2.DiffRequest(urn=URN, olds=_struct({"a": 1, "b": 2}), news=_struct({"a": 3}))
    )
    assert same.changes == provider_pb2.DiffResponse.DIFF_NONE
    assert changed.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert list(changed.diffs) == ["a", "b"]


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
    server, port = start(preview_only_provider("docker", metadata.version("pulumi_docker")))
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
