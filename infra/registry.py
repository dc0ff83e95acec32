"""The ECR repository and the image the service runs: built from service/ or named in config."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pulumi_awsx as awsx

from infra.settings import Settings
from infra.validation import ecr_repository_arn

SERVICE_DIR = Path(__file__).resolve().parent.parent / "service"
# Local caches and virtualenvs never reach the image (service/.dockerignore); hashing them
# would only make the tag change when nothing shipped did.
_NOT_SHIPPED = frozenset({".venv", "__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache"})


@dataclass(frozen=True)
class Registry:
    repository_url: pulumi.Output[str]
    image_uri: pulumi.Output[str]
    pull_repository_arns: pulumi.Output[list[str]]
    """ECR repositories the execution role may pull from: ours, and a prebuilt image's."""


def create_registry(settings: Settings) -> Registry:
    repository = aws.ecr.Repository(
        f"{settings.service_name}-repo",
        name=settings.physical_name,
        # A tag names one image forever: a deploy of `1.4.2` is the image that was tested.
        image_tag_mutability="IMMUTABLE",
        image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(
            scan_on_push=True
        ),
        encryption_configurations=[
            aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type=settings.ecr_encryption)
        ],
        # A protected or retained repository keeps its images; elsewhere `destroy` empties it.
        force_delete=not (settings.deletion_protection or settings.retain_on_delete),
        tags=settings.tags,
        opts=pulumi.ResourceOptions(
            protect=settings.deletion_protection, retain_on_delete=settings.retain_on_delete
        ),
    )
    aws.ecr.LifecyclePolicy(
        f"{settings.service_name}-repo-lifecycle",
        repository=repository.name,
        policy=json.dumps(
            lifecycle_policy(settings.ecr_keep_images, settings.ecr_untagged_expiry_days)
        ),
    )
    image_uri = _image_uri(settings, repository)
    pull_arns = [repository.arn]
    prebuilt_arn = ecr_repository_arn(settings.image_uri) if settings.image_uri else None
    if prebuilt_arn:
        pull_arns.append(pulumi.Output.from_input(prebuilt_arn))
    return Registry(
        repository_url=repository.repository_url,
        image_uri=image_uri,
        pull_repository_arns=pulumi.Output.all(*pull_arns).apply(lambda arns: sorted(set(arns))),
    )


def lifecycle_policy(keep_images: int, untagged_expiry_days: int) -> dict[str, object]:
    """Expire untagged images after some days and keep only the newest `keep_images`.
    ECR evaluates rules by priority and requires the tagStatus "any" rule to come last."""
    return {
        "rules": [
            {
                "rulePriority": 1,
                "description": f"Expire untagged images after {untagged_expiry_days} days",
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": untagged_expiry_days,
                },
                "action": {"type": "expire"},
            },
            {
                "rulePriority": 2,
                "description": f"Keep the last {keep_images} images",
                "selection": {
                    "tagStatus": "any",
                    "countType": "imageCountMoreThan",
                    "countNumber": keep_images,
                },
                "action": {"type": "expire"},
            },
        ]
    }


def image_tag(context: Path, architecture: str) -> str:
    """A tag that changes exactly when the build does: the repository's tags are immutable, so
    awsx's default (one fixed name per stack) would fail on the second push of new code."""
    return f"src-{build_context_digest(context)[:16]}-{architecture}"


@lru_cache(maxsize=4)
def build_context_digest(context: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(context.rglob("*")):
        relative = path.relative_to(context)
        if path.is_file() and not _NOT_SHIPPED.intersection(relative.parts):
            digest.update(relative.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _image_uri(settings: Settings, repository: aws.ecr.Repository) -> pulumi.Output[str]:
    if settings.image_uri:
        # A CI pipeline built and pushed the image; deploy exactly that reference.
        return pulumi.Output.from_input(settings.image_uri)
    image = awsx.ecr.Image(
        f"{settings.service_name}-image",
        repository_url=repository.repository_url,
        # Relative to the program's directory (the CLI's working directory), so the inputs are
        # the same on every machine and do not show up as a diff.
        context=os.path.relpath(SERVICE_DIR),
        platform=settings.docker_platform,
        image_tag=image_tag(SERVICE_DIR, settings.architecture),
    )
    # awsx returns repository@sha256:digest: tasks run the exact bytes that were pushed.
    return image.image_uri
