"""Offline stand-ins for the `aws`, `awsx`, `docker` and `docker-build` resource plugins: a fake
account that answers previews as strictly as the real providers and creates, updates, reads and
deletes with fake IDs (offline/README.md).

`offline/bin/pulumi-resource-<name>` starts `python -m offline.standins <name>`; the engine finds
those executables on PATH before its plugin cache, so they replace the real plugins only while
offline/bin is on PATH (scripts/offline-preview.sh and scripts/offline-up.sh put it there).
"""
