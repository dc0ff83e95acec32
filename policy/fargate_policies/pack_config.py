"""Checks a policy pack config file (what `pulumi preview --policy-pack-config` takes).

The format is the CLI's: a JSON object keyed by policy name (or "all"); each value is an
enforcement level string, or an object with an optional "enforcementLevel" and the policy's
knobs. The CLI validates knobs against each policy's schema but silently ignores keys that name
no policy, so a typo would switch nothing on; `config_problems` reports both.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fargate_policies.framework import PolicyDoc

LEVELS = ("advisory", "mandatory", "remediate", "disabled")
ALL = "all"


def config_problems(document: Any, docs: Mapping[str, PolicyDoc]) -> list[str]:
    """Every problem of a parsed config document, each naming the key and what is valid."""
    if not isinstance(document, dict):
        return [f"the config must be a JSON object keyed by policy name, not {type(document)}"]
    problems: list[str] = []
    for key, value in document.items():
        if key != ALL and key not in docs:
            problems.append(f"'{key}' names no policy of the pack: use one of {', '.join(docs)}")
            continue
        if isinstance(value, str):
            problems += _level_problems(key, value)
        elif isinstance(value, dict):
            problems += _object_problems(key, value, docs)
        else:
            problems.append(f"'{key}' must be an enforcement level or an object, not {value!r}")
    return problems


def _level_problems(key: str, level: Any) -> list[str]:
    if level in LEVELS:
        return []
    return [f"'{key}' enforcement level {level!r} is not one of {', '.join(LEVELS)}"]


def _object_problems(key: str, value: dict[str, Any], docs: Mapping[str, PolicyDoc]) -> list[str]:
    problems = (
        _level_problems(key, value["enforcementLevel"]) if "enforcementLevel" in value else []
    )
    knobs = docs[key].knobs if key in docs else {}
    for name, setting in value.items():
        if name == "enforcementLevel":
            continue
        knob = knobs.get(name)
        if knob is None:
            known = ", ".join(knobs) or "none"
            problems.append(f"'{key}' has no knob '{name}' (knobs: {known})")
        elif problem := knob.problem(setting):
            problems.append(f"'{key}' knob '{name}' {problem}")
    return problems


def load_config(path: Path) -> dict[str, Any]:
    """A config file's JSON object; ValueError naming the file if it is not valid JSON."""
    try:
        return json.loads(path.read_text())
    except ValueError as error:
        raise ValueError(f"{path} is not valid JSON: {error}") from error
