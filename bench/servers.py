"""The three servers the service benchmark compares, each started like its image starts it.

- ours: the service's Dockerfile CMD and ENV (testkit.uvicorn_process reads them);
- anchor: the same app under gunicorn with uvicorn workers and the defaults of the
  tiangolo/uvicorn-gunicorn-fastapi image (bench/gunicorn_conf.py);
- bound: bench/raw_asgi.py on the service's own CMD and ENV: one uvicorn process, same flags;
- bare: bench/bare_fastapi.py, a bare FastAPI app with the same /math/add route (no middleware,
  no access log), on the service's own CMD and ENV: what the framework alone costs.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import gunicorn_conf
from testkit.uvicorn_process import LIVENESS_URL_PATH, REPO

ADD_PATH = "/math/add?i=5&i=10"
BARE_MODULE = "bare_fastapi"  # bench/bare_fastapi.py; the image bench copies it into the image
GUNICORN_CONF = Path(gunicorn_conf.__file__)


@dataclass(frozen=True)
class Server:
    key: str  # short name in the JSON results
    label: str  # name in the table and chart
    paths: tuple[str, ...]  # endpoints it serves (the bound has liveness only)
    launch: Mapping[str, Any] = field(default_factory=dict)  # run_service keyword arguments
    expected_processes: int = 1


def _gunicorn_command(port: int) -> list[str]:
    # The image runs `gunicorn -c gunicorn_conf.py app.main:app` (its start.sh, worker class in
    # the config); the command line's --bind wins over the config's, as in gunicorn itself.
    return ["gunicorn", "-c", str(GUNICORN_CONF), "--bind", f"127.0.0.1:{port}", "app.main:app"]


def servers() -> tuple[Server, ...]:
    anchor_workers = gunicorn_conf.worker_count(multiprocessing.cpu_count())
    return (
        Server("ours", "ours (uvicorn, 1 process)", (LIVENESS_URL_PATH, ADD_PATH)),
        Server(
            "anchor",
            f"anchor (gunicorn, {anchor_workers} workers)",
            (LIVENESS_URL_PATH, ADD_PATH),
            {"command": _gunicorn_command},
            expected_processes=1 + anchor_workers,
        ),
        Server(
            "bound",
            "bound (raw ASGI)",
            (LIVENESS_URL_PATH,),
            {"app": "bench.raw_asgi:app", "extra_pythonpath": (REPO,)},
        ),
        Server(
            "bare",
            "bare FastAPI (same route)",
            (LIVENESS_URL_PATH, ADD_PATH),
            {"app": f"bench.{BARE_MODULE}:app", "extra_pythonpath": (REPO,)},
        ),
    )
