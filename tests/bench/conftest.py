"""The real-CLI fixture of the offline tests, for the pack profile's run through the CLI."""

from tests.offline.conftest import pulumi_cli

__all__ = ["pulumi_cli"]
