"""Whether a container health-check command checks the app: it can fail, and a probe decides.

ECS runs `["CMD", program, args...]` directly and `["CMD-SHELL", script]` "with the container's
default shell" (ECS API reference, HealthCheck.command: "An exit code of 0 indicates success"),
which Docker's HEALTHCHECK CMD-SHELL makes `/bin/sh -c` on Linux images. A command that exits 0 on
every path (`true`, `exit 0`, `echo ok`, `curl ... || exit 0`, `curl ...; true`) never reports a
dead app, so the container stays "healthy" while it serves nothing.

A probe is a command that reaches the app: one whose words hold a URL or the container's address
or port (`curl -f http://localhost:8000/healthz`, `python -c "...urlopen('http://127.0.0.1...')"`,
`wget -q --spider http://...`, `nc -z 127.0.0.1 8000`), or a program the team names in the
policy's `allowedProbeCommands`. The check is read twice, the way /bin/sh evaluates `&&`, `||`,
`;`, `|`, `!` and `exit`: once to see whether any path can fail at all, once with every command
that is not a probe assumed to succeed, to see whether a probe's failure reaches the exit status.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from fargate_policies.readers.commands import SHELLS, program_name
from fargate_policies.readers.shell import Script, UnreadableScriptError, read_script, shell_words

# Programs that exit 0 whatever happens (the coreutils `true`, the shell's `:` and `echo`).
ALWAYS_SUCCEED = frozenset({"true", ":", "echo", "printf"})
ALWAYS_FAIL = frozenset({"false"})
# Words that reach the app: a URL, a loopback address or a ":port".
_PROBE_TARGET = re.compile(
    r"://|\blocalhost\b|\b127\.0\.0\.1\b|\b0\.0\.0\.0\b|\[::1\]|:\d{2,5}\b", re.IGNORECASE
)
# Words that run the rest of the command line (`exec curl ...`, `timeout 3 curl ...`).
_PREFIXES = frozenset({"exec", "command", "nice", "nohup"})
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")

# The forms of healthCheck.command ECS runs (NONE disables the image's check).
COMMAND_KINDS = ("CMD", "CMD-SHELL")
OK, FAIL = 0, 1
State = tuple[int, bool]  # (exit status so far, whether the shell has exited)


@dataclass(frozen=True)
class Verdict:
    """Why a health-check command does not check the app; both False means it does."""

    never_fails: bool = False
    no_probe: bool = False


def well_formed(words: list[str] | None) -> bool:
    """Whether a healthCheck.command (as a list of strings) has a form ECS runs."""
    return bool(words) and len(words) > 1 and words[0] in COMMAND_KINDS


def never_fails(words: list[str]) -> bool:
    """Whether a well-formed command readable with the default knobs exits 0 on every path
    (the container health-check rule reports it)."""
    try:
        return judge(words[0], words[1:], ()).never_fails
    except UnreadableScriptError:
        return False


def judge(kind: str, words: list[str], allowed_probes: tuple[str, ...]) -> Verdict:
    """The verdict on a healthCheck.command of `kind` CMD or CMD-SHELL followed by `words`.
    Raises shell.UnreadableScriptError if the command holds what the reader does not model."""
    script = _as_script(kind, words)
    is_probe = _probe_test(allowed_probes)
    if not _can_fail(script, lambda command: None if is_probe(command) else _fixed(command)):
        return Verdict(never_fails=True)
    if not _can_fail(script, lambda command: None if is_probe(command) else _fixed(command) or OK):
        return Verdict(no_probe=True)
    return Verdict()


def _as_script(kind: str, words: list[str]) -> Script:
    if kind == "CMD-SHELL":
        return read_script(words[0])  # /bin/sh -c takes one script; later words are $0, $1...
    # One element holding spaces (["CMD", "curl -f http://..."]) is read as its words.
    argv = shell_words(words[0]) if len(words) == 1 else words
    script = _shell_script(argv)
    return read_script(script) if script is not None else Script(commands=[argv])


def _shell_script(argv: list[str]) -> str | None:
    """The script of `sh -c <script> ...` (or -ec, -lc, ...), or None for any other command."""
    if len(argv) >= 3 and program_name(argv[0]) in SHELLS and re.fullmatch(r"-[a-z]*c", argv[1]):
        return argv[2]
    return None


def _probe_test(allowed: tuple[str, ...]) -> Callable[[list[str]], bool]:
    allowed_names = {program_name(name) for name in allowed}

    def is_probe(command: list[str]) -> bool:
        words = _program_words(command)
        if words and program_name(words[0]) in allowed_names:
            return True
        return (
            bool(words)
            and program_name(words[0]) not in ALWAYS_SUCCEED
            and any(_PROBE_TARGET.search(word) for word in words[1:])
        )

    return is_probe


def _program_words(command: list[str]) -> list[str]:
    """The command without leading assignments, `!` and wrappers such as `exec`."""
    words = list(command)
    while words and (words[0] in _PREFIXES or words[0] == "!" or _ASSIGNMENT.match(words[0])):
        words.pop(0)
    return words


def _fixed(command: list[str]) -> int | None:
    """The status a command always returns, or None if it depends on what it meets."""
    words = _program_words(command)
    name = program_name(words[0]) if words else ":"
    if name in ALWAYS_SUCCEED:
        return OK
    if name in ALWAYS_FAIL:
        return FAIL
    return None


def _can_fail(script: Script, fixed: Callable[[list[str]], int | None]) -> bool:
    """Whether some path through the script exits non-zero, where `fixed(command)` is a status
    the command always returns, or None for a command that may return either."""
    states: set[State] = {(OK, False)}
    previous = None
    for pipeline, operator in _pipelines(script):
        background = operator == "&"
        states = {
            outcome
            for state in states
            for outcome in _step(state, previous, pipeline, fixed, background)
        }
        previous = operator
    return any(status != OK for status, _ in states)


def _pipelines(script: Script) -> list[tuple[list[list[str]], str | None]]:
    """The script's pipelines (commands joined by '|'), each with the operator that follows it."""
    result: list[tuple[list[list[str]], str | None]] = []
    current: list[list[str]] = []
    for index, command in enumerate(script.commands):
        current.append(command)
        operator = script.operators[index] if index < len(script.operators) else None
        if operator not in ("|", "|&"):
            result.append((current, operator))
            current = []
    return result


def _step(
    state: State,
    previous: str | None,
    pipeline: list[list[str]],
    fixed: Callable[[list[str]], int | None],
    background: bool,
) -> set[State]:
    status, exited = state
    runs = (
        previous in (None, ";", "&", ";;")
        or (previous == "&&" and status == OK)
        or (previous == "||" and status != OK)
    )
    if exited or not runs:
        return {state}
    if background:
        return {(OK, False)}  # `cmd &` returns 0 at once; its exit status is lost
    return _pipeline_outcomes(pipeline, status, fixed)


def _pipeline_outcomes(
    pipeline: list[list[str]], status: int, fixed: Callable[[list[str]], int | None]
) -> set[State]:
    last = pipeline[-1]
    words = _program_words(last)
    if len(pipeline) == 1 and words and words[0] == "exit":
        code = status if len(words) == 1 else (OK if words[1] == "0" else FAIL)
        statuses = {code}
        exited = True
    else:
        exited = False
        # Without pipefail a pipeline returns its last command's status; a probe earlier in
        # the pipeline decides it too (`curl ... | grep ok`) unless the last command's status
        # is fixed whatever its input (`curl ... | true`).
        always = _fixed(last)
        nested = _shell_script(words)
        if nested is not None:  # `sh -c '...'` inside the script: its own exit status
            statuses = {OK, FAIL} if _can_fail(read_script(nested), fixed) else {OK}
        elif always is not None:
            statuses = {always}
        elif fixed(last) is None or any(fixed(command) is None for command in pipeline[:-1]):
            statuses = {OK, FAIL}
        else:
            statuses = {OK}
    if pipeline[0][:1] == ["!"]:
        statuses = {FAIL if s == OK else OK for s in statuses}
    return {(s, exited) for s in statuses}
