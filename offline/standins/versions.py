"""Each stand-in reports the version of the SDK package installed for its plugin, so the engine
sees exactly the version the program's SDK asks for."""

from __future__ import annotations

from importlib import metadata

# Plugin name -> the Python package whose pulumi-plugin.json names that plugin.
SDK_PACKAGES = {
    "aws": "pulumi_aws",
    "awsx": "pulumi_awsx",
    "docker": "pulumi_docker",
    "docker-build": "pulumi_docker_build",
}


def plugin_version(plugin: str) -> str:
    """The installed SDK's version ("7.51.1"), or a clear error naming what to install."""
    package = SDK_PACKAGES.get(plugin)
    if package is None:
        known = ", ".join(sorted(SDK_PACKAGES))
        raise ValueError(f"no offline stand-in for plugin {plugin!r}; stand-ins exist for {known}")
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        raise ValueError(
            f"the {plugin} stand-in reports the version of the Python package {package}, which is "
            "not installed in this interpreter: run scripts/bootstrap.sh"
        ) from None
