"""The project's pack with its checks taken out: one policy per policy of the pack, of the same
kind, name, description, level and config schema, whose validate reports nothing
(bench/policy_bench.py compares it with the pack and the no-op pack)."""

import sys
from pathlib import Path
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyPack

# The pack's own modules, as its __main__ imports them (the language host runs this file from
# bench/hollow_pack, so policy/ is not on the path by itself).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "policy"))

from fargate_policies.catalog import ALL_POLICIES


def _report_nothing(_args: Any, _report_violation: Any) -> None:
    return None


PolicyPack(
    name="bench-hollow",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=[
        type(policy)(
            name=policy.name,
            description=policy.description,
            validate=_report_nothing,
            enforcement_level=policy.enforcement_level,
            config_schema=policy.config_schema,
        )
        for policy in ALL_POLICIES
    ],
)
