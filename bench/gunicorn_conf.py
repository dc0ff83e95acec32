"""The anchor's gunicorn settings: the defaults of tiangolo/uvicorn-gunicorn-fastapi, the image
the seed story ran (its docker-images/gunicorn_conf.py, read through the project's search
tool). Only the bind address differs: the benchmark passes 127.0.0.1 and a free port in BIND.

Its worker formula is the point of the comparison: max(2, WORKERS_PER_CORE x cpu_count()),
where cpu_count() is the host's CPUs, not the task's share.
"""

from __future__ import annotations

import multiprocessing
import os

WORKERS_PER_CORE = float(os.environ.get("WORKERS_PER_CORE", "1"))
MIN_WORKERS = 2


def worker_count(cores: int, per_core: float = WORKERS_PER_CORE) -> int:
    """The image's formula: WEB_CONCURRENCY if set, else at least 2, else per_core x cores."""
    explicit = os.environ.get("WEB_CONCURRENCY")
    if explicit:
        return int(explicit)
    return max(int(per_core * cores), MIN_WORKERS)


# gunicorn reads these module-level names (the image's defaults).
bind = os.environ.get("BIND", "127.0.0.1:80")
workers = worker_count(multiprocessing.cpu_count())
worker_class = os.environ.get("WORKER_CLASS", "uvicorn.workers.UvicornWorker")
loglevel = os.environ.get("LOG_LEVEL", "info")
errorlog = "-"
worker_tmp_dir = "/dev/shm"
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "120"))
timeout = int(os.environ.get("TIMEOUT", "120"))
keepalive = int(os.environ.get("KEEPALIVE", "120"))
