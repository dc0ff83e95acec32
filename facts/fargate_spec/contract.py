"""The container contract between the service image and the infrastructure that runs it.

The service (service/) implements it, the Pulumi program configures ECS and the ALB from it,
and the tests check that the Dockerfile and the app still match it.
"""

from __future__ import annotations

# The non-root user the image declares (Dockerfile USER) and the task definition runs as.
CONTAINER_UID = 1000
CONTAINER_GID = 1000
CONTAINER_USER = f"{CONTAINER_UID}:{CONTAINER_GID}"

CONTAINER_NAME = "app"
CONTAINER_PORT = 8000

# Liveness is cheap and dependency-free (container and ALB health checks);
# readiness says the app can serve traffic.
LIVENESS_PATH = "/healthz"
READINESS_PATH = "/readyz"

# The writable scratch directory mounted over an otherwise read-only root filesystem.
TMP_MOUNT_PATH = "/tmp"

# One uvicorn process per container: replication is the cluster's job.
APP_MODULE = "app.main:app"


def liveness_probe_command(port: int = CONTAINER_PORT, path: str = LIVENESS_PATH) -> list[str]:
    """An ECS healthCheck command that works in a slim image: Python's urllib, no curl."""
    script = (
        "import sys, urllib.request; "
        f"sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:{port}{path}', timeout=3)"
        ".status == 200 else 1)"
    )
    return ["CMD", "python", "-c", script]


# Uvicorn reads every CLI option from a UVICORN_* environment variable (click's
# auto_envvar_prefix), so the image's CMD stays one fixed line and the task definition tunes
# timing per environment. CLI flags would override these, so the CMD sets none of them.
UVICORN_KEEP_ALIVE_ENV = "UVICORN_TIMEOUT_KEEP_ALIVE"
UVICORN_GRACEFUL_SHUTDOWN_ENV = "UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN"
UVICORN_FORWARDED_ALLOW_IPS_ENV = "UVICORN_FORWARDED_ALLOW_IPS"

# Keep-alive must outlive the ALB's idle timeout (default 60 s), or the ALB reuses a
# connection the app already closed and clients see 502s.
DEFAULT_KEEP_ALIVE_SECONDS = 75
# In-flight requests get this long after SIGTERM; it must stay below the ECS stopTimeout.
DEFAULT_GRACEFUL_SHUTDOWN_SECONDS = 20
