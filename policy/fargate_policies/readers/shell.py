"""Reading `sh -c` scripts the way /bin/sh runs them, as far as a rule needs to.

A script is read into simple commands joined by the list operators `;`, `&`, `&&`, `||` and `|`
(newlines outside quotes count as `;`); redirections (`> /dev/null`, `2>&1`) are dropped with
their target. What this reader does not model, it refuses with a reason instead of guessing:
unbalanced quotes, subshells and groups (`(...)`, `{ ...; }`) and compound commands (`if`,
`while`, `for`, `case`, ...). The rules turn that reason into a violation that says how to write
the script so it can be checked (see "Unknown values" in policy/README.md).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

_OPERATOR_CHARS = ";&|<>()"
_LIST_OPERATORS = frozenset({";", "&", "&&", "||", "|", "|&", ";;"})
_COMPOUND_WORDS = frozenset(
    {"if", "then", "else", "elif", "fi", "while", "until", "do", "done", "for", "case", "esac",
     "select", "function", "{", "}", "[[", "]]"}
)  # fmt: skip


class UnreadableScriptError(ValueError):
    """A script this reader does not model; the message says what it met."""


@dataclass
class Script:
    """A script as simple commands, each with the operator that joins it to the next one."""

    commands: list[list[str]] = field(default_factory=list)
    # The operator after each command: len(commands) - 1 entries, or len(commands) when the
    # script ends with '&'.
    operators: list[str] = field(default_factory=list)

    @property
    def backgrounds(self) -> bool:
        """Whether a command runs in the background (a lone '&', also after the last command)."""
        return "&" in self.operators


def read_script(script: str) -> Script:
    """The script's simple commands and operators; UnreadableScriptError if it holds more."""
    protected, substitutions = _protect_substitutions(script)
    lexer = shlex.shlex(
        _newlines_as_semicolons(protected), posix=True, punctuation_chars=_OPERATOR_CHARS
    )
    lexer.whitespace_split = True
    result = Script()
    current: list[str] = []
    skip_target = False
    try:
        tokens = [_restore(token, substitutions) for token in lexer]
    except ValueError as error:  # "No closing quotation", "No escaped character"
        raise UnreadableScriptError(f"its quoting does not balance ({error})") from None
    for token in tokens:
        if skip_target:
            skip_target = False
            continue
        if token and set(token) <= set(_OPERATOR_CHARS):
            if "(" in token or ")" in token:
                raise UnreadableScriptError(f"it uses a subshell or function ({token!r})")
            if "<" in token or ">" in token:
                # A redirection: drop it and its target (">&" "1", ">" "/dev/null").
                skip_target = True
                continue
            if token not in _LIST_OPERATORS:
                raise UnreadableScriptError(f"it uses the operator {token!r}")
            _close(result, current, token)
            current = []
            continue
        if not current and token in _COMPOUND_WORDS:
            raise UnreadableScriptError(f"it uses the compound command {token!r}")
        current.append(token)
    if current:
        result.commands.append(current)
    elif result.operators and result.operators[-1] != "&":
        result.operators.pop()  # a trailing ';' ends the script
    return result


def _close(result: Script, current: list[str], operator: str) -> None:
    if not current:
        raise UnreadableScriptError(f"an operator {operator!r} has no command before it")
    result.commands.append(current)
    result.operators.append(operator)


def _protect_substitutions(script: str) -> tuple[str, dict[str, str]]:
    """`script` with each command substitution ($(...), $((...)), `...`) replaced by a
    placeholder word, so its parentheses and operators stay inside the word they expand in."""
    out: list[str] = []
    substitutions: dict[str, str] = {}
    index = 0
    while index < len(script):
        end = _substitution_end(script, index)
        if end is None:
            out.append(script[index])
            index += 1
            continue
        placeholder = f"__substitution_{len(substitutions)}__"
        substitutions[placeholder] = script[index:end]
        out.append(placeholder)
        index = end
    return "".join(out), substitutions


def _substitution_end(script: str, start: int) -> int | None:
    """Where the substitution starting at `start` ends, or None if none starts there."""
    if script.startswith("`", start):
        end = script.find("`", start + 1)
        if end < 0:
            raise UnreadableScriptError("a backquote does not close")
        return end + 1
    if not script.startswith("$(", start):
        return None
    depth = 0
    for index in range(start + 1, len(script)):
        depth += {"(": 1, ")": -1}.get(script[index], 0)
        if depth == 0:
            return index + 1
    raise UnreadableScriptError("a command substitution $( does not close")


def _restore(token: str, substitutions: dict[str, str]) -> str:
    for placeholder, text in substitutions.items():
        token = token.replace(placeholder, text)
    return token


def _newlines_as_semicolons(script: str) -> str:
    """Unquoted newlines end a command, as ';' does; quoted ones stay part of a word."""
    out, quote = [], ""
    for char in script:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        out.append(";" if char == "\n" and not quote else char)
    return "".join(out)


def shell_words(element: str) -> list[str]:
    """One exec-form element split as a shell would ("gunicorn -w 4 app" is four words)."""
    try:
        return shlex.split(element) if " " in element.strip() else [element]
    except ValueError as error:
        raise UnreadableScriptError(f"its quoting does not balance ({error})") from None
