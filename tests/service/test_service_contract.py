"""Drift guard: the app and its Dockerfile still match fargate_spec.contract, which the Pulumi
program and the policy pack use. The image does not ship fargate_spec, so nothing else ties
these values together."""

from __future__ import annotations

import shlex

from fastapi.testclient import TestClient

from app.api.routes import health
from app.main import app
from fargate_spec import contract, limits
from tests.support import uvicorn_process
from tests.support.uvicorn_process import image_command, image_environment, read_stages

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
