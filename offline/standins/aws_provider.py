"""The stand-in of each custom-resource plugin: which resources it creates and which data
sources it answers (the awsx one is a component provider, awsx_provider.py)."""

from __future__ import annotations

from offline.standins import invokes
from offline.standins.docker_build_image import DockerBuildImages
from offline.standins.resource_provider import FakeAwsResources, NoResources, StandinProvider


def standin_provider(plugin: str, version: str) -> StandinProvider:
    if plugin == "aws":
        return StandinProvider(plugin, version, FakeAwsResources(), invoke=invokes.invoke)
    if plugin == "docker-build":
        return StandinProvider(plugin, version, DockerBuildImages())
    # docker: pulumi_awsx depends on its SDK, so the language host lists it as a required
    # plugin; nothing in the program registers its resources.
    return StandinProvider(plugin, version, NoResources())
