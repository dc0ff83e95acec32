"""What the two baseline packs of the CLI comparison share (bench/noop_pack, bench/hollow_pack;
bench/policy_bench.py runs them beside the project's pack). Imported by their __main__ in the
pack's own virtualenv, so it needs nothing but the SDK."""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel, PolicyPack


def report_nothing(_args: Any, _report_violation: Any) -> None:
    """A validate that checks nothing and reports nothing."""
    return None


def serve(name: str, policies: list[Any]) -> None:
    """Start the pack's gRPC server for the CLI (never returns, like the project's pack)."""
    PolicyPack(name=name, enforcement_level=EnforcementLevel.ADVISORY, policies=policies)
