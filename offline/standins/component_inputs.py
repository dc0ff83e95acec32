"""Reading a component's inputs: awsx takes its layout inputs as plain values (its schema marks
them plain), so one that arrives as an Output is an error naming the input."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi


def plain_input(inputs: Mapping[str, Any], key: str) -> Any:
    value = inputs.get(key)
    if isinstance(value, pulumi.Output):
        raise pulumi.InputPropertyError(
            key,
            "must be a plain value known when the program runs (awsx plans the resources from "
            "it), not the output of another resource",
        )
    return value


def plain_list(inputs: Mapping[str, Any], key: str) -> list[Any] | None:
    value = plain_input(inputs, key)
    if value is None:
        return None
    if not isinstance(value, list):
        raise pulumi.InputPropertyError(key, f"must be a list, not {type(value).__name__}")
    return value
