"""One process per container: the programs, flags, variables and images that start more.

The policy pack refuses them in a task definition; the Pulumi program refuses them in
`appEnvironment` before it registers anything; the service image refuses the worker-count
variables uvicorn itself reads (it cannot import this package, so a contract test holds its own
list to the one here).
"""

from __future__ import annotations

# Programs whose only job is to run several processes.
PROCESS_MANAGERS: dict[str, str] = {
    "gunicorn": "a process manager that forks workers",
    "supervisord": "a process supervisor",
    "circusd": "a process supervisor",
    "honcho": "a Procfile runner that starts every process type",
    "uwsgi": "a process manager that forks workers",
    "pm2": "a process manager",
    "pm2-runtime": "a process manager",
}
# Servers that run one process unless told to start workers or a reloader. The FastAPI CLI
# (`fastapi run`, fastapi-cli's cli.py) passes --workers and --reload on to uvicorn.run.
WORKER_SERVERS: tuple[str, ...] = ("uvicorn", "hypercorn", "granian", "fastapi")
WORKER_FLAGS: tuple[str, ...] = ("--workers", "-w")
RELOAD_FLAG = "--reload"
# Subcommands that always reload: `fastapi dev` is `fastapi run` with reload on (fastapi-cli's
# cli.py, `dev`: reload defaults to True), a watcher process plus a server process.
RELOADING_SUBCOMMANDS: dict[str, tuple[str, ...]] = {"fastapi": ("dev",)}

# Environment variables that set a worker count. uvicorn reads WEB_CONCURRENCY (Config) and
# UVICORN_WORKERS (click's auto_envvar_prefix "UVICORN" on --workers); granian reads
# GRANIAN_WORKERS; tiangolo's images read MAX_WORKERS.
UVICORN_WORKER_COUNT_VARIABLES: tuple[str, ...] = ("WEB_CONCURRENCY", "UVICORN_WORKERS")
WORKER_COUNT_VARIABLES: tuple[str, ...] = (
    *UVICORN_WORKER_COUNT_VARIABLES,
    "GRANIAN_WORKERS",
    "MAX_WORKERS",
)
# Variables that only exist to configure gunicorn or a gunicorn-based image.
GUNICORN_VARIABLES: tuple[str, ...] = ("GUNICORN_CMD_ARGS", "WORKERS_PER_CORE")
# Variables that turn on a reloader (a watcher process next to the server).
RELOAD_VARIABLES: tuple[str, ...] = ("UVICORN_RELOAD",)
# Every variable the single-process rule reads, whatever value it holds.
PROCESS_VARIABLES: tuple[str, ...] = (
    *WORKER_COUNT_VARIABLES,
    *GUNICORN_VARIABLES,
    *RELOAD_VARIABLES,
)
# Values of a reload variable that turn reloading on (click's boolean words).
TRUE_WORDS: frozenset[str] = frozenset({"1", "true", "yes", "on", "y", "t"})

# Base images that run gunicorn (or uwsgi under supervisord) with one worker per host CPU.
MULTI_PROCESS_IMAGES: tuple[str, ...] = (
    "tiangolo/uvicorn-gunicorn",
    "tiangolo/meinheld-gunicorn",
    "tiangolo/uwsgi-nginx",
)
