"""The Python side of scripts/check-program.sh: which virtualenv runs a team's program, what to
tell the team about its pins, and the scratch copy of its project file.

    python program_env.py venv PROGRAM_DIR STATE_DIR   -> prints the virtualenv to use
    python program_env.py project SRC_YAML DEST_YAML VENV  -> copies Pulumi.yaml, virtualenv set
    python program_env.py secrets CONFIG_FILE  -> drops `secure:` config values, prints their keys

`venv`: the program's requirements.txt is read with `packaging`. Requirements on the Pulumi SDKs
whose plugins the stand-ins replace (pulumi, pulumi-aws, pulumi-awsx, pulumi-docker,
pulumi-docker-build) are always met with this repository's pins, because the stand-ins reproduce
exactly those versions; a program that asks for others is told so on stderr. When every other
requirement is already met by this repository's .venv, that is the virtualenv; otherwise a
scratch one under STATE_DIR/venvs/<hash> holds the program's other requirements on top of .venv
(made once per set of requirements; see scratch_venv).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import sysconfig
import venv
from importlib import metadata
from pathlib import Path

import yaml
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
OUR_VENV = REPO / ".venv"
STANDIN_SDKS = ("pulumi", "pulumi-aws", "pulumi-awsx", "pulumi-docker", "pulumi-docker-build")


def log(message: str) -> None:
    print(f"[check-program] {message}", file=sys.stderr)


def read_requirements(program: Path) -> list[Requirement]:
    path = program / "requirements.txt"
    if not path.is_file():
        log(f"{program} has no requirements.txt: running it with this repository's virtualenv")
        return []
    found = []
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-"):
            log(f"{path}:{number}: pip option {line!r} is not followed by the check; ignored")
            continue
        try:
            found.append(Requirement(line))
        except InvalidRequirement as error:
            raise SystemExit(f"[check-program] error: {path}:{number}: {error}") from None
    return found


def installed(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def split(requirements: list[Requirement]) -> list[Requirement]:
    """Tell the team about its SDK pins; return the requirements our .venv does not meet."""
    unmet = []
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        version = installed(name)
        if name in STANDIN_SDKS:
            if version is None or not requirement.specifier.contains(version, prereleases=True):
                log(
                    f"the program asks for {requirement}; it is checked with this repository's "
                    f"{name} {version} (the version the offline stand-ins reproduce). Results "
                    "can differ where the two versions differ."
                )
            continue
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            unmet.append(requirement)
    return unmet


def scratch_venv(state: Path, unmet: list[Requirement]) -> Path:
    """A virtualenv with the program's other requirements on top of this repository's .venv.

    Its own site-packages comes first on sys.path; a .pth file adds .venv's after it, so the
    pinned SDKs (and everything else .venv has) are there without a second download. pip
    installs the program's requirements into the scratch site-packages (--ignore-installed)
    under a constraints file of our SDK versions, so nothing it installs can bring another
    pulumi, pulumi-aws or pulumi-awsx than the stand-ins reproduce.
    """
    listed = sorted(str(requirement) for requirement in unmet)
    pins = [f"{name}=={installed(name)}" for name in STANDIN_SDKS if installed(name)]
    key = hashlib.sha256("\n".join([*pins, *listed]).encode()).hexdigest()[:16]
    target = state / "venvs" / key
    done = target / ".check-program-complete"
    if done.is_file():
        return target
    log(f"installing the program's own requirements ({', '.join(listed)}) into {target}")
    venv.create(target, with_pip=True, clear=True)
    python = str(target / "bin" / "python")
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "_fargate_platform_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    constraints = target / "constraints.txt"
    constraints.write_text("\n".join(pins) + "\n")
    command = [python, "-m", "pip", "install", "--quiet", "--ignore-installed"]
    subprocess.run([*command, "-c", str(constraints), *listed], check=True, stdout=sys.stderr)
    done.write_text("\n".join(listed) + "\n")
    return target


def choose_venv(program: Path, state: Path) -> Path:
    unmet = split(read_requirements(program))
    if not unmet:
        return OUR_VENV
    log(
        "this repository's virtualenv lacks "
        + ", ".join(str(requirement) for requirement in unmet)
        + ": using a scratch virtualenv"
    )
    return scratch_venv(state, unmet)


def write_project(source: Path, destination: Path, virtualenv: Path) -> None:
    """The program's Pulumi.yaml with its runtime pointed at `virtualenv` (pip toolchain)."""
    project = yaml.safe_load(source.read_text()) or {}
    runtime = project.get("runtime") or "python"
    if isinstance(runtime, str):
        runtime = {"name": runtime}
    if runtime.get("name") != "python":
        raise SystemExit(
            f"[check-program] error: {source} is a {runtime.get('name')!r} program; "
            "check-program.sh runs Python programs"
        )
    options = dict(runtime.get("options") or {})
    options.update(toolchain="pip", virtualenv=str(virtualenv))
    runtime["options"] = options
    project["runtime"] = runtime
    destination.write_text(yaml.safe_dump(project, sort_keys=False))


def drop_secrets(config_file: Path) -> list[str]:
    """Remove the config keys whose value is `secure:` (encrypted for the team's own secrets
    provider, which the offline stack cannot decrypt); return them, to be set again as
    placeholder secrets under the offline passphrase."""
    document = yaml.safe_load(config_file.read_text()) or {}
    config = document.get("config") or {}
    secret = [key for key, value in config.items() if isinstance(value, dict) and "secure" in value]
    if secret:
        for key in secret:
            del config[key]
        config_file.write_text(yaml.safe_dump(document, sort_keys=False))
    return secret


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "venv":
        print(choose_venv(Path(argv[1]), Path(argv[2])))
        return 0
    if len(argv) == 2 and argv[0] == "secrets":
        print("\n".join(drop_secrets(Path(argv[1]))))
        return 0
    if len(argv) == 4 and argv[0] == "project":
        write_project(Path(argv[1]), Path(argv[2]), Path(argv[3]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
