# ruff: noqa: N802 (the gRPC service's method names are the protocol's: GetPluginInfo, Check, ...)
"""A resource provider without the cloud: what the engine asks of a custom-resource plugin
during `pulumi preview`, `up`, `refresh` and `destroy`, answered by a fake account.

Inputs pass through untouched as protobuf Structs (secrets, unknowns and resource references
keep their wire form). In a preview of a new resource the planned outputs are the inputs alone,
so every computed output (ARN, ID, URL, DNS name, generated name) is unknown, as a real preview
leaves it. A real create returns the inputs plus the computed outputs the `ResourceModel` gives
for the type (fake_aws.CREATED for aws); the engine keeps them in its state (the local backend),
which is the fake account's memory (besides task-definition revisions, fake_aws.py, and the
VPCs, subnets and security groups the data sources look up, account_network.py): Read returns
what the state holds, Delete forgets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc

from offline.standins import account_network, fake_aws

InvokeHandler = Callable[[str, Mapping[str, Any], str], dict[str, Any]]
Props = dict[str, Any]


class CannotCreateError(LookupError):
    """The fake account has no stand-in for this resource type; the message names it."""


class RefusedError(ValueError):
    """AWS refuses the create (its API validates what the provider does not); the message is
    the provider's error."""


class ResourceModel(Protocol):
    """What one plugin's resources do; the servicer below speaks the protocol around it."""

    def check(self, type_token: str, news: Props) -> list[tuple[str, str]]:
        """(property, reason) for each input the real provider would refuse at Check."""
        ...

    def diff(
        self, type_token: str, old_inputs: Props, olds: Props, news: Props
    ) -> tuple[list[str], list[str]]:
        """(changed top-level keys, the ones among them that force a replacement)."""
        ...

    def planned(self, type_token: str, news: Props, olds: Props | None) -> Props:
        """The outputs a preview plans: of a create (olds None) or of an update."""
        ...

    def create(self, type_token: str, urn: str, news: Props, region: str) -> tuple[str, Props]:
        """(ID, outputs) of a real create; CannotCreateError if the type has no stand-in,
        RefusedError if AWS refuses these inputs."""
        ...

    def update(self, type_token: str, urn: str, olds: Props, news: Props, region: str) -> Props: ...


class FakeAwsResources:
    """aws: the inputs plus fake_aws.CREATED's computed outputs; fake_aws.REPLACED_BY's
    replacements."""

    def check(self, type_token: str, news: Props) -> list[tuple[str, str]]:
        return []  # no schema here: what AWS or the provider would refuse passes (README)

    def diff(
        self, type_token: str, old_inputs: Props, olds: Props, news: Props
    ) -> tuple[list[str], list[str]]:
        changed = changed_keys(old_inputs, news)
        return changed, sorted(set(changed) & fake_aws.REPLACED_BY.get(type_token, frozenset()))

    def planned(self, type_token: str, news: Props, olds: Props | None) -> Props:
        # An update in place keeps the computed outputs it had (ARNs and IDs do not move).
        return {**(olds or {}), **news, **_tags_all(news)}

    def create(self, type_token: str, urn: str, news: Props, region: str) -> tuple[str, Props]:
        refused = fake_aws.refusal(type_token, urn, news)
        if refused is not None:
            raise RefusedError(refused)  # before anything is counted (an ECS revision)
        try:
            computed = fake_aws.created_outputs(type_token, urn, news, region)
        except LookupError:
            known = ", ".join(sorted(fake_aws.CREATED))
            raise CannotCreateError(
                f"offline stand-in: cannot create {type_token} ({urn}): the fake AWS account "
                f"has no stand-in for that type (it creates: {known}); add one to "
                "offline/standins/fake_aws.py"
            ) from None
        resource_id = str(computed.pop("id"))
        outputs = {**news, **computed, **_tags_all(news), "id": resource_id}
        account_network.record(type_token, region, outputs)  # the data sources find it
        return resource_id, outputs

    def update(self, type_token: str, urn: str, olds: Props, news: Props, region: str) -> Props:
        outputs = {**olds, **news, **_tags_all(news)}
        account_network.record(type_token, region, outputs)
        return outputs


class NoResources(FakeAwsResources):
    """A plugin whose resources the fake account never creates (pulumi-docker): it still
    answers previews, and refuses a real create by name."""

    def create(self, type_token: str, urn: str, news: Props, region: str) -> tuple[str, Props]:
        raise CannotCreateError(
            f"offline stand-in: cannot create {type_token} ({urn}): this plugin has no offline "
            "stand-in for real operations"
        )


def _tags_all(inputs: Props) -> Props:
    # pulumi-aws reports the tags plus the provider's default tags (none here) as tagsAll.
    return {"tagsAll": inputs["tags"]} if "tags" in inputs else {}


def changed_keys(old: Props, new: Props) -> list[str]:
    return sorted(key for key in old.keys() | new.keys() if old.get(key) != new.get(key))


class StandinProvider(provider_pb2_grpc.ResourceProviderServicer):
    """The gRPC ResourceProvider service of one stand-in plugin (`plugin` = "aws", ...)."""

    def __init__(
        self,
        plugin: str,
        version: str,
        resources: ResourceModel,
        invoke: InvokeHandler | None = None,
    ) -> None:
        self.plugin = plugin
        self.version = version
        self.resources = resources
        self._invoke = invoke
        self.region = ""

    # --- plugin lifecycle ----------------------------------------------------------------------

    def GetPluginInfo(self, request: empty_pb2.Empty, context: Any) -> plugin_pb2.PluginInfo:
        return plugin_pb2.PluginInfo(version=self.version)

    def Handshake(self, request: Any, context: Any) -> provider_pb2.ProviderHandshakeResponse:
        # Must agree with Configure's answer below.
        return provider_pb2.ProviderHandshakeResponse(
            accept_secrets=True, accept_resources=True, accept_outputs=False
        )

    def CheckConfig(self, request: Any, context: Any) -> provider_pb2.CheckResponse:
        return provider_pb2.CheckResponse(inputs=request.news)

    def DiffConfig(self, request: Any, context: Any) -> provider_pb2.DiffResponse:
        return _diff_response(changed_keys(_dict(request.olds), _dict(request.news)), [])

    def Configure(self, request: Any, context: Any) -> provider_pb2.ConfigureResponse:
        args = json_format.MessageToDict(request.args)
        region = args.get("region") or request.variables.get(f"{self.plugin}:config:region", "")
        self.region = region if isinstance(region, str) and region != fake_aws.UNKNOWN else ""
        # supportsPreview: the engine then calls Create/Update with preview=true for the plan.
        return provider_pb2.ConfigureResponse(
            acceptSecrets=True, acceptResources=True, acceptOutputs=False, supportsPreview=True
        )

    def Cancel(self, request: empty_pb2.Empty, context: Any) -> empty_pb2.Empty:
        return empty_pb2.Empty()

    # --- resources -------------------------------------------------------------------------------

    def Check(self, request: Any, context: Any) -> provider_pb2.CheckResponse:
        failures = self.resources.check(_type_of(request), _dict(request.news))
        return provider_pb2.CheckResponse(
            inputs=request.news,
            failures=[provider_pb2.CheckFailure(property=p, reason=r) for p, r in failures],
        )

    def Diff(self, request: Any, context: Any) -> provider_pb2.DiffResponse:
        # Old inputs against new ones: the state's outputs carry computed values the program
        # never sets, which are no change.
        olds = _dict(request.olds)
        old_inputs = _dict(request.old_inputs) if request.HasField("old_inputs") else olds
        changed, replaces = self.resources.diff(
            _type_of(request), old_inputs, olds, _dict(request.news)
        )
        return _diff_response(changed, replaces)

    def Create(self, request: Any, context: Any) -> provider_pb2.CreateResponse:
        news = _dict(request.properties)
        if request.preview:
            planned = self.resources.planned(_type_of(request), news, None)
            return provider_pb2.CreateResponse(id="", properties=_struct(planned))
        try:
            resource_id, outputs = self.resources.create(
                _type_of(request), request.urn, news, self.region
            )
        except CannotCreateError as error:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(error))
        except RefusedError as error:
            # Nothing was created: no ID, no partial state (the engine stops this update).
            context.abort(grpc.StatusCode.UNKNOWN, str(error))
        return provider_pb2.CreateResponse(id=resource_id, properties=_struct(outputs))

    def Update(self, request: Any, context: Any) -> provider_pb2.UpdateResponse:
        olds, news = _dict(request.olds), _dict(request.news)
        if request.preview:
            planned = self.resources.planned(_type_of(request), news, olds)
            return provider_pb2.UpdateResponse(properties=_struct(planned))
        outputs = self.resources.update(_type_of(request), request.urn, olds, news, self.region)
        return provider_pb2.UpdateResponse(properties=_struct(outputs))

    def Read(self, request: Any, context: Any) -> provider_pb2.ReadResponse:
        # The fake account has no drift: it holds exactly what the engine's state says.
        return provider_pb2.ReadResponse(
            id=request.id, properties=request.properties, inputs=request.inputs
        )

    def Delete(self, request: Any, context: Any) -> empty_pb2.Empty:
        account_network.forget(_type_of(request), request.id)
        return empty_pb2.Empty()

    def Invoke(self, request: Any, context: Any) -> provider_pb2.InvokeResponse:
        if self._invoke is None:
            context.abort(
                grpc.StatusCode.UNIMPLEMENTED,
                f"offline stand-in for {self.plugin}: it answers no data source "
                f"({request.tok}); the program should not need {self.plugin} offline",
            )
        try:
            result = self._invoke(request.tok, json_format.MessageToDict(request.args), self.region)
        except LookupError as error:
            context.abort(grpc.StatusCode.UNIMPLEMENTED, str(error))
        returned = _struct({key: value for key, value in result.items() if value is not None})
        return provider_pb2.InvokeResponse(**{"return": returned})


def _dict(message: struct_pb2.Struct) -> Props:
    return json_format.MessageToDict(message)


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(dict(values))
    return message


def _diff_response(changed: list[str], replaces: list[str]) -> provider_pb2.DiffResponse:
    if not changed:
        return provider_pb2.DiffResponse(changes=provider_pb2.DiffResponse.DIFF_NONE)
    return provider_pb2.DiffResponse(
        changes=provider_pb2.DiffResponse.DIFF_SOME, diffs=changed, replaces=replaces
    )


def _type_of(request: Any) -> str:
    """The resource type token; older engines send only the URN (`...::parent$type::name`)."""
    if request.type:
        return str(request.type)
    qualified_type = str(request.urn).split("::")[2]
    return qualified_type.rsplit("$", 1)[-1]
