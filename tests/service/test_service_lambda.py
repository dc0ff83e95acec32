"""The same code on AWS Lambda behind API Gateway: Mangum in-process, and the image's Lambda
command (documented in the Dockerfile) against a local stand-in for the Lambda Runtime API."""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from app.lambda_handler import handler
from testkit.uvicorn_process import DOCKERFILE, SERVICE_DIR


def http_api_event(path: str, query: str, headers: dict[str, str] | None = None) -> dict:
    """An API Gateway HTTP API (payload 2.0) event, as Lambda delivers it."""
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {"host": "api.example.com", **(headers or {})},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api",
            "domainName": "api.example.com",
            "http": {
                "method": "GET",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.9",
                "userAgent": "test",
            },
            "requestId": "req-1",
            "routeKey": "$default",
            "stage": "$default",
        },
        "isBase64Encoded": False,
    }


def rest_api_event(path: str, values: list[str]) -> dict:
    """An API Gateway REST API (payload 1.0) event with a repeated query parameter."""
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": "GET",
        "headers": {"Host": "api.example.com"},
        "multiValueHeaders": {"Host": ["api.example.com"]},
        "queryStringParameters": {"i": values[-1]},
        "multiValueQueryStringParameters": {"i": values},
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": "GET",
            "path": f"/prod{path}",
            "stage": "prod",
            "requestId": "req-2",
            "identity": {"sourceIp": "203.0.113.9"},
        },
        "body": None,
        "isBase64Encoded": False,
    }


class FakeContext:
    function_name = "service"
    aws_request_id = "req"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.mark.parametrize(
    ("event", "status", "body"),
    [
        (http_api_event("/math/add", "i=4&i=6"), 200, "10"),
        (rest_api_event("/math/add", ["4", "6"]), 200, "10"),
        (http_api_event("/readyz", ""), 200, "ready"),  # lifespan runs on Lambda too
        (http_api_event("/math/add", "i=four"), 422, None),
        (http_api_event("/missing", ""), 404, None),
    ],
)
def test_mangum_handler_answers_api_gateway_events(
    event: dict, status: int, body: str | None
) -> None:
    response = handler(event, FakeContext())
    assert response["statusCode"] == status
    if body is not None:
        assert response["body"] == body
    headers = {key.lower(): value for key, value in response["headers"].items()}
    assert re.fullmatch(r"[0-9a-f]{32}", headers["x-request-id"])


# --- The image's Lambda command, end to end ---------------------------------------------------


FUNCTION_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:service"


class FakeRuntimeApi(ThreadingHTTPServer):
    """Serves Lambda's Runtime API (2018-06-01) for one invocation, as Lambda would."""

    def __init__(self, event: dict) -> None:
        super().__init__(("127.0.0.1", 0), _RuntimeApiHandler)
        self.event = event
        self.delivered = False
        self.results: queue.Queue[tuple[str, Any]] = queue.Queue()

    @property
    def address(self) -> str:
        host, port = self.server_address[:2]
        return f"{host}:{port}"


class _RuntimeApiHandler(BaseHTTPRequestHandler):
    server: FakeRuntimeApi
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path != "/2018-06-01/runtime/invocation/next" or self.server.delivered:
            # After the one event, leave the runtime waiting, as Lambda does between events.
            threading.Event().wait(60)
            return
        self.server.delivered = True
        body = json.dumps(self.server.event).encode()
        self.send_response(200)
        for name, value in {
            "Lambda-Runtime-Aws-Request-Id": "invocation-1",
            "Lambda-Runtime-Deadline-Ms": "9999999999999",
            "Lambda-Runtime-Invoked-Function-Arn": FUNCTION_ARN,
            "Lambda-Runtime-Trace-Id": "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
            "Content-Type": "application/json",
            "Content-Length": str(len(body)),
        }.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        payload = self.rfile.read(length)
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()
        self.server.results.put((self.path, json.loads(payload or b"null")))

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output quiet


@pytest.fixture
def runtime_api() -> Iterator[FakeRuntimeApi]:
    api = FakeRuntimeApi(http_api_event("/math/add", "i=4&i=6"))
    thread = threading.Thread(target=api.serve_forever, daemon=True)
    thread.start()
    yield api
    api.shutdown()
    api.server_close()


def lambda_command_from_dockerfile() -> list[str]:
    """The Lambda command the Dockerfile documents (the only line that changes on Lambda)."""
    match = re.search(r"ImageConfig\.Command: (\[.*\])", DOCKERFILE.read_text())
    assert match, f"{DOCKERFILE} no longer documents the Lambda command"
    return json.loads(match.group(1))


def test_the_documented_lambda_command_serves_an_api_gateway_event(
    runtime_api: FakeRuntimeApi,
) -> None:
    command = lambda_command_from_dockerfile()
    assert command[0] == "python"
    env = {**os.environ, "AWS_LAMBDA_RUNTIME_API": runtime_api.address}
    for name in ("WEB_CONCURRENCY", "UVICORN_WORKERS"):
        env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, *command[1:]],
        cwd=SERVICE_DIR,  # the image's WORKDIR holds the app package
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        path, result = runtime_api.results.get(timeout=60)
    finally:
        process.kill()
        output = process.communicate()[0].decode(errors="replace")
    assert path == "/2018-06-01/runtime/invocation/invocation-1/response", output
    assert (result["statusCode"], result["body"]) == (200, "10")
