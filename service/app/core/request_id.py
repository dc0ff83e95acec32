"""Request ids: taken from the caller or the ALB, else made; echoed back and logged.

A pure ASGI middleware (not Starlette's BaseHTTPMiddleware, which adds a task and a stream
per request): it sets the id for the request's logs, adds `X-Request-ID` to the response
and writes one access-log line with status and duration.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.logging import log_access, request_id_var

REQUEST_ID_HEADER = b"x-request-id"
# The ALB adds this to every request: "Root=1-5759e988-bd862e3fe1be46a994272793[;...]".
TRACE_ID_HEADER = b"x-amzn-trace-id"

# An incoming id is echoed in a header and written to logs: accept only short, plain tokens.
_SAFE_ID = re.compile(rb"[A-Za-z0-9._:/+=-]{1,128}")
_TRACE_ROOT = re.compile(rb"(?:^|;)\s*Root=([0-9A-Za-z-]{1,64})")


def pick_request_id(headers: Iterable[tuple[bytes, bytes]]) -> str:
    """The caller's X-Request-ID if safe, else the ALB trace root, else a new random id."""
    trace_root: bytes | None = None
    for name, value in headers:
        if name == REQUEST_ID_HEADER and _SAFE_ID.fullmatch(value):
            return value.decode("ascii")
        if name == TRACE_ID_HEADER and (match := _TRACE_ROOT.search(value)):
            trace_root = match.group(1)
    if trace_root is not None:
        return trace_root.decode("ascii")
    # 128 random bits as 32 hex digits, like uuid4().hex without building a UUID object (which
    # took about as long as writing the request's access line; bench/README.md).
    return secrets.token_hex(16)


class RequestIdMiddleware:
    """Gives each HTTP request an id, returns it as X-Request-ID and logs the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = pick_request_id(scope["headers"])
        # Not reset afterwards on purpose: every server runs a request in its own task with a
        # copied context, so the id dies with the task, and uvicorn's own "Exception in ASGI
        # application" line, logged after this returns, still carries it.
        request_id_var.set(request_id)
        header = (REQUEST_ID_HEADER, request_id.encode("ascii"))
        status = 500  # what the client gets if the app raises before starting a response
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _log_access(scope, status, time.perf_counter() - started)


def _log_access(scope: Scope, status: int, seconds: float) -> None:
    client = scope.get("client")
    # After uvicorn's proxy-headers middleware: the X-Forwarded-For client when the peer is a
    # trusted proxy (UVICORN_FORWARDED_ALLOW_IPS), else the peer itself.
    log_access(
        scope["method"],
        scope["path"],
        status,
        round(seconds * 1000, 3),
        client[0] if client else None,
    )
