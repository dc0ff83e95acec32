"""service/Dockerfile builds with buildah, unchanged, and the image declares and holds what
the container contract asks: UID 1000, a health check, one uvicorn process, nothing to build
or install with, and a size well under the seed's 200-400 MB."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from fargate_spec import contract
from testkit.image import (
    BuiltImage,
    WorkingContainer,
    forbidden_executables,
    image_size,
    inspect_image,
    installed_compiler_packages,
)
from testkit.uvicorn_process import read_stages

pytestmark = pytest.mark.image

SEED_SIZE_RANGE_MB = (200, 400)  # "Average image size: 200-400 MB" (shared/seeds)
MB = 1_000_000


def test_the_dockerfile_builds_on_the_base_image_it_names(service_image: BuiltImage) -> None:
    image = inspect_image(service_image.tag)
    assert f"sha256:{image['FromImageID']}" == service_image.image_id
    # The runtime stage's FROM, resolved in local storage: its layers are the image's first ones.
    base = inspect_image(read_stages()[-1].base)
    base_layers = base["Docker"]["rootfs"]["diff_ids"]
    assert image["Docker"]["rootfs"]["diff_ids"][: len(base_layers)] == base_layers
    assert len(image["Docker"]["rootfs"]["diff_ids"]) > len(base_layers)


def test_config_runs_as_uid_1000(image_config: dict) -> None:
    assert image_config["User"] == contract.CONTAINER_USER
    assert int(image_config["User"].split(":")[0]) != 0


def test_config_health_check_is_the_task_definitions_probe(image_config: dict) -> None:
    healthcheck = image_config["Healthcheck"]
    # The same command ECS runs (fargate_spec.contract), exec form: no shell, no curl.
    assert healthcheck["Test"] == contract.liveness_probe_command()
    assert healthcheck["Retries"] >= 1
    assert 0 < healthcheck["Timeout"] < healthcheck["Interval"]


def test_config_cmd_is_one_uvicorn_process_in_exec_form(image_config: dict) -> None:
    cmd = image_config["Cmd"]
    assert isinstance(cmd, list)
    assert cmd[0] == "uvicorn"
    assert contract.APP_MODULE in cmd
    assert cmd[cmd.index("--port") + 1] == str(contract.CONTAINER_PORT)
    assert not {"--workers", "--reload"} & set(cmd)
    # Nothing wraps it: no ENTRYPOINT shell, no init.
    assert not image_config.get("Entrypoint")
    assert image_config["StopSignal"] == "SIGTERM"


def test_runtime_holds_no_compiler_and_no_uv(container: WorkingContainer) -> None:
    root = container.root()
    assert (root / "app" / ".venv" / "bin" / "uvicorn").is_file()  # the walk sees the image
    assert forbidden_executables(root) == []
    assert installed_compiler_packages(root) == []


def test_the_content_checks_find_a_compiler_and_uv(tmp_path: Path) -> None:
    """The two checks above can fail: a tree with gcc, cc and uv, and a dpkg status with gcc."""
    (tmp_path / "usr/lib").mkdir(parents=True)
    for path in ("usr/bin/x86_64-linux-gnu-gcc-12", "bin/uv", "app/.venv/bin/python"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).touch(mode=0o755)
    (tmp_path / "usr/bin/cc").symlink_to("/usr/bin/x86_64-linux-gnu-gcc-12")
    (tmp_path / "usr/share/gcc").mkdir(parents=True)  # a directory: not a compiler
    (tmp_path / "usr/lib/uv").touch(mode=0o644)  # not executable: not a program
    status = tmp_path / "var/lib/dpkg/status"
    status.parent.mkdir(parents=True)
    status.write_text(
        "Package: gcc-12\nStatus: install ok installed\n\n"
        "Package: libc6\nStatus: install ok installed\n\n"
        "Package: cpp\nStatus: deinstall ok config-files\n"
    )
    assert forbidden_executables(tmp_path) == [
        "/bin/uv",
        "/usr/bin/cc",
        "/usr/bin/x86_64-linux-gnu-gcc-12",
    ]
    assert installed_compiler_packages(tmp_path) == ["gcc-12"]


def test_image_size_is_well_under_the_seeds_figure(
    service_image: BuiltImage, capsys: pytest.CaptureFixture[str]
) -> None:
    size = image_size(service_image.image_id)
    base = inspect_image(read_stages()[-1].base)
    base_layers = len(base["Docker"]["rootfs"]["diff_ids"])
    app_bytes = sum(size.layers_uncompressed[base_layers:])
    low, high = SEED_SIZE_RANGE_MB
    with capsys.disabled():
        print(
            f"\nimage size: {size.uncompressed_bytes / MB:.1f} MB uncompressed, "
            f"{size.compressed_bytes / MB:.1f} MB gzip-compressed "
            f"(base {sum(size.layers_uncompressed[:base_layers]) / MB:.1f} MB + "
            f"app {app_bytes / MB:.1f} MB; seed: {low}-{high} MB)"
        )
    assert size.compressed_bytes < size.uncompressed_bytes
    assert size.uncompressed_bytes < low * MB
    # The service's own layers (venv, source, user) stay small beside the base.
    assert app_bytes < 60 * MB


def test_tmp_is_declared_a_volume_and_writable_by_everyone(
    image_config: dict, container: WorkingContainer
) -> None:
    """On Fargate the task definition mounts an empty bind volume at /tmp over the read-only root
    filesystem; it is root-owned 0755 unless the image declares /tmp a VOLUME, in which case
    ECS copies the image's directory and its mode into the volume (AWS, "Use bind mounts with
    Amazon ECS"; aws/containers-roadmap#938). Fargate's mount cannot be reproduced here: this
    holds the image's half, the declaration and the directory ECS would copy."""
    assert contract.TMP_MOUNT_PATH in (image_config.get("Volumes") or {})
    tmp = container.root() / contract.TMP_MOUNT_PATH.lstrip("/")
    info = tmp.stat()
    assert stat.S_ISDIR(info.st_mode)
    assert stat.S_IMODE(info.st_mode) == 0o1777, oct(info.st_mode)
    assert (info.st_uid, info.st_gid) == (0, 0)


def test_the_app_user_can_create_temporary_files(container: WorkingContainer) -> None:
    """What the mode is for: UID 1000 (the image's USER) writes where tempfile puts files."""
    script = (
        "import os, tempfile\n"
        "with tempfile.NamedTemporaryFile(dir='/tmp') as f:\n"
        "    f.write(b'x'); f.flush()\n"
        "    print(os.getuid(), tempfile.gettempdir())\n"
    )
    assert python_in(container, script) == [str(contract.CONTAINER_UID), contract.TMP_MOUNT_PATH]


def test_everything_the_app_imports_at_start_is_already_compiled(
    container: WorkingContainer,
) -> None:
    """The official python base ships its standard library without bytecode (docker-library/
    python's Dockerfile deletes every *.pyc under /usr/local; the local stand-in base does the
    same) and the task's root filesystem is read-only, so a module without a .pyc in the image
    is compiled again at every start. The runtime stage compiles the standard library and the
    builder the venv and the app: importing the app finds bytecode for every module it loads."""
    script = (
        "import importlib.util, os, sys\n"
        "import app.main\n"
        "sources = {m.__file__ for m in list(sys.modules.values())\n"
        "           if (getattr(m, '__file__', None) or '').endswith('.py')}\n"
        "missing = sorted(f for f in sources\n"
        "                 if not os.path.exists(importlib.util.cache_from_source(f)))\n"
        "print(len(sources)); print('\\n'.join(missing))\n"
    )
    loaded, *missing = python_in(container, script)
    assert int(loaded) > 100  # the stdlib, pydantic, starlette, fastapi, uvicorn and the app
    assert missing == []


def python_in(container: WorkingContainer, script: str) -> list[str]:
    """The words `script` prints, run by the image's python as the image's user."""
    result = container.run(["python", "-c", script])
    assert result.returncode == 0, result.stderr
    return result.stdout.split()
