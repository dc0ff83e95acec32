"""`uvicorn rehearsal.asgi:app`: the service's ASGI app (app.main:app, unchanged) with
GET /rehearsal/slow?seconds=N in front of it, which answers 200 after N seconds.

The wait is an asyncio sleep inside the app, so uvicorn counts the request as in flight exactly
as it counts a slow handler of the service: its graceful shutdown waits for it, SIGKILL cuts it.
Every other request, and the lifespan, go to the service's app.
"""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs

from starlette.types import Receive, Scope, Send

from app.main import app as service_app

from .paths import MAX_SLOW_SECONDS, SLOW_PATH, SLOW_SECONDS_PARAM


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "http" and scope["path"] == SLOW_PATH:
        await _slow(scope, send)
        return
    await service_app(scope, receive, send)


async def _slow(scope: Scope, send: Send) -> None:
    query = parse_qs(scope["query_string"].decode())
    try:
        seconds = float(query.get(SLOW_SECONDS_PARAM, ["1"])[0])
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= MAX_SLOW_SECONDS:
        await _answer(send, 422, f"{SLOW_SECONDS_PARAM} must be 0-{MAX_SLOW_SECONDS:g}\n")
        return
    await asyncio.sleep(seconds)
    await _answer(send, 200, f"slept {seconds:g} s\n")


async def _answer(send: Send, status: int, text: str) -> None:
    body = text.encode()
    headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
