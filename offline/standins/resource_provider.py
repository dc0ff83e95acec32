# ruff: noqa: N802 (the gRPC service's method names are the protocol's: GetPluginInfo, Check, ...)
"""A preview-only resource provider: what the engine asks of a custom-resource plugin during
`pulumi preview`, answered without the cloud.

Inputs pass through untouched as protobuf Structs (secrets, unknowns and resource references
keep their wire form), so the engine's plan shows exactly what the program registered. Anything
that would need the real cloud (create, update, read, delete outside a preview) fails with a
message that says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc

from offline.standins import fake_aws

InvokeHandler = Callable[[str, Mapping[str, Any], str], dict[str, Any]]
PreviewOutputs = Callable[[str, Mapping[str, Any], str], dict[str, Any]]

RUN_FOR_REAL = (
    "run `pulumi up` in a shell without offline/bin on PATH (not through "
    "scripts/offline-preview.sh), with credentials for a real account"
)


class PreviewOnlyProvider(provider_pb2_grpc.ResourceProviderServicer):
    """The gRPC ResourceProvider service of one stand-in plugin (`plugin` = "aws", ...)."""

    def __init__(
        self,
        plugin: str,
        version: str,
        invoke: InvokeHandler | None = None,
        preview_outputs: PreviewOutputs | None = None,
    ) -> None:
        self.plugin = plugin
        self.version = version
        self._invoke = invoke
        self._preview_outputs = preview_outputs
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
        return _diff(request.olds, request.news)

    def Configure(self, request: Any, context: Any) -> provider_pb2.ConfigureResponse:
        args = json_format.MessageToDict(request.args)
        region = args.get("region") or request.variables.get(f"{self.plugin}:config:region", "")
        self.region = region if isinstance(region, str) and region != fake_aws.UNKNOWN else ""
        # supportsPreview: the engine then calls Create/Update with preview=true, and the plan
        # carries the inputs (plus fake_aws.PREVIEW_OUTPUTS) as the resource's outputs.
        return provider_pb2.ConfigureResponse(
            acceptSecrets=True, acceptResources=True, acceptOutputs=False, supportsPreview=True
        )

    def Cancel(self, request: empty_pb2.Empty, context: Any) -> empty_pb2.Empty:
        return empty_pb2.Empty()

    # --- resources -------------------------------------------------------------------------------

    def Check(self, request: Any, context: Any) -> provider_pb2.CheckResponse:
        # The real provider would also validate required properties and add defaults; the
        # stand-in reports no failures and leaves the program's inputs as they are.
        return provider_pb2.CheckResponse(inputs=request.news)

    def Diff(self, request: Any, context: Any) -> provider_pb2.DiffResponse:
        return _diff(request.olds, request.news)

    def Create(self, request: Any, context: Any) -> provider_pb2.CreateResponse:
        if not request.preview:
            return self._refuse(context, "create", request.urn)
        return provider_pb2.CreateResponse(id="", properties=self._planned(request))

    def Update(self, request: Any, context: Any) -> provider_pb2.UpdateResponse:
        if not request.preview:
            return self._refuse(context, "update", request.urn)
        return provider_pb2.UpdateResponse(properties=self._planned(request, key="news"))

    def Read(self, request: Any, context: Any) -> provider_pb2.ReadResponse:
        return self._refuse(context, "read", request.urn)

    def Delete(self, request: Any, context: Any) -> empty_pb2.Empty:
        return self._refuse(context, "delete", request.urn)

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
        returned = struct_pb2.Struct()
        returned.update({key: value for key, value in result.items() if value is not None})
        return provider_pb2.InvokeResponse(**{"return": returned})

    # --- helpers ---------------------------------------------------------------------------------

    def _planned(self, request: Any, key: str = "properties") -> struct_pb2.Struct:
        """The inputs as the planned outputs, plus the few computed values fake_aws derives."""
        planned = struct_pb2.Struct()
        planned.CopyFrom(getattr(request, key))
        if self._preview_outputs is not None:
            inputs = json_format.MessageToDict(planned)
            planned.update(self._preview_outputs(_type_of(request), inputs, self.region))
        return planned

    def _refuse(self, context: Any, operation: str, urn: str) -> Any:
        # The engine shows this message as the resource's error.
        context.abort(
            grpc.StatusCode.FAILED_PRECONDITION,
            f"offline stand-in: cannot {operation} real {self.plugin.upper()} resources ({urn}); "
            f"it only answers previews. To deploy, {RUN_FOR_REAL}.",
        )


def _type_of(request: Any) -> str:
    """The resource type token; older engines send only the URN (`...::parent$type::name`)."""
    if request.type:
        return str(request.type)
    qualified_type = str(request.urn).split("::")[2]
    return qualified_type.rsplit("$", 1)[-1]


def _diff(olds: struct_pb2.Struct, news: struct_pb2.Struct) -> provider_pb2.DiffResponse:
    """Top-level keys whose values differ; no replacements (the stand-in knows no schema)."""
    old, new = json_format.MessageToDict(olds), json_format.MessageToDict(news)
    changed = sorted(key for key in old.keys() | new.keys() if old.get(key) != new.get(key))
    if not changed:
        return provider_pb2.DiffResponse(changes=provider_pb2.DiffResponse.DIFF_NONE)
    return provider_pb2.DiffResponse(changes=provider_pb2.DiffResponse.DIFF_SOME, diffs=changed)
