"""Fixtures for the image tests: one build per session, one working container, one private
network namespace. The build is scripts/build-image.sh, as CI and the README run it."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from testkit.image import (
    BuiltImage,
    ToolsMissingError,
    WorkingContainer,
    build_image,
    docker_config,
    network_namespace,
)


@pytest.fixture(scope="session")
def service_image() -> BuiltImage:
    try:
        return build_image()
    except ToolsMissingError as error:
        # CI's machine is root on Debian, where build-image.sh installs what it needs.
        if os.environ.get("CI"):
            pytest.fail(f"CI must build the image, but: {error}")
        pytest.skip(f"buildah cannot be installed or run here: {error}")


@pytest.fixture(scope="session")
def image_config(service_image: BuiltImage) -> dict:
    return docker_config(service_image.image_id)


@pytest.fixture(scope="session")
def container(service_image: BuiltImage) -> Iterator[WorkingContainer]:
    working = WorkingContainer(service_image.image_id, f"image-test-{os.getpid()}")
    yield working
    working.remove()


@pytest.fixture(scope="session")
def netns() -> Iterator[list[str]]:
    with network_namespace() as prefix:
        yield prefix
