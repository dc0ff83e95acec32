"""A policy pack with one resource policy that reports nothing: the baseline that
`pulumi policy analyze` of the project's pack is compared with (bench/policy_bench.py)."""

from typing import Any

from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy


def _report_nothing(_args: Any, _report_violation: Any) -> None:
    return None


PolicyPack(
    name="bench-noop",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=[
        ResourceValidationPolicy(
            name="reports-nothing",
            description="Reports nothing: the benchmark's no-op policy.",
            validate=_report_nothing,
        )
    ],
)
