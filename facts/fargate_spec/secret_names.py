"""What marks a plaintext environment variable as a secret: its name, or what its value looks like.

The policy pack reports such a variable in a task definition; the Pulumi program refuses it in
`appEnvironment` (it belongs in `appSecrets`, read by ECS from SSM or Secrets Manager).
"""

from __future__ import annotations

import re

# Name fragments that say "this is a secret" (matched case-insensitively).
SECRET_NAME_MARKERS: tuple[str, ...] = (
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "ACCESS_KEY",
    "CREDENTIAL",
)
# Values that are secrets whatever the variable is called.
SECRET_VALUE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an AWS access key ID", re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("a GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36}\b")),
    ("a Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}")),
)


def secret_name_marker(name: str, extra_markers: tuple[str, ...] | list[str] = ()) -> str | None:
    """The first marker `name` contains (upper case), or None."""
    upper = name.upper()
    return next(
        (m.upper() for m in (*SECRET_NAME_MARKERS, *extra_markers) if m.upper() in upper), None
    )


def secret_value_kind(value: str) -> str | None:
    """What kind of secret `value` looks like ("an AWS access key ID"), or None."""
    return next((label for label, pattern in SECRET_VALUE_PATTERNS if pattern.search(value)), None)
