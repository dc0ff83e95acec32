"""A policy pack with one resource policy that reports nothing: the baseline that
`pulumi policy analyze` of the project's pack is compared with (bench/policy_bench.py)."""

import sys
from pathlib import Path

from pulumi_policy import ResourceValidationPolicy

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository, for bench/

from bench.pack_baselines import report_nothing, serve

NO_OP = ResourceValidationPolicy(
    name="reports-nothing",
    description="Reports nothing: the benchmark's no-op policy.",
    validate=report_nothing,
)
serve("bench-noop", [NO_OP])
