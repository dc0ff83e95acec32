"""A readable difference between two JSON documents: one line per changed path."""

from __future__ import annotations

import json
from typing import Any

MAX_SHOWN = 200  # characters of one value in a report line


def differences(before: Any, after: Any, path: str = "") -> list[str]:
    """Each place where `after` differs from `before`, as "path: before -> after" lines.

    Objects are compared key by key; lists item by item (a length change is reported with the
    items added or removed at the end); two strings that both hold JSON (containerDefinitions,
    policy documents) are compared as the JSON they hold, so a one-field change reads as one.
    """
    if isinstance(before, dict) and isinstance(after, dict):
        return _dict_differences(before, after, path)
    if isinstance(before, list) and isinstance(after, list):
        return _list_differences(before, after, path)
    if before == after and type(before) is type(after):
        return []
    if isinstance(before, str) and isinstance(after, str):
        inner_before, inner_after = _json_in(before), _json_in(after)
        if inner_before is not None and inner_after is not None:
            inner = differences(inner_before, inner_after, f"{path}<json>")
            if inner:
                return inner
    return [f"{path or '<root>'}: {shown(before)} -> {shown(after)}"]


def _dict_differences(before: dict, after: dict, path: str) -> list[str]:
    lines: list[str] = []
    for key in sorted(set(before) | set(after)):
        where = f"{path}.{key}" if path else str(key)
        if key not in after:
            lines.append(f"{where}: removed (was {shown(before[key])})")
        elif key not in before:
            lines.append(f"{where}: added {shown(after[key])}")
        else:
            lines += differences(before[key], after[key], where)
    return lines


def _list_differences(before: list, after: list, path: str) -> list[str]:
    lines: list[str] = []
    for index, (old, new) in enumerate(zip(before, after, strict=False)):
        lines += differences(old, new, f"{path}[{index}]")
    for index in range(len(after), len(before)):
        lines.append(f"{path}[{index}]: removed (was {shown(before[index])})")
    for index in range(len(before), len(after)):
        lines.append(f"{path}[{index}]: added {shown(after[index])}")
    return lines


def _json_in(text: str) -> Any:
    if text[:1] not in ("{", "["):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def shown(value: Any) -> str:
    shown = json.dumps(value, sort_keys=True)
    return shown if len(shown) <= MAX_SHOWN else shown[: MAX_SHOWN - 3] + "..."


def report(part: str, lines: list[str], limit: int = 60) -> str:
    """The assertion message: what changed in `part`, and how to accept it if intended."""
    shown = "\n  ".join(lines[:limit])
    more = f"\n  ... and {len(lines) - limit} more" if len(lines) > limit else ""
    return (
        f"{part}: {len(lines)} difference(s) from tests/behaviour/baseline/{part}.json\n  "
        f"{shown}{more}\n"
        "If this change is intended, refresh the baseline with "
        f"`.venv/bin/python -m tests.behaviour capture {part}` and review its diff."
    )
