"""Settings and the pure helpers of the program, without any Pulumi runtime."""

from __future__ import annotations

import ast
import shutil
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from fargate_spec import sizes
from fargate_spec.secret_names import secret_name_marker
from infra import arns
from infra import settings as settings_module
from infra import validation as v
from infra.registry import SERVICE_DIR, build_context_digest, image_tag, lifecycle_policy
from infra.service import capacity_provider_strategy, execution_policy
from infra.settings import Settings, SettingsError, config_fields, parse_settings

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "fastapi-fargate"
REGION = {"aws:region": "eu-west-1"}
PULUMI_TYPES = {v.as_int: "integer", v.as_bool: "boolean", v.as_text_list: "array"}
PULUMI_TYPES[v.as_pairs] = "array"
YAML_TYPES = {"string": str, "integer": int, "boolean": bool, "array": list}


def project_file() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "Pulumi.yaml").read_text())


def stack_file(stack: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]


def settings_of(**values: str) -> Settings:
    return parse_settings(
        REGION | {f"{PROJECT}:{k}": val for k, val in values.items()}, PROJECT, "t"
    )


def as_cli_string(value: Any) -> str:
    import json  # noqa: PLC0415

    if isinstance(value, bool):
        return str(value).lower()
    return json.dumps(value) if isinstance(value, list) else str(value)


def field_docstrings() -> dict[str, str]:
    """The string under each Settings field: Python keeps attribute docstrings only in the
    source, so they are read from infra/settings.py's syntax tree."""
    tree = ast.parse(Path(settings_module.__file__).read_text())
    body = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Settings").body
    return {
        field.target.id: doc.value.value
        for field, doc in pairwise(body)
        if isinstance(field, ast.AnnAssign)
        and isinstance(field.target, ast.Name)
        and isinstance(doc, ast.Expr)
        and isinstance(doc.value, ast.Constant)
        and isinstance(doc.value.value, str)
    }


def words(text: str) -> str:
    return " ".join(text.split())


def test_pulumi_yaml_declares_every_setting_with_its_type_default_and_description() -> None:
    """One description per key: Pulumi.yaml's (what `pulumi config` users read) is the field's
    docstring up to its `@default`."""
    declared = project_file()["config"]
    project_keys = {f.metadata["key"]: f for f in config_fields() if ":" not in f.metadata["key"]}
    docstrings = field_docstrings()
    assert set(declared) == set(project_keys)
    for key, spec in declared.items():
        f = project_keys[key]
        assert spec["type"] == PULUMI_TYPES.get(f.metadata["parse"], "string"), key
        assert spec["description"].strip(), key
        described, has_default, _ = docstrings.get(f.name, "").partition("@default")
        assert has_default, f"{f.name}: its docstring names no @default"
        assert words(described) == words(spec["description"]), (
            f"{key}: Pulumi.yaml's description and Settings.{f.name}'s docstring differ"
        )
        # The CLI type-checks defaults as YAML values: a string default must be quoted.
        assert type(spec["default"]) is YAML_TYPES[spec["type"]], key
        parsed_default = f.metadata["parse"](as_cli_string(spec["default"]))
        assert parsed_default == f.default, (
            f"{key}: Pulumi.yaml {spec['default']!r} != {f.default!r}"
        )
        if spec["type"] == "array":
            assert spec["items"] == {"type": "string"}, key


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_stack_files_set_only_declared_keys_that_vary_by_environment(stack: str) -> None:
    declared = project_file()["config"]
    others = [stack_file(name) for name in ("dev", "staging", "prod") if name != stack]
    for key, value in stack_file(stack).items():
        if key == "aws:region":
            continue
        namespace, _, name = key.partition(":")
        assert namespace == PROJECT and name in declared, key
        differs_from_default = as_cli_string(value) != as_cli_string(declared[name]["default"])
        differs_elsewhere = any(
            other.get(key, declared[name]["default"]) != value for other in others
        )
        assert differs_from_default or differs_elsewhere, f"{stack}: {key} is the same everywhere"


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_stack_files_are_valid_as_written(stack: str) -> None:
    values = {key: as_cli_string(value) for key, value in stack_file(stack).items()}
    settings = parse_settings(values, PROJECT, stack)
    assert settings.environment == stack


def test_defaults_alone_need_only_a_region() -> None:
    settings = parse_settings(REGION, PROJECT, "sandbox")
    assert (settings.cpu, settings.memory, settings.environment) == (256, 512, "dev")
    assert settings.physical_name == "fastapi-sandbox"
    assert settings.https is False
    assert settings.autoscaling is True
    with pytest.raises(SettingsError, match=r"aws:region \(not set\): is required"):
        parse_settings({}, PROJECT, "sandbox")


@pytest.mark.parametrize(
    ("cpu", "memory", "units"),
    [
        ("1 vCPU", "2 GB", (1024, 2048)),
        ("0.25 vcpu", "0.5GB", (256, 512)),
        ("4096", "30720", (4096, 30720)),
    ],
)
def test_task_size_accepts_every_form_ecs_accepts(
    cpu: str, memory: str, units: tuple[int, int]
) -> None:
    settings = settings_of(cpu=cpu, memory=memory)
    assert (settings.cpu, settings.memory) == units


@given(
    st.sampled_from(
        [(row.cpu, m) for row in sizes.FARGATE_LINUX_SIZES for m in row.memory_values()]
    )
)
def test_every_fargate_size_in_the_shared_table_is_accepted(pair: tuple[int, int]) -> None:
    settings = settings_of(cpu=str(pair[0]), memory=str(pair[1]))
    assert (settings.cpu, settings.memory) == pair


@given(st.integers(min_value=128, max_value=131072), st.integers(min_value=128, max_value=131072))
def test_a_size_outside_the_table_is_refused_on_cpu_or_memory(cpu: int, memory: int) -> None:
    if sizes.is_valid_pair(cpu, memory):
        return
    with pytest.raises(SettingsError) as refused:
        settings_of(cpu=str(cpu), memory=str(memory))
    (line,) = refused.value.lines
    assert line.startswith((f"{PROJECT}:cpu = '{cpu}': ", f"{PROJECT}:memory = '{memory}': "))


def test_arm64_and_amd64_map_to_ecs_architectures_and_docker_platforms() -> None:
    assert settings_of(architecture="arm64").cpu_architecture == "ARM64"
    assert settings_of(architecture="arm64").docker_platform == "linux/arm64"
    assert settings_of(architecture="amd64").cpu_architecture == "X86_64"


@pytest.mark.parametrize(
    ("spot", "strategy"),
    [
        (0, [("FARGATE", 1, 0)]),
        (100, [("FARGATE_SPOT", 1, 0)]),
        (50, [("FARGATE", 1, 1), ("FARGATE_SPOT", 1, 0)]),
        (25, [("FARGATE", 3, 1), ("FARGATE_SPOT", 1, 0)]),
        (80, [("FARGATE", 1, 1), ("FARGATE_SPOT", 4, 0)]),
        (33, [("FARGATE", 67, 1), ("FARGATE_SPOT", 33, 0)]),
    ],
)
def test_spot_share_becomes_capacity_provider_weights(
    spot: int, strategy: list[tuple[str, int, int]]
) -> None:
    entries = capacity_provider_strategy(spot)
    assert [(e["capacity_provider"], e["weight"], e["base"]) for e in entries] == strategy


def test_lifecycle_policy_expires_untagged_then_keeps_the_newest() -> None:
    rules = lifecycle_policy(keep_images=15, untagged_expiry_days=3)["rules"]
    assert rules[0]["selection"] == {
        "tagStatus": "untagged",
        "countType": "sinceImagePushed",
        "countUnit": "days",
        "countNumber": 3,
    }
    assert rules[1]["selection"] == {
        "tagStatus": "any",
        "countType": "imageCountMoreThan",
        "countNumber": 15,
    }
    assert [rule["rulePriority"] for rule in rules] == [1, 2]
    assert all(rule["action"] == {"type": "expire"} for rule in rules)


def test_image_tag_follows_the_build_context_and_the_platform(tmp_path: Path) -> None:
    """The tag covers what pulumi-docker-build's own context hash covers (v0.0.22
    provider/internal/context.go: hashDockerfile, then hashFile's path, bytes and FileMode of
    every file rootFS lets through getIgnorePatterns' patterns), so an IMMUTABLE repository is
    never asked to take new bytes under an old tag, and a file that does not ship neither
    rebuilds nor redeploys."""
    context = tmp_path / "service"
    shutil.copytree(
        SERVICE_DIR / "app", context / "app", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(SERVICE_DIR / "Dockerfile", context / "Dockerfile")
    shutil.copy(SERVICE_DIR / ".dockerignore", context / ".dockerignore")

    def tag() -> str:
        build_context_digest.cache_clear()
        return image_tag(context, "amd64")

    first = tag()
    assert first == tag()
    assert first.startswith("src-") and first.endswith("-amd64")
    assert image_tag(context, "arm64") == first.replace("-amd64", "-arm64")
    # What .dockerignore keeps out never ships, so it never changes the tag.
    (context / "app" / "__pycache__").mkdir(exist_ok=True)
    (context / "app" / "__pycache__" / "x.pyc").write_bytes(b"cache")
    (context / "README.md").write_text("# notes\n")
    (context / ".venv" / "bin").mkdir(parents=True)
    (context / ".venv" / "bin" / "python").write_text("")
    assert tag() == first
    seen = {first}
    changes = {
        "a file's mode": lambda: (context / "app" / "main.py").chmod(0o755),
        ".dockerignore": lambda: (context / ".dockerignore").write_text("*\n!app/\n"),
        "the Dockerfile": lambda: (context / "Dockerfile").write_text("FROM scratch\n"),
        "a file's bytes": lambda: (context / "app" / "main.py").write_text("# changed\n"),
        "a new file that ships": lambda: (context / "app" / "extra.py").write_text(""),
        # BuildKit prefers the Dockerfile's own ignore file: README.md now ships.
        "Dockerfile.dockerignore": lambda: (context / "Dockerfile.dockerignore").write_text(
            "*\n!app/\n!README.md\n"
        ),
    }
    for what, change in changes.items():
        change()
        assert tag() not in seen, f"the tag did not change with {what}"
        seen.add(tag())


@pytest.mark.parametrize(
    ("arn", "kind", "resource"),
    [
        (
            "arn:aws:ssm:eu-west-1:123456789012:parameter/fastapi/prod/db-url",
            "ssm",
            "arn:aws:ssm:eu-west-1:123456789012:parameter/fastapi/prod/db-url",
        ),
        (
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbC123",
            "secretsmanager",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbC123",
        ),
        # A JSON key after the secret: IAM grants the secret itself.
        (
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbC123:password::",
            "secretsmanager",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbC123",
        ),
        ("arn:aws:s3:::bucket/key", None, "arn:aws:s3:::bucket/key"),
        ("/fastapi/prod/db-url", None, "/fastapi/prod/db-url"),
        ("arn:aws:secretsmanager:eu-west-1:123456789012:secret:nosuffix", None, None),
    ],
)
def test_secret_references(arn: str, kind: str | None, resource: str | None) -> None:
    assert arns.secret_arn_kind(arn) == kind
    if resource is not None:
        assert arns.secret_resource_arn(arn) == resource


def test_execution_policy_grants_each_secret_once_by_its_own_arn() -> None:
    secrets = [
        ("A", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:s-AbC123:user::"),
        ("B", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:s-AbC123:password::"),
        ("C", "arn:aws:ssm:eu-west-1:123456789012:parameter/p"),
    ]
    document = execution_policy(
        "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/x", ["repo-arn"], secrets
    )
    by_sid = {s["Sid"]: s for s in document["Statement"]}
    assert by_sid["ReadSecrets"]["Resource"] == [
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:s-AbC123"
    ]
    assert by_sid["ReadParameters"]["Resource"] == [
        "arn:aws:ssm:eu-west-1:123456789012:parameter/p"
    ]
    assert (
        by_sid["WriteLogs"]["Resource"] == "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/x:*"
    )


@pytest.mark.parametrize(
    ("image", "arn"),
    [
        (
            "210987654321.dkr.ecr.us-east-1.amazonaws.com/team/api:1.2.3",
            "arn:aws:ecr:us-east-1:210987654321:repository/team/api",
        ),
        (
            "210987654321.dkr.ecr.eu-west-1.amazonaws.com/api@sha256:" + "a" * 64,
            "arn:aws:ecr:eu-west-1:210987654321:repository/api",
        ),
        ("ghcr.io/acme/api:1.2.3", None),
    ],
)
def test_ecr_repository_of_a_prebuilt_image(image: str, arn: str | None) -> None:
    assert arns.ecr_repository_arn(image) == arn
    assert v.image_uri(image) is None


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("DB_PASSWORD", True),
        ("app_secret_key", True),
        ("GITHUB_TOKEN", True),
        ("STRIPE_API_KEY", True),
        ("APP_LOG_LEVEL", False),
        ("APP_ADD_MAX_TERMS", False),
    ],
)
def test_secret_looking_names(name: str, secret: bool) -> None:
    assert (secret_name_marker(name) is not None) is secret
