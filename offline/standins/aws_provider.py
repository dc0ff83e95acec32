"""The `aws` stand-in (and the empty `docker` / `docker-build` ones): a preview-only provider
that answers the data sources in invokes.py and the computed outputs in fake_aws.py."""

from __future__ import annotations

from offline.standins import fake_aws, invokes
from offline.standins.resource_provider import PreviewOnlyProvider


def preview_only_provider(plugin: str, version: str) -> PreviewOnlyProvider:
    if plugin == "aws":
        return PreviewOnlyProvider(
            plugin, version, invoke=invokes.invoke, preview_outputs=fake_aws.preview_outputs
        )
    # docker and docker-build: pulumi_awsx depends on their SDKs, so the language host lists them
    # as required plugins; nothing in the program registers their resources offline.
    return PreviewOnlyProvider(plugin, version)
