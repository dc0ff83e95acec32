"""Passing awsx's component inputs on to pulumi_aws children the way awsx (TypeScript) does.

awsx spreads its args into `new aws.x.Y(name, {...args})`; the Node SDK's resource class copies
only the properties that resource has and drops the rest (`resourceInputs["vpcId"] =
args?.vpcId`). The inputs reach the stand-in in the engine's camelCase; `aws_kwargs` keeps the
ones the pulumi_aws class takes, under its Python parameter names, values untouched (nested
objects stay in the wire's camelCase, which the Python SDK passes through as given).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping
from functools import cache
from typing import Any

_CAMEL_BOUNDARY = re.compile(r"(?<!^)(?=[A-Z])")


def snake_case(key: str) -> str:
    return _CAMEL_BOUNDARY.sub("_", key).lower()


@cache
def _parameters(resource_class: type) -> frozenset[str]:
    # pulumi_aws resource classes take their properties as keyword arguments of _internal_init.
    signature = inspect.signature(resource_class._internal_init)  # type: ignore[attr-defined]
    return frozenset(signature.parameters) - {"__self__", "resource_name", "opts", "__props__"}


def aws_kwargs(resource_class: type, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs `resource_class` takes, as its keyword arguments; unset (None) ones left out."""
    taken = _parameters(resource_class)
    kwargs = {}
    for key, value in inputs.items():
        name = snake_case(key)
        if name in taken and value is not None:
            kwargs[name] = value
    return kwargs
