"""One process per container: no process manager, no worker pool, no background jobs.

ECS scales a service by running more tasks; a process manager inside the container sizes its
pool from the host's CPU count (which Fargate does not limit to the task's share), so small tasks
start too many copies of the app and run out of memory. This rule reads everything that can start
extra processes: the container's entryPoint and command (including `sh -c` scripts and wrappers
such as `python -m`, `env`, `exec`), the environment variables servers read their worker count
from, and base images known to run gunicorn.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from pulumi_policy import EnforcementLevel

from fargate_policies.containers import Container, Task, container_policy
from fargate_policies.framework import Findings, Knob
from fargate_policies.values import as_str_list, describe, is_unknown
from fargate_spec.contract import APP_MODULE, CONTAINER_PORT

# Programs whose only job is to run several processes.
PROCESS_MANAGERS: dict[str, str] = {
    "gunicorn": "a process manager that forks workers",
    "supervisord": "a process supervisor",
    "circusd": "a process supervisor",
    "honcho": "a Procfile runner that starts every process type",
    "uwsgi": "a process manager that forks workers",
    "pm2": "a process manager",
    "pm2-runtime": "a process manager",
}
# ASGI servers that run one process unless told to start workers (or a reloader).
WORKER_SERVERS = ("uvicorn", "hypercorn", "granian")
_WORKER_FLAGS = ("--workers", "-w")
_RELOAD_FLAG = "--reload"
SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh"})
# Environment variables that set a worker count (uvicorn reads WEB_CONCURRENCY and every
# UVICORN_* option; granian reads GRANIAN_*; tiangolo's images read MAX_WORKERS).
WORKER_COUNT_VARIABLES = ("WEB_CONCURRENCY", "UVICORN_WORKERS", "GRANIAN_WORKERS", "MAX_WORKERS")
# Variables that only exist to configure gunicorn or a gunicorn-based image.
GUNICORN_VARIABLES = ("GUNICORN_CMD_ARGS", "WORKERS_PER_CORE")
RELOAD_VARIABLES = ("UVICORN_RELOAD",)
# Base images that run gunicorn (or uwsgi under supervisord) with one worker per host CPU.
MULTI_PROCESS_IMAGES = (
    "tiangolo/uvicorn-gunicorn",
    "tiangolo/meinheld-gunicorn",
    "tiangolo/uwsgi-nginx",
)
_TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
_KNOBS = {
    "extraForbiddenCommands": Knob(
        "array", [], "More program names a container must not start (e.g. 'celery')."
    ),
    "extraForbiddenImages": Knob(
        "array", [], "More image name fragments that mean a multi-process image."
    ),
}
_FIX = (
    f"run one server process (`uvicorn {APP_MODULE} --host 0.0.0.0 --port {CONTAINER_PORT}`, "
    "no --workers) and scale with the service's desiredCount"
)


def program_name(word: str) -> str:
    """'gunicorn' for '/usr/local/bin/gunicorn' and 'gunicorn3' (Debian's name)."""
    base = word.rsplit("/", 1)[-1]
    return re.sub(r"\d+(\.\d+)*$", "", base) if base.startswith("gunicorn") else base


def words_of(argv: list[str]) -> list[str]:
    """Every word of an exec-form command. An element holding spaces is split as a shell would
    (["gunicorn -w 4 app:app"] is four words), except the script after `sh -c`, kept whole."""
    words: list[str] = []
    for element in argv:
        if _expects_script(words):
            words.append(element)
            continue
        try:
            words.extend(shlex.split(element) if " " in element.strip() else [element])
        except ValueError:  # unbalanced quotes: the plain split is the best reading left
            words.extend(element.split())
    return words


def _expects_script(words: list[str]) -> bool:
    """Whether the next word is the script of `sh -c` (or -ec, -lc, ...)."""
    return (
        len(words) >= 2
        and program_name(words[-2]) in SHELLS
        and re.fullmatch(r"-[a-z]*c", words[-1]) is not None
    )


def script_commands(script: str) -> tuple[list[list[str]], bool]:
    """A shell script's simple commands, and whether it backgrounds one with a lone '&'."""
    lexer = shlex.shlex(script, posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    commands: list[list[str]] = [[]]
    backgrounds = False
    try:
        for token in lexer:
            if token and set(token) <= set(";&|"):
                backgrounds = backgrounds or token == "&"
                commands.append([])
            else:
                commands[-1].append(token)
    except ValueError:  # unbalanced quotes: what was read so far still counts
        pass
    return [command for command in commands if command], backgrounds


def command_reasons(argv: list[str], forbidden: dict[str, str]) -> list[str]:
    """Why running `argv` starts more than one process; [] if it starts one."""
    words = words_of(argv)
    reasons: list[str] = []
    for index, word in enumerate(words):
        if index >= 2 and _expects_script(words[:index]):
            commands, backgrounds = script_commands(word)
            if backgrounds:
                reasons.append(f"its shell script {describe(word)} backgrounds a process with '&'")
            for command in commands:
                reasons.extend(command_reasons(command, forbidden))
            continue
        # Wrappers (`python -m`, `env`, `exec`, `tini --`) need no unwrapping: every word is read.
        name = program_name(word)
        if name in forbidden:
            reasons.append(f"it starts {name}, {forbidden[name]}")
        elif name in WORKER_SERVERS:
            reasons.extend(_server_flag_reasons(name, words[index + 1 :]))
    return reasons


def _server_flag_reasons(server: str, args: list[str]) -> list[str]:
    reasons = []
    for index, arg in enumerate(args):
        count: str | None = None
        if arg in _WORKER_FLAGS and index + 1 < len(args):
            count = args[index + 1]
        elif arg.startswith("--workers="):
            count = arg.split("=", 1)[1]
        elif arg.startswith("-w") and arg[2:].isdigit():
            count = arg[2:]
        if count is not None and count.strip() != "1":
            reasons.append(f"it runs {server} with {count} workers (only 1 keeps one process)")
        if arg == _RELOAD_FLAG:
            reasons.append(f"it runs {server} with --reload, which adds a watcher process")
    return reasons


def environment_reasons(container: Container, findings: Findings) -> list[str]:
    reasons = []
    for variable in container.environment:
        name, value = variable.name, variable.value
        watched = name in WORKER_COUNT_VARIABLES + GUNICORN_VARIABLES + RELOAD_VARIABLES
        if not watched:
            continue
        if is_unknown(value):
            findings.skip(container.not_known(f"environment variable {name}"))
        elif name in GUNICORN_VARIABLES:
            reasons.append(f"its environment sets {name}, which configures gunicorn workers")
        elif name in RELOAD_VARIABLES:
            if str(value).strip().lower() in _TRUE_WORDS:
                reasons.append(f"its environment sets {name}={value}, which adds a watcher")
        elif str(value).strip() != "1":
            reasons.append(f"its environment sets {name}={describe(value)} (only 1 is one process)")
    return reasons


def image_reasons(container: Container, extra_images: list[str], findings: Findings) -> list[str]:
    image = container.get("image")
    if is_unknown(image):
        findings.skip(container.not_known("image"))
        return []
    if not isinstance(image, str):
        return []
    for pattern in (*MULTI_PROCESS_IMAGES, *extra_images):
        if pattern and pattern in image:
            return [f"its image {describe(image)} runs a process manager ({pattern})"]
    return []


@container_policy(EnforcementLevel.MANDATORY, "ecs-container-single-process", _KNOBS)
def container_single_process(
    container: Container, _task: Task, knobs: dict[str, Any], findings: Findings
) -> None:
    """Checks whether every container runs exactly one server process: no gunicorn, supervisord
    or other process manager, no --workers above 1, no background jobs."""
    forbidden = PROCESS_MANAGERS | {
        name: "a program this platform forbids" for name in knobs["extraForbiddenCommands"]
    }
    reasons = command_reasons(_argv(container, findings), forbidden)
    for reason in container.environment_unreadable:
        findings.skip(reason)
    reasons += environment_reasons(container, findings)
    reasons += image_reasons(container, knobs["extraForbiddenImages"], findings)
    for reason in dict.fromkeys(reasons):
        findings.violation(f"{container.subject} must run one process, but {reason}: {_FIX}.")


def _argv(container: Container, findings: Findings) -> list[str]:
    """entryPoint + command, the argv ECS starts; what cannot be read is a skip or violation."""
    argv: list[str] = []
    for key in ("entryPoint", "command"):
        value = container.get(key)
        if is_unknown(value) or (isinstance(value, list) and any(map(is_unknown, value))):
            findings.skip(container.not_known(key))
        elif value is not None and as_str_list(value) is None:
            findings.violation(
                f"{container.subject} must set {key} to an array of strings, not {describe(value)}."
            )
        else:
            argv.extend(value or [])
    return argv


def option_value(words: list[str], flag: str) -> str | None:
    """The value a command line gives `flag` ("--flag N" or "--flag=N"); the last one wins."""
    value = None
    for index, word in enumerate(words):
        if word == flag and index + 1 < len(words):
            value = words[index + 1]
        elif word.startswith(f"{flag}="):
            value = word.split("=", 1)[1]
    return value


def uvicorn_setting(container: Container, flag: str, variable: str) -> tuple[Any, str]:
    """A uvicorn option as the container sets it, and where: its command-line flag wins over
    the UVICORN_* variable (click's order; of repeated variables the last wins, as in Docker).
    (None, "") if neither is set; the value is Unknown if it is not known yet."""
    argv = [
        word for key in ("entryPoint", "command") for word in as_str_list(container.get(key)) or []
    ]
    from_command = option_value(words_of(argv), flag)
    if from_command is not None:
        return from_command, flag
    values = [v.value for v in container.environment if v.name == variable]
    return (values[-1], variable) if values else (None, "")
