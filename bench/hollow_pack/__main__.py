"""The project's pack with its checks taken out: one policy per policy of the pack, of the same
kind, name, description, level and config schema, whose validate reports nothing
(bench/policy_bench.py compares it with the pack and the no-op pack)."""

import sys
from pathlib import Path

# The repository (for bench/) and the pack's own modules, as its __main__ imports them: the
# language host runs this file from bench/hollow_pack, so neither is on the path by itself.
REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "policy")]

from bench.pack_baselines import report_nothing, serve  # noqa: E402 (importable from here on)
from fargate_policies.catalog import ALL_POLICIES  # noqa: E402

HOLLOW = [
    type(policy)(
        name=policy.name,
        description=policy.description,
        validate=report_nothing,
        enforcement_level=policy.enforcement_level,
        config_schema=policy.config_schema,
    )
    for policy in ALL_POLICIES
]
serve("bench-hollow", HOLLOW)
