"""`python -m offline.standins <plugin> <engine address> [engine flags]`: serve one stand-in.

offline/bin/pulumi-resource-<plugin> runs this; the engine passes its address and logging flags.
"""

from __future__ import annotations

import sys

from offline.standins.aws_provider import standin_provider
from offline.standins.serve import serve_forever
from offline.standins.versions import SDK_PACKAGES, plugin_version


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in SDK_PACKAGES:
        known = ", ".join(sorted(SDK_PACKAGES))
        given = repr(argv[0]) if argv else "nothing"
        sys.stderr.write(f"offline stand-in: plugin name must be one of {known}, not {given}\n")
        return 2
    plugin, engine_args = argv[0], argv[1:]
    if plugin == "awsx":
        # Imports pulumi_aws (its children are real aws resources): only this plugin pays for it.
        from offline.standins.awsx_provider import serve_awsx  # noqa: PLC0415

        serve_awsx(plugin_version(plugin), engine_args)
        return 0
    serve_forever(standin_provider(plugin, plugin_version(plugin)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
