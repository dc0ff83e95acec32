"""The `awsx:ecr:Image` stand-in. The real component builds the context with Docker (a
docker-build:index:Image child) and pushes it, then reports `<repositoryUrl>@sha256:<digest>`.
Offline nothing is built or pushed: the stand-in checks that the build context and Dockerfile
exist and reports `<repositoryUrl>:<image name>`, the reference awsx tags and pushes the image
under (awsx's own fallback form when no digest is known)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.provider import ConstructResult

from offline.standins.component_inputs import plain_input

TYPE = "awsx:ecr:Image"


def construct_image(
    name: str, inputs: Mapping[str, Any], options: pulumi.ResourceOptions | None
) -> ConstructResult:
    repository_url = inputs.get("repositoryUrl")
    if repository_url is None:
        raise pulumi.InputPropertyError("repositoryUrl", "is required: the ECR repository's URL")
    context = plain_input(inputs, "context") or "."
    dockerfile = plain_input(inputs, "dockerfile") or os.path.join(context, "Dockerfile")
    _check_build_files(context, dockerfile)
    component = pulumi.ComponentResource(TYPE, name, {}, options)
    image_name = (
        plain_input(inputs, "imageName")
        or plain_input(inputs, "imageTag")
        or unique_image_name(context, plain_input(inputs, "dockerfile"), inputs.get("args"))
    )
    image_uri = pulumi.Output.concat(repository_url, ":", image_name)
    component.register_outputs({"imageUri": image_uri})
    return ConstructResult(urn=component.urn, state={"imageUri": image_uri})


def _check_build_files(context: str, dockerfile: str) -> None:
    """What `docker build` would fail on first. Relative paths are from the program's
    directory, the working directory the engine starts plugins in."""
    if not os.path.isdir(context):
        raise pulumi.InputPropertyError(
            "context", f"build context {context!r} is not a directory (from {os.getcwd()})"
        )
    if not os.path.isfile(dockerfile):
        raise pulumi.InputPropertyError(
            "dockerfile", f"Dockerfile {dockerfile!r} does not exist (from {os.getcwd()})"
        )


def unique_image_name(context: str, dockerfile: str | None, args: Any) -> str:
    """awsx's name for an image without imageName or imageTag: a hash of the build inputs and
    the stack (its createUniqueImageName)."""
    if isinstance(args, pulumi.Output):
        raise pulumi.InputPropertyError(
            "imageTag", "set imageTag or imageName: build args are not known when planning"
        )
    signature = context
    if dockerfile:
        signature += f";dockerfile={dockerfile}"
    for key, value in (args or {}).items():
        signature += f";arg[{key}]={value}"
    signature += pulumi.get_stack()
    return f"{hashlib.sha1(signature.encode()).hexdigest()}-container"
