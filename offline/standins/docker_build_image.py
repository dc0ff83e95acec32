"""The `docker-build:index:Image` stand-in, as pulumi-docker-build v0.0.22 behaves
(provider/internal/image.go, context.go) minus the build itself: no image is built or pushed
offline; a real create reports a fake digest derived from the build context.

What it reproduces, with where the real provider does it:

- Check: the context is a directory and the Dockerfile exists (BuildContext.validate); a push
  needs at least one tag (Export.validate: "at least one tag or export name is needed when
  pushing to a registry", the failure a program with unknown tags meets: pulumi-docker-build
  #251); each known tag is a valid reference (validate: reference.Parse).
- Diff: any input that changed, registries compared by address and username only (a fresh
  registry password is no change), and `contextHash` when the context's files changed; never a
  replacement (Diff returns only `update` kinds, so Update rebuilds in place).
- Preview: `ref`, `digest` and `contextHash` are unknown in a preview of a create (the
  pulumi-go-provider v1.3.2 infer layer marks every output that does not mirror an input computed
  in a preview of a create, infer/resource.go markComputed) and in a preview of an update (there
  every output is computed once any input is unknown or differs from the state's: a fresh ECR
  token in `registries` always does). A real preview with a builder at hand and unchanged inputs
  would report the digest of its preview build; offline there is no build.
- Create/Update: `contextHash`, a fake `digest` and `ref` = the first tag pinned to it
  (`<tag>@<digest>`), and the digest as the ID (Create: `id = d`). Delete removes nothing.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from pathlib import Path
from typing import Any

from offline.standins import fake_aws
from offline.standins.resource_provider import Props, changed_keys

TYPE = "docker-build:index:Image"
COMPUTED = ("contextHash", "digest", "ref")
NO_TAG = "at least one tag or export name is needed when pushing to a registry"
_SECRET_SIG = "4dabf18193072939515e22adb298388d"
# docker/distribution's reference grammar, enough to refuse what reference.Parse refuses.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9-]+)*(?::[0-9]+)?"
REFERENCE = re.compile(
    rf"(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*"
    r"(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?"
)


class DockerBuildImages:
    """The ResourceModel of the docker-build stand-in (resource_provider.ResourceModel)."""

    def check(self, type_token: str, news: Props) -> list[tuple[str, str]]:
        failures = _check_files(news)
        tags = _unwrap(news.get("tags"))
        if _unwrap(news.get("push")) is True and not tags and not _unwrap(news.get("exports")):
            failures.append(("exports[0]", NO_TAG))
        for index, tag in enumerate(tags if isinstance(tags, list) else []):
            if isinstance(tag, str) and tag != fake_aws.UNKNOWN and not REFERENCE.fullmatch(tag):
                failures.append((f"tags[{index}]", f"invalid reference format: {tag!r}"))
        return failures

    def diff(
        self, type_token: str, old_inputs: Props, olds: Props, news: Props
    ) -> tuple[list[str], list[str]]:
        changed = [
            key
            for key in changed_keys(old_inputs, news)
            if key != "registries" or _logins(old_inputs) != _logins(news)
        ]
        if olds.get("contextHash") != context_hash(news):
            changed.append("contextHash")
        return sorted(changed), []

    def planned(self, type_token: str, news: Props, olds: Props | None) -> Props:
        return {**news, **dict.fromkeys(COMPUTED, fake_aws.UNKNOWN)}

    def create(self, type_token: str, urn: str, news: Props, region: str) -> tuple[str, Props]:
        outputs = self.update(type_token, urn, {}, news, region)
        return outputs["digest"], outputs

    def update(self, type_token: str, urn: str, olds: Props, news: Props, region: str) -> Props:
        built = context_hash(news)
        tags = [t for t in _unwrap(news.get("tags")) or [] if isinstance(t, str)]
        platforms = _unwrap(news.get("platforms")) or []
        manifest = f"{built}|{','.join(tags)}|{','.join(map(str, platforms))}"
        digest = "sha256:" + hashlib.sha256(manifest.encode()).hexdigest()
        ref = f"{tags[0]}@{digest}" if tags else ""
        return {**news, "contextHash": built, "digest": digest, "ref": ref}


def _unwrap(value: Any) -> Any:
    """A secret's value (the engine's wire form is {sig: ..., "value": ...})."""
    if isinstance(value, dict) and _SECRET_SIG in value:
        return value.get("value")
    return value


def _logins(inputs: Props) -> list[tuple[Any, Any]]:
    """The registries as docker-build's Diff compares them: address and username only."""
    registries = _unwrap(inputs.get("registries")) or []
    return [
        (_unwrap(r.get("address")), _unwrap(r.get("username")))
        for r in registries
        if isinstance(r, dict)
    ]


def _locations(inputs: Props) -> tuple[str, str | None]:
    context = _unwrap(inputs.get("context"))
    location = context.get("location") if isinstance(context, dict) else None
    location = location if isinstance(location, str) else "."
    dockerfile = _unwrap(inputs.get("dockerfile"))
    if isinstance(dockerfile, dict) and isinstance(dockerfile.get("inline"), str):
        return location, None
    path = dockerfile.get("location") if isinstance(dockerfile, dict) else None
    return location, path if isinstance(path, str) else os.path.join(location, "Dockerfile")


def _check_files(inputs: Props) -> list[tuple[str, str]]:
    """Relative paths are from the program's directory, where the engine starts plugins."""
    context, dockerfile = _locations(inputs)
    if fake_aws.UNKNOWN in (context, dockerfile):
        return []
    if not os.path.isdir(context):
        return [("context.location", f"{context!r} is not a directory (from {os.getcwd()})")]
    if dockerfile is not None and not os.path.isfile(dockerfile):
        return [("dockerfile.location", f"open {dockerfile}: no such file or directory")]
    return []


def context_hash(inputs: Props) -> str:
    """Like hashBuildContext: the Dockerfile's bytes, then path, bytes and mode of every file
    `.dockerignore` lets into the context."""
    context, dockerfile = _locations(inputs)
    digest = hashlib.sha256()
    if dockerfile and os.path.isfile(dockerfile):
        digest.update(Path(dockerfile).read_bytes())
    root = Path(context)
    if root.is_dir():
        ignore = _ignore_patterns(root)
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root).as_posix()
            if path.is_file() and not _ignored(relative, ignore):
                digest.update(path.read_bytes())
                digest.update(relative.encode() + stat.filemode(path.stat().st_mode).encode())
    return digest.hexdigest()


def _ignore_patterns(root: Path) -> list[tuple[bool, re.Pattern[str]]]:
    """.dockerignore as (negated, pattern) pairs, in order: the last one that matches wins."""
    ignore_file = root / ".dockerignore"
    if not ignore_file.is_file():
        return []
    patterns = []
    for raw in ignore_file.read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            patterns.append((line.startswith("!"), _glob(line.lstrip("!").strip("/"))))
    return patterns


def _glob(pattern: str) -> re.Pattern[str]:
    """A Go filepath.Match pattern with `**` (any number of directories), as moby matches;
    a pattern that matches a directory matches everything under it."""
    regex = ""
    for part in re.split(r"(\*\*/?|\*|\?|\[[^\]]*\])", os.path.normpath(pattern)):
        if part.startswith("["):
            regex += "[^" + part[2:] if part.startswith("[!") else part
        elif part.startswith("**"):
            regex += "(?:.*/)?" if part.endswith("/") else ".*"
        elif part == "*":
            regex += "[^/]*"
        elif part == "?":
            regex += "[^/]"
        else:
            regex += re.escape(part)
    return re.compile(rf"{regex}(?:/.*)?")


def _ignored(relative: str, patterns: list[tuple[bool, re.Pattern[str]]]) -> bool:
    ignored = False
    for negated, pattern in patterns:
        if pattern.fullmatch(relative):
            ignored = not negated
    return ignored
