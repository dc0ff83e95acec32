"""The real uvicorn process (the Dockerfile's CMD and ENV, testkit/uvicorn_process.py) with
the container environment each stack's task definition sets, read from the program run under
Pulumi's mocks (testkit/program_capture.py).

Sources: uvicorn reads every CLI option from `UVICORN_<OPTION>` (uvicorn/main.py: the command's
`auto_envvar_prefix="UVICORN"` and the `--server-header/--no-server-header` flag, so
UVICORN_SERVER_HEADER=false is --no-server-header); FastAPI serves no docs, ReDoc or schema when
`docs_url`, `redoc_url` and `openapi_url` are None (fastapi/applications.py, `FastAPI.setup`).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from functools import cache

import pytest

from fargate_spec import contract
from testkit.program_capture import capture_stack
from testkit.uvicorn_process import RunningService, run_service

DOC_PATHS = ("/docs", "/redoc", "/openapi.json")


@cache
def stack_environment(stack: str) -> dict[str, str]:
    """The plaintext environment the stack's task definition gives the container."""
    task = capture_stack(stack).one("aws:ecs/taskDefinition:TaskDefinition")
    (container,) = json.loads(task.inputs["containerDefinitions"])
    return {item["name"]: item["value"] for item in container["environment"]}


def fetch(url: str) -> tuple[int, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}


@pytest.fixture(scope="module")
def prod_service() -> Iterator[RunningService]:
    with run_service(env=stack_environment("prod")) as running:
        yield running


@pytest.mark.parametrize("path", DOC_PATHS)
def test_prod_environment_serves_no_api_docs(prod_service: RunningService, path: str) -> None:
    assert fetch(prod_service.base_url + path)[0] == 404


def test_prod_environment_answers_without_a_server_header(prod_service: RunningService) -> None:
    for path in (contract.LIVENESS_PATH, "/math/add?i=1&i=2", "/docs"):
        status, headers = fetch(prod_service.base_url + path)
        assert status in (200, 404)
        assert "server" not in headers, (path, headers.get("server"))


def test_staging_environment_serves_no_api_docs_either() -> None:
    assert "APP_API_DOCS" not in stack_environment("staging")
    with run_service(env=stack_environment("staging")) as staging:
        assert [fetch(staging.base_url + path)[0] for path in DOC_PATHS] == [404, 404, 404]


def test_dev_environment_serves_the_api_docs() -> None:
    assert stack_environment("dev")["APP_API_DOCS"] == "true"
    with run_service(env=stack_environment("dev")) as dev:
        statuses = [fetch(dev.base_url + path) for path in DOC_PATHS]
    assert [status for status, _ in statuses] == [200, 200, 200]
    assert all("server" not in headers for _, headers in statuses)


def test_the_server_header_comes_back_when_the_image_setting_is_undone() -> None:
    """The control: without the Dockerfile's UVICORN_SERVER_HEADER=false, uvicorn announces
    itself, so the tests above would see it."""
    env = stack_environment("prod") | {"UVICORN_SERVER_HEADER": "true"}
    with run_service(env=env) as running:
        assert fetch(running.base_url + contract.LIVENESS_PATH)[1].get("server") == "uvicorn"
