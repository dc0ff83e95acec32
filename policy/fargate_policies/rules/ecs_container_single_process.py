"""One process per container: no process manager, no worker pool, no background jobs.

ECS scales a service by running more tasks; a process manager inside the container sizes its
pool from the host's CPU count (which Fargate does not limit to the task's share), so small tasks
start too many copies of the app and run out of memory. This rule reads everything that can start
extra processes: the container's entryPoint and command (including `sh -c` scripts and wrappers
such as `python -m`, `env`, `exec`), the environment variables servers read their worker count
from, and base images known to run gunicorn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import Findings, Knob, container_policy
from fargate_policies.readers.commands import (
    expects_script,
    program_name,
    split_words,
    words_of,
)
from fargate_policies.readers.containers import Container, Task
from fargate_policies.readers.shell import UnreadableScriptError, read_script
from fargate_policies.readers.values import as_str_list, describe, is_unknown
from fargate_spec.contract import APP_MODULE, CONTAINER_PORT
from fargate_spec.processes import (
    GUNICORN_VARIABLES,
    MULTI_PROCESS_IMAGES,
    PROCESS_MANAGERS,
    PROCESS_VARIABLES,
    RELOAD_FLAG,
    RELOAD_VARIABLES,
    RELOADING_SUBCOMMANDS,
    TRUE_WORDS,
    WORKER_FLAGS,
    WORKER_SERVERS,
)

_KNOBS = {
    "extraForbiddenCommands": Knob(
        "array", [], "More program names a container must not start (e.g. 'celery')."
    ),
    "extraForbiddenImages": Knob(
        "array", [], "More image name fragments that mean a multi-process image."
    ),
    "acceptedCommands": Knob(
        "array",
        [],
        "Shell scripts (the text after sh -c) or command elements the rule cannot read, "
        "accepted exactly as written; their words are still checked for process managers.",
    ),
}
_READABLE_FIX = (
    "write it as an exec-form array, or a `sh -c` script of simple commands joined by "
    "&&, ||, ; or | with balanced quotes (no subshells, groups, if/while/for/case), or list the "
    "exact text in this policy's acceptedCommands"
)
_FIX = (
    f"run one server process (`uvicorn {APP_MODULE} --host 0.0.0.0 --port {CONTAINER_PORT}`, "
    "no --workers) and scale with the service's desiredCount"
)


@dataclass
class CommandReading:
    """What running a command starts: reasons it starts more than one process, and the parts
    of it that cannot be read (each a violation unless the platform accepts it by a knob)."""

    reasons: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


def command_reasons(
    argv: list[str], forbidden: dict[str, str], accepted: tuple[str, ...] = ()
) -> CommandReading:
    """Why running `argv` starts more than one process, and what of it cannot be read."""
    reading = CommandReading()

    def unreadable(element: str, error: UnreadableScriptError) -> None:
        if element not in accepted:
            reading.unreadable.append(f"its command element {describe(element)}: {error}")

    words = split_words(argv, unreadable)
    _read_words(words, forbidden, accepted, reading)
    return reading


def _read_words(
    words: list[str], forbidden: dict[str, str], accepted: tuple[str, ...], reading: CommandReading
) -> None:
    for index, word in enumerate(words):
        if index >= 2 and expects_script(words[:index]):
            _read_script(word, forbidden, accepted, reading)
            continue
        # Wrappers (`python -m`, `env`, `exec`, `tini --`) need no unwrapping: every word is read.
        name = program_name(word)
        if name in forbidden:
            reading.reasons.append(f"it starts {name}, {forbidden[name]}")
        elif name in WORKER_SERVERS:
            reading.reasons.extend(_server_flag_reasons(name, words[index + 1 :]))


def _read_script(
    script: str, forbidden: dict[str, str], accepted: tuple[str, ...], reading: CommandReading
) -> None:
    try:
        commands = read_script(script)
    except UnreadableScriptError as error:
        if script not in accepted:
            reading.unreadable.append(f"its shell script {describe(script)}: {error}")
        # Still read every word: a forbidden program is forbidden wherever it appears.
        _read_words(script.split(), forbidden, accepted, reading)
        return
    if commands.backgrounds:
        reading.reasons.append(
            f"its shell script {describe(script)} backgrounds a process with '&'"
        )
    for command in commands.commands:
        _read_words(words_of(command), forbidden, accepted, reading)


def _server_flag_reasons(server: str, args: list[str]) -> list[str]:
    reasons = []
    if args and args[0] in RELOADING_SUBCOMMANDS.get(server, ()):
        reasons.append(
            f"it runs `{server} {args[0]}`, a development server that reloads (a watcher "
            f"process plus the server): use `{server} run` without --reload or --workers"
        )
    for index, arg in enumerate(args):
        count: str | None = None
        if arg in WORKER_FLAGS and index + 1 < len(args):
            count = args[index + 1]
        elif arg.startswith("--workers="):
            count = arg.split("=", 1)[1]
        elif arg.startswith("-w") and arg[2:].isdigit():
            count = arg[2:]
        if count is not None and count.strip() != "1":
            reasons.append(f"it runs {server} with {count} workers (only 1 keeps one process)")
        if arg == RELOAD_FLAG:
            reasons.append(f"it runs {server} with --reload, which adds a watcher process")
    return reasons


def environment_reasons(container: Container, findings: Findings) -> list[str]:
    reasons = []
    for variable in container.environment:
        name, value = variable.name, variable.value
        if name not in PROCESS_VARIABLES:
            continue
        if is_unknown(value):
            findings.skip(container.not_known(f"environment variable {name}"))
        elif name in GUNICORN_VARIABLES:
            reasons.append(f"its environment sets {name}, which configures gunicorn workers")
        elif name in RELOAD_VARIABLES:
            if str(value).strip().lower() in TRUE_WORDS:
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
    reading = command_reasons(
        _argv(container, findings), forbidden, tuple(knobs["acceptedCommands"])
    )
    for reason in container.environment_unreadable:
        findings.skip(reason)
    reasons = reading.reasons + environment_reasons(container, findings)
    reasons += image_reasons(container, knobs["extraForbiddenImages"], findings)
    for reason in dict.fromkeys(reasons):
        findings.violation(f"{container.subject} must run one process, but {reason}: {_FIX}.")
    for part in dict.fromkeys(reading.unreadable):
        findings.violation(
            f"{container.subject} must start with a command line the pack can read, but "
            f"{part}: {_READABLE_FIX}."
        )


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
