"""The `awsx:ecr:Image` stand-in, built the way awsx 3.11.0 builds it (awsx/ecr/image.ts,
computeImageFromAsset): once the repository URL is known, a `docker-build:index:Image` child
named after imageName or imageTag (or a hash of the build inputs) that pushes
`<repositoryUrl>:<that name>` with the account's ECR credentials (awsx/ecr/auth.ts:
getAuthorizationToken), and `imageUri` = `<repositoryUrl>@<the child's digest>`.

The child is the docker-build stand-in's (docker_build_image.py), so `imageUri` is unknown
whenever the child's digest is: in a first preview (the repository URL is unknown, so the child
is not even registered) and in any preview that builds (a create or an update of the child).
The stand-in checks the build context and Dockerfile before anything is registered.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_docker_build as docker_build
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
    platform = plain_input(inputs, "platform")
    image_uri = pulumi.Output.from_input(repository_url).apply(
        lambda url: _push(
            component,
            url,
            image_name=image_name,
            context=context,
            dockerfile=dockerfile,
            platform=platform,
        )
    )
    component.register_outputs({"imageUri": image_uri})
    return ConstructResult(urn=component.urn, state={"imageUri": image_uri})


def _push(
    parent: pulumi.Resource,
    repository_url: str,
    *,
    image_name: str,
    context: str,
    dockerfile: str,
    platform: str | None,
) -> pulumi.Output[str]:
    """The child awsx registers inside its apply on the repository URL, and the URI it reports."""
    registry = repository_url.split("/", 1)[0]
    token = aws.ecr.get_authorization_token_output(
        registry_id=registry.split(".", 1)[0], opts=pulumi.InvokeOutputOptions(parent=parent)
    )
    image = docker_build.Image(
        image_name,
        tags=[f"{repository_url}:{image_name}"],
        push=True,
        context=docker_build.BuildContextArgs(location=context),
        dockerfile=docker_build.DockerfileArgs(location=dockerfile),
        platforms=[platform] if platform else [],
        registries=[
            docker_build.RegistryArgs(
                address=registry, username=token.user_name, password=token.password
            )
        ],
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return image.digest.apply(lambda digest: f"{repository_url}@{digest}")


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
