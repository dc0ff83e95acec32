"""The gallery runs the real Pulumi CLI: the offline tests' session fixture installs it."""

from tests.offline.conftest import pulumi_cli  # noqa: F401 (a fixture)
