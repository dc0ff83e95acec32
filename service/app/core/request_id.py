"""Request ids: taken from the caller or the ALB, else made; echoed back and logged.

Plain ASGI (not Starlette's BaseHTTPMiddleware, which adds a task and a stream per request),
called by the app's own entry rather than stacked as one more middleware layer: it sets the id
for the request's logs, adds `X-Request-ID` to the response and writes one access-log line with
status and duration.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Iterable
from random import getrandbits as _random_bits
from time import perf_counter_ns

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
    # 128 random bits as 32 hex digits, like uuid4().hex without building a UUID object. A
    # correlation id needs to be unique, not secret (it is echoed to the caller): random's
    # generator, seeded from the OS and reseeded in a forked child, at a seventh of the cost
    # of secrets.token_hex's system call per request (bench/README.md).
    return _random_bits(128).to_bytes(16).hex()


async def serve_with_request_id(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Serves an HTTP request through app with an id: returned as X-Request-ID, logged.

    Called by the app's ASGI entry (app.main.ServiceApp) around FastAPI's whole stack, so the
    500 that Starlette's error middleware sends for an unhandled exception carries the id too.
    """
    request_id = pick_request_id(scope["headers"])
    # Not reset afterwards on purpose: every server runs a request in its own task with a
    # copied context, so the id dies with the task, and uvicorn's own "Exception in ASGI
    # application" line, logged after this returns, still carries it.
    request_id_var.set(request_id)
    header = (REQUEST_ID_HEADER, request_id.encode("ascii"))
    status = 500  # what the access line says if the app raises before starting a response
    started = perf_counter_ns()

    # A plain function returning send's awaitable: one coroutine less per message than an
    # async wrapper, and the caller awaits the same thing.
    def send_with_id(message: Message) -> Awaitable[None]:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            message = {**message, "headers": [*message.get("headers", ()), header]}
        return send(message)

    try:
        await app(scope, receive, send_with_id)
    finally:
        # After uvicorn's proxy-headers middleware, "client" is the X-Forwarded-For client when
        # the peer is a trusted proxy (UVICORN_FORWARDED_ALLOW_IPS), else the peer itself.
        client = scope.get("client")
        log_access(
            scope["method"],
            scope["path"],
            status,
            (perf_counter_ns() - started) // 1000 / 1000,  # ms to the microsecond
            client[0] if client else None,
        )
