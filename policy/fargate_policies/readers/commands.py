"""Command lines as a container starts them: the words of an exec-form argv, the program a word
names, and the uvicorn options a container sets on its command line or in its environment.

Read by the single-process rule (what a container starts), the probe reader (what a health check
runs) and the shutdown-timing rule (uvicorn's graceful-shutdown and keep-alive settings).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fargate_policies.readers.containers import Container
from fargate_policies.readers.shell import UnreadableScriptError, shell_words
from fargate_policies.readers.values import as_str_list

SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh"})


def program_name(word: str) -> str:
    """'gunicorn' for '/usr/local/bin/gunicorn' and 'gunicorn3' (Debian's name)."""
    base = word.rsplit("/", 1)[-1]
    return re.sub(r"\d+(\.\d+)*$", "", base) if base.startswith("gunicorn") else base


def words_of(argv: list[str]) -> list[str]:
    """Every word of an exec-form command. An element holding spaces is split as a shell would
    (["gunicorn -w 4 app:app"] is four words), except the script after `sh -c`, kept whole.
    An element whose quotes do not balance is split at spaces (`command_reasons` reports it)."""
    return split_words(argv, lambda _element, _error: None)


def split_words(
    argv: list[str], unreadable: Callable[[str, UnreadableScriptError], None]
) -> list[str]:
    words: list[str] = []
    for element in argv:
        if expects_script(
            words
        ):  # a `sh -c` script stays one word: the single-process rule reads it
            words.append(element)
            continue
        try:
            words.extend(shell_words(element))
        except UnreadableScriptError as error:
            words.extend(element.split())
            unreadable(element, error)
    return words


def expects_script(words: list[str]) -> bool:
    """Whether the next word is the script of `sh -c` (or -ec, -lc, ...)."""
    return (
        len(words) >= 2
        and program_name(words[-2]) in SHELLS
        and re.fullmatch(r"-[a-z]*c", words[-1]) is not None
    )


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
