"""Overrides that replace the stack files' documentation placeholders (infra.placeholders)
with values a real account could hold, so a capture can run as `pulumi up` (preview=False)."""

from __future__ import annotations

from typing import Any

# Another account than the documentation one (123456789012), and a range clients can come from.
ACCOUNT = "210987654321"
OFFICE_RANGE = "81.2.69.0/24"

DEPLOYABLE: dict[str, dict[str, Any]] = {
    "dev": {},
    "staging": {
        "certificateArn": f"arn:aws:acm:eu-west-1:{ACCOUNT}:certificate/"
        "6f1d2c3b-8a4e-4f5a-9b7c-2d1e0f3a4b5c",
        "appSecrets": [
            f"APP_PARTNER_TOKEN=arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:"
            "fastapi/staging/partner-token-Q7x2Lm"
        ],
        "ingressCidrs": [OFFICE_RANGE],
    },
    "prod": {
        "certificateArn": f"arn:aws:acm:eu-west-1:{ACCOUNT}:certificate/"
        "0b9a8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d",
        "appSecrets": [
            f"APP_SENTRY_DSN=arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/fastapi/prod/sentry-dsn"
        ],
    },
}


def deployable(stack: str, **more: Any) -> dict[str, Any]:
    """The stack's placeholder replacements, plus `more` overrides."""
    return DEPLOYABLE[stack] | more
