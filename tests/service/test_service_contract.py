"""Drift guard: the app and its Dockerfile still match fargate_spec.contract, which the Pulumi
program and the policy pack use. The image does not ship fargate_spec, so nothing else ties
these values together."""

from __future__ import annotations

import importlib
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient

from app.api.routes import health
from app.core import config
from app.main import app
from fargate_spec import contract, limits, processes
from testkit import uvicorn_process
from testkit.uvicorn_process import image_command, image_environment, read_stages

FINAL = read_stages()[-1]
COMMAND = image_command(FINAL)
ENV = image_environment(FINAL)


def test_health_paths_match_the_contract() -> None:
    assert health.LIVENESS_PATH == contract.LIVENESS_PATH
    assert health.READINESS_PATH == contract.READINESS_PATH
    assert uvicorn_process.LIVENESS_URL_PATH == contract.LIVENESS_PATH
    with TestClient(app) as client:
        assert client.get(contract.LIVENESS_PATH).status_code == 200
        assert client.get(contract.READINESS_PATH).status_code == 200


def test_cmd_serves_the_contracts_app_on_its_port() -> None:
    assert contract.APP_MODULE in COMMAND
    assert COMMAND[COMMAND.index("--port") + 1] == str(contract.CONTAINER_PORT)
    assert COMMAND[COMMAND.index("--host") + 1] == "0.0.0.0"  # reachable from the ALB
    expose = FINAL.last("EXPOSE")
    assert expose is not None
    assert expose.arguments == str(contract.CONTAINER_PORT)


def test_user_is_the_contracts_uid_and_gid() -> None:
    user = FINAL.last("USER")
    assert user is not None
    assert user.arguments == contract.CONTAINER_USER
    useradd = next(item for item in FINAL.all("RUN") if "useradd" in item.arguments)
    words = shlex.split(useradd.arguments)
    assert words[words.index("--uid") + 1] == str(contract.CONTAINER_UID)
    assert words[words.index("--gid") + 1] == str(contract.CONTAINER_GID)


def test_healthcheck_is_the_contracts_probe() -> None:
    check = FINAL.last("HEALTHCHECK")
    assert check is not None
    _, _, command = check.arguments.partition("CMD ")
    argv = uvicorn_process.exec_form(command.strip())
    assert argv is not None
    assert ["CMD", *argv] == contract.liveness_probe_command()


def test_uvicorn_timing_defaults_match_the_contract_and_the_alb() -> None:
    keep_alive = int(ENV[contract.UVICORN_KEEP_ALIVE_ENV])
    grace = int(ENV[contract.UVICORN_GRACEFUL_SHUTDOWN_ENV])
    assert keep_alive == contract.DEFAULT_KEEP_ALIVE_SECONDS
    assert grace == contract.DEFAULT_GRACEFUL_SHUTDOWN_SECONDS
    assert keep_alive > limits.ALB_IDLE_TIMEOUT_DEFAULT
    assert grace < limits.STOP_TIMEOUT_DEFAULT
    assert contract.UVICORN_FORWARDED_ALLOW_IPS_ENV in ENV


# The module: `uvicorn.main` on the package is the click command it defines.
UVICORN_MAIN = importlib.import_module("uvicorn.main")


class _BuiltError(Exception):
    """Raised by the recording Config once uvicorn has decided its worker count."""

    def __init__(self, workers: int) -> None:
        super().__init__(workers)
        self.workers = workers


def _uvicorn_variables() -> set[str]:
    """Every environment variable uvicorn reads: one per CLI option (click's auto_envvar_prefix
    UVICORN on the `uvicorn` command), plus those its modules read from os.environ by name."""
    prefix = UVICORN_MAIN.main.context_settings["auto_envvar_prefix"]
    names = {f"{prefix}_{param.name.upper()}" for param in UVICORN_MAIN.main.params if param.name}
    names |= {param.envvar for param in UVICORN_MAIN.main.params if isinstance(param.envvar, str)}
    package = Path(uvicorn.__file__).parent
    by_name = re.compile(r"""os\.(?:environ(?:\.get)?[\[(]|getenv\()\s*["']([A-Z_]+)["']""")
    tested = re.compile(r"""["']([A-Z_]+)["']\s+in\s+os\.environ""")
    for source in package.rglob("*.py"):
        text = source.read_text()
        names |= set(by_name.findall(text)) | set(tested.findall(text))
    return names


def _workers_with(monkeypatch: pytest.MonkeyPatch, variable: str) -> int | None:
    """The worker count `uvicorn app.main:app` settles on with variable=3 (None if uvicorn
    refuses that value), asked of uvicorn itself: its CLI parses, then its Config decides."""

    class Recording(uvicorn.Config):
        def configure_logging(self) -> None:  # keep the test session's logging as it is
            pass

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            raise _BuiltError(self.workers)

    with monkeypatch.context() as patch:
        patch.setattr(UVICORN_MAIN, "Config", Recording)
        patch.setenv(variable, "3")
        try:
            UVICORN_MAIN.main.main(args=[contract.APP_MODULE], standalone_mode=False)
        except _BuiltError as built:
            return built.workers
        except Exception:  # a value of the wrong type: not a worker count
            return None
    return None


def test_the_service_refuses_every_variable_uvicorn_reads_for_a_worker_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Source: uvicorn 0.54.0 main.py (`--workers`, auto_envvar_prefix "UVICORN") and config.py
    (`WEB_CONCURRENCY` when workers is None), read by running them. The image cannot import
    fargate_spec, so its own list is held here to what uvicorn reads and to the shared facts."""
    for name in (*config.WORKER_COUNT_VARIABLES, "UVICORN_WORKERS"):
        monkeypatch.delenv(name, raising=False)
    candidates = _uvicorn_variables()
    assert {"UVICORN_WORKERS", "UVICORN_RELOAD", "WEB_CONCURRENCY"} <= candidates  # the scan works
    read_for_workers = {v for v in candidates if (_workers_with(monkeypatch, v) or 1) > 1}
    assert read_for_workers == set(config.WORKER_COUNT_VARIABLES)
    assert read_for_workers == set(processes.UVICORN_WORKER_COUNT_VARIABLES)
    assert read_for_workers <= set(processes.WORKER_COUNT_VARIABLES)
    for variable in read_for_workers:
        monkeypatch.setenv(variable, "3")
        with pytest.raises(config.SettingsError, match=f"{variable}='3': would make uvicorn"):
            config.load_settings()
        monkeypatch.delenv(variable)
