"""Test-only ASGI app: the real service plus one slow path, for the graceful-shutdown tests.

The production app has no endpoint that is slow on purpose, and should not grow one. This
wrapper is started by the same uvicorn command the Dockerfile runs (only the APP argument
differs), so what is tested is uvicorn's shutdown under the image's settings, with a request
held in flight for as long as the test asks.
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import parse_qs

from starlette.types import Receive, Scope, Send

from app.main import app as service_app

SLOW_PATH = "/test/slow"
STARTED_MESSAGE = "slow request started"

logger = logging.getLogger("tests.slow_app")


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http" or scope["path"] != SLOW_PATH:
        await service_app(scope, receive, send)  # lifespan and every real route
        return
    seconds = float(parse_qs(scope["query_string"].decode())["seconds"][0])
    logger.warning(STARTED_MESSAGE)  # the test sends SIGTERM once it sees this line
    await asyncio.sleep(seconds)
    body = f"slept {seconds:g} s".encode()
    headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
