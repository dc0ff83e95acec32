"""A stack policy: tasks run where their architecture is supported and their image runs.

Fargate Spot runs Linux tasks only (X86_64 from platform version 1.3.0, ARM64 from 1.4.0), and an
image built for one CPU architecture fails to start ("exec format error") on the other.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import Findings, Knob, stack_policy
from fargate_policies.readers.stack import Refs, StackGraph, StackResource
from fargate_policies.readers.values import as_int, describe, is_unknown
from fargate_policies.readers.wiring import Wiring, wire_services
from fargate_spec.sizes import (
    ARM64,
    FARGATE_SPOT,
    FARGATE_SPOT_MIN_PLATFORM_VERSION,
    IMAGE_PLATFORM_ARCHITECTURES,
    X86_64,
    is_windows,
)

CLUSTER = "aws:ecs/cluster:Cluster"
CLUSTER_CAPACITY = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"
# Image resources and the properties that name the pushed image (a string, or a list of them:
# docker-build's `tags`, which a program may name in its containers so they are known in
# preview, where `ref` and `digest` are not).
IMAGES = {
    "awsx:ecr:Image": ("imageUri",),
    "docker-build:index:Image": ("ref", "digest", "tags"),
    "docker:index/image:Image": ("repoDigest", "imageName"),
}
_KNOBS = {
    "allowArm64Spot": Knob("boolean", True, "Let ARM64 tasks use Fargate Spot (platform 1.4.0+)."),
    "checkImagePlatform": Knob(
        "boolean", True, "Compare the platform an image is built for with the task's."
    ),
}


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".") if part.isdigit())


def image_platforms(image: StackResource) -> list[str]:
    """The platforms an image resource builds for ("linux/arm64"), as far as its props show."""
    props = image.props
    build = props.get("build")
    found = [props.get("platform"), build.get("platform") if isinstance(build, dict) else None]
    platforms = props.get("platforms")
    found += platforms if isinstance(platforms, list) else []
    return [p for p in found if isinstance(p, str)]


@stack_policy(EnforcementLevel.ADVISORY, "ecs-service-architecture", _KNOBS)
def service_architecture(
    resources: list[StackResource], knobs: dict[str, Any], findings: Findings
) -> None:
    """Checks whether each service's tasks may run on its capacity (Fargate Spot is Linux only,
    ARM64 there needs platform version 1.4.0) and whether its images are built for the task's
    CPU architecture."""
    graph = StackGraph(resources)
    for wiring in wire_services(graph, findings, load_balanced=False):
        task = wiring.task
        if task is None or is_unknown(task.cpu_architecture) or is_unknown(task.os_family):
            findings.skip(wiring.service.not_known("task platform"))
            continue
        architecture = task.cpu_architecture or X86_64
        spot = _on_spot(graph, wiring, findings)
        if spot:
            _check_spot(wiring, architecture, knobs, findings)
        if knobs["checkImagePlatform"]:
            _check_images(graph, wiring, architecture, findings)


def _check_spot(
    wiring: Wiring, architecture: str, knobs: dict[str, Any], findings: Findings
) -> None:
    service, task = wiring.service, wiring.task
    version = service.props.get("platformVersion") or "LATEST"
    minimum = FARGATE_SPOT_MIN_PLATFORM_VERSION.get(architecture)
    problem = None
    if isinstance(task.os_family, str) and is_windows(task.os_family):
        problem = f"Windows tasks ({task.os_family}) cannot run on Fargate Spot"
    elif architecture == ARM64 and not knobs["allowArm64Spot"]:
        problem = "this platform keeps ARM64 tasks off Fargate Spot"
    elif minimum is None:
        problem = f"Fargate Spot has no {describe(architecture)} capacity"
    elif version != "LATEST" and _version(str(version)) < _version(minimum):
        problem = f"{architecture} on Fargate Spot needs platform version {minimum} or LATEST"
    if problem:
        findings.violation(
            f"{service.subject} must not place {task.owner} on {FARGATE_SPOT} ({problem}, "
            f"platform version {describe(version)}): use FARGATE capacity for it"
            f"{'' if 'Windows' in problem else ' or a supported platform version'}.",
            wiring.resource.urn,
        )


def _strategy(graph: StackGraph, wiring: Wiring) -> Any:
    """The service's capacity provider strategy, or its cluster's default when it sets none."""
    props = wiring.service.props
    if props.get("launchType") is not None or props.get("capacityProviderStrategies"):
        return props.get("capacityProviderStrategies") or []
    cluster = graph.refs(wiring.resource, "cluster", props.get("cluster"), CLUSTER)
    names = {c.props.get("name") for c in cluster.resources} if isinstance(cluster, Refs) else set()
    for capacity in graph.of_type(CLUSTER_CAPACITY):
        if capacity.props.get("clusterName") in names:
            return capacity.props.get("defaultCapacityProviderStrategies") or []
    return []


def _on_spot(graph: StackGraph, wiring: Wiring, findings: Findings) -> bool:
    strategy = _strategy(graph, wiring)
    if is_unknown(strategy) or (isinstance(strategy, list) and any(map(is_unknown, strategy))):
        findings.skip(wiring.service.not_known("capacityProviderStrategies"))
        return False
    items = (
        [item for item in strategy if isinstance(item, dict)] if isinstance(strategy, list) else []
    )
    return any(
        item.get("capacityProvider") == FARGATE_SPOT
        and ((as_int(item.get("weight")) or 0) > 0 or (as_int(item.get("base")) or 0) > 0)
        for item in items
    )


def _image_index(graph: StackGraph) -> dict[str, list[tuple[int, StackResource]]]:
    """{image URI: (stack position, image resource)}, so each service looks up its own images."""
    index: dict[str, list[tuple[int, StackResource]]] = {}
    for position, image in enumerate(graph.of_type(*IMAGES)):
        for uri in _image_uris(image):
            index.setdefault(uri, []).append((position, image))
    return index


def _image_uris(image: StackResource) -> list[str]:
    """Every known reference an image resource pushes under."""
    uris: list[str] = []
    for key in IMAGES[image.resource_type]:
        value = image.props.get(key)
        values = value if isinstance(value, list) else [value]
        uris += [uri for uri in values if isinstance(uri, str)]
    return uris


def _platform_for(architecture: str) -> str:
    """The image platform to build for a task architecture ('linux/arm64' for ARM64)."""
    return next(
        (p for p, arch in IMAGE_PLATFORM_ARCHITECTURES.items() if arch == architecture),
        "linux/amd64",
    )


def _check_images(graph: StackGraph, wiring: Wiring, architecture: str, findings: Findings) -> None:
    images = {c.get("image"): c for c in wiring.task.containers if isinstance(c.get("image"), str)}
    index = graph.derived("images-by-uri", lambda: _image_index(graph))
    matched = {position: image for uri in images for position, image in index.get(uri, ())}
    for _, image in sorted(matched.items(), key=lambda item: item[0]):
        container = next((images[u] for u in _image_uris(image) if u in images), None)
        if container is None:
            continue
        for platform in image_platforms(image):
            built_for = IMAGE_PLATFORM_ARCHITECTURES.get(platform)
            if built_for is None:
                findings.violation(
                    f"Image '{image.name}' is built for {describe(platform)}, a platform Fargate "
                    f"does not run, so {container.where} cannot start: build it for "
                    f"{_platform_for(architecture)} to match the task's cpuArchitecture "
                    f"{architecture}.",
                    wiring.task_resource.urn if wiring.task_resource else None,
                )
            elif built_for != architecture:
                findings.violation(
                    f"Image '{image.name}' is built for {platform}, so {container.where} must run "
                    f"on {built_for}, not {architecture}: build the image for the task's "
                    "architecture or change runtimePlatform.cpuArchitecture to match.",
                    wiring.task_resource.urn if wiring.task_resource else None,
                )
