"""The ECR repository and the image the service runs: built from service/ or named in config."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pulumi_docker_build as docker_build
from docker.utils.build import exclude_paths

from infra.arns import ecr_repository_arn
from infra.settings import Settings

SERVICE_DIR = Path(__file__).resolve().parent.parent / "service"


@dataclass(frozen=True)
class Registry:
    repository_url: pulumi.Output[str]
    image_uri: str
    """The reference tasks run, known when the program runs (so in every preview)."""
    image: pulumi.Resource | None
    """The build that pushes `image_uri`; None for a prebuilt `imageUri` from config."""
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
        # The repository's own rules, so a reader finds them under it. The alias names the
        # URN it had at the stack's root: an existing stack keeps the resource instead of
        # creating a new one and deleting the old, and that delete (DeleteLifecyclePolicy takes
        # only the repository name) would remove the policy the new one had just put.
        # `protect` would otherwise be inherited from a protected repository (pulumi SDK
        # resource.py, "Infer protection from parent"); the policy stays as it was, unprotected.
        opts=pulumi.ResourceOptions(
            parent=repository,
            aliases=[pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE)],
            protect=False,
        ),
    )
    image: docker_build.Image | None = None
    if settings.image_uri:
        # A CI pipeline built and pushed the image; deploy exactly that reference.
        image_uri = settings.image_uri
    else:
        image_uri, image = _build_image(settings, repository)
    pull_arns = [repository.arn]
    prebuilt_arn = ecr_repository_arn(settings.image_uri) if settings.image_uri else None
    if prebuilt_arn:
        pull_arns.append(pulumi.Output.from_input(prebuilt_arn))
    return Registry(
        repository_url=repository.repository_url,
        image_uri=image_uri,
        image=image,
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
    """A tag that changes exactly when the build may: the repository's tags are IMMUTABLE, so new
    bytes must never be pushed under an old tag. Known when the program runs, so the builder's
    preview and the task definition's containerDefinitions see it (pulumi-docker-build refuses a
    push whose tags are unknown at Check: #251)."""
    return f"src-{build_context_digest(context)[:16]}-{architecture}"


@lru_cache(maxsize=4)
def build_context_digest(context: Path) -> str:
    """The files the build sends, each path, mode and bytes: what pulumi-docker-build's own
    context hash covers (provider/internal/context.go at v0.0.22: hashBuildContext hashes the
    Dockerfile, then every file rootFS lets through the ignore patterns of getIgnorePatterns).
    A file .dockerignore keeps out (a README, a local venv, caches) never changes the tag, so
    editing one neither rebuilds nor redeploys; every file that ships does."""
    digest = hashlib.sha256()
    for relative in sorted(build_context_files(context)):
        path = context / relative
        if path.is_file():
            mode = stat.filemode(path.lstat().st_mode)
            digest.update(f"{relative}\0{mode}\0".encode())
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def build_context_files(context: Path, dockerfile: str = "Dockerfile") -> set[str]:
    """Paths under context that a build of `dockerfile` sends: docker-py's list (the Dockerfile
    and the ignore file always, everything else unless an ignore pattern excludes it, with
    Docker's `**`, `!` and last-match-wins rules). The ignore file is `<Dockerfile>.dockerignore`
    when it exists, else `.dockerignore` (BuildKit's rule, which getIgnorePatterns follows)."""
    specific = context / f"{dockerfile}.dockerignore"
    ignore_file = specific if specific.is_file() else context / ".dockerignore"
    patterns = ignore_patterns(ignore_file) if ignore_file.is_file() else []
    return exclude_paths(str(context), patterns, dockerfile=dockerfile)


def ignore_patterns(ignore_file: Path) -> list[str]:
    """Its patterns as docker-py's build reads them (docker/api/build.py): stripped lines, no
    blank lines or comments."""
    lines = (line.strip() for line in ignore_file.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def ecr_repository_url(account_id: str, region: str, dns_suffix: str, name: str) -> str:
    """The URL ECR gives a repository (its `repositoryUrl`), from values known before it exists."""
    return f"{account_id}.dkr.ecr.{region}.{dns_suffix}/{name}"


def _build_image(
    settings: Settings, repository: aws.ecr.Repository
) -> tuple[str, docker_build.Image]:
    """Build and push service/ as `<repository URL>:<content tag>`; returns that reference and
    the build resource.

    The reference is computed, not read from the build: the account comes from
    getCallerIdentity and the DNS suffix from getPartition, invokes a real preview answers, and
    the repository has an explicit name. So containerDefinitions is known in every preview and
    the pack checks the containers there (the builder's own `ref`/`digest` outputs are unknown
    in a first preview and whenever an input changed: pulumi-go-provider infer/resource.go
    markComputed, v1.3.2).

    The logical name never changes with the source: a new tag is an update of the same resource
    (docker-build's Diff never replaces, image.go), so no Delete ever removes the previous image
    from ECR by digest, and tasks started from the previous task definition (a circuit-breaker
    rollback, a Spot replacement) can still pull it. The lifecycle policy expires old images."""
    identity = aws.get_caller_identity()
    partition = aws.get_partition()
    url = ecr_repository_url(
        identity.account_id, settings.region, partition.dns_suffix, settings.physical_name
    )
    reference = f"{url}:{image_tag(SERVICE_DIR, settings.architecture)}"
    token = aws.ecr.get_authorization_token(registry_id=identity.account_id)
    # Relative to the program's directory (the CLI's working directory), so the inputs are the
    # same on every machine and do not show up as a diff.
    context = os.path.relpath(SERVICE_DIR)
    image = docker_build.Image(
        f"{settings.service_name}-image",
        tags=[reference],
        push=True,
        context=docker_build.BuildContextArgs(location=context),
        dockerfile=docker_build.DockerfileArgs(location=os.path.join(context, "Dockerfile")),
        platforms=[docker_build.Platform(settings.docker_platform)],
        registries=[
            docker_build.RegistryArgs(
                address=url.split("/", 1)[0],
                username=token.user_name,
                # A fresh token on every run; docker-build's Diff ignores the password.
                password=pulumi.Output.secret(token.password),
            )
        ],
        # The push needs the repository; nothing else ties the two (the tag is plain text).
        opts=pulumi.ResourceOptions(depends_on=[repository]),
    )
    return reference, image
