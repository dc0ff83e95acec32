"""The real-CLI fixture of the offline tests, for the plan part of the guard."""

from tests.offline.conftest import pulumi_cli

__all__ = ["pulumi_cli"]
