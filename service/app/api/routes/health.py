"""Liveness and readiness, under the paths the Dockerfile and the Pulumi program probe.

Liveness answers "is the process serving?" and is probed every few seconds by the container
health check and the ALB, so the app's ASGI entry (app.main.ServiceApp) answers it with
answer_liveness before any of FastAPI's per-request work: no routing, validation, middleware
or logging. Readiness answers "has startup finished?" through the normal routing stack.
The paths equal fargate_spec.contract's (a test keeps them equal); the image does not ship
that package, so they are spelled here.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from starlette.types import Scope, Send

LIVENESS_PATH = "/healthz"
READINESS_PATH = "/readyz"

_LIVE_BODY = b"ok"
_LIVE_HEADERS = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"2")]
_NOT_ALLOWED_HEADERS = [(b"allow", b"GET, HEAD"), (b"content-length", b"0")]

router = APIRouter(tags=["health"])


@router.get(READINESS_PATH, response_class=Response)
async def read_readiness(request: Request) -> Response:
    """200 once the app's startup (lifespan) has run, 503 before."""
    if getattr(request.app.state, "ready", False):
        return Response("ready", media_type="text/plain")
    return Response("starting", media_type="text/plain", status_code=503)


async def answer_liveness(scope: Scope, send: Send) -> None:
    """200 `ok` to GET and HEAD on LIVENESS_PATH, 405 to any other method."""
    if scope["method"] in ("GET", "HEAD"):
        await send({"type": "http.response.start", "status": 200, "headers": _LIVE_HEADERS})
        body = b"" if scope["method"] == "HEAD" else _LIVE_BODY
        await send({"type": "http.response.body", "body": body})
        return
    await send(
        {
            "type": "http.response.start",
            "status": status.HTTP_405_METHOD_NOT_ALLOWED,
            "headers": _NOT_ALLOWED_HEADERS,
        }
    )
    await send({"type": "http.response.body", "body": b""})
