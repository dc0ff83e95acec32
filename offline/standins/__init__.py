"""Preview-only stand-ins for the `aws`, `awsx`, `docker` and `docker-build` resource plugins.

`offline/bin/pulumi-resource-<name>` starts `python -m offline.standins <name>`; the engine finds
those executables on PATH before its plugin cache, so they replace the real plugins only while
offline/bin is on PATH (scripts/offline-preview.sh puts it there).
"""
