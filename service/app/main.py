"""Assembles the ASGI app: settings, logging, routes and request ids. `uvicorn app.main:app`."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from starlette.types import Receive, Scope, Send

from app.api.routes import health, math
from app.core.config import Settings, SettingsError, load_settings
from app.core.logging import configure_logging
from app.core.request_id import serve_with_request_id

# uvicorn's exit code for "failed before serving": its worker supervisor stops instead of
# restarting a worker that would fail the same way again.
STARTUP_FAILURE = 3


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.ready = True  # readiness turns 200 once startup has run
    yield
    app.state.ready = False


class ServiceApp(FastAPI):
    """FastAPI whose ASGI entry answers liveness before any of FastAPI's per-request work, and
    gives every other HTTP request its id and access line around FastAPI's whole stack.

    Health probes arrive every few seconds from the container check and the ALB. Answered by a
    middleware, each still went through FastAPI's telemetry check and Starlette's error
    middleware first (measured in bench/: liveness served well below a bare ASGI app's rate);
    answered here, a probe costs about what it costs a bare ASGI app, never reaches request ids
    or access logs, and is still only answered once the app is imported and uvicorn serves it.
    Request ids are served here too rather than as one more middleware layer (one fewer layer
    per request, bench/README.md), and so outside Starlette's error middleware: its 500 for an
    unhandled exception carries X-Request-ID like every other response.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan and websockets
            await super().__call__(scope, receive, send)
        elif scope["path"] == health.LIVENESS_PATH:
            await health.answer_liveness(scope, send)
        else:
            await serve_with_request_id(super().__call__, scope, receive, send)


# FastAPI's own paths for the interactive docs and the schema they read.
API_DOC_PATHS = {"docs_url": "/docs", "redoc_url": "/redoc", "openapi_url": "/openapi.json"}


def create_app(settings: Settings) -> FastAPI:
    # None turns a path off; without openapi_url the two UIs would have nothing to show.
    docs = API_DOC_PATHS if settings.api_docs else dict.fromkeys(API_DOC_PATHS)
    app = ServiceApp(title=settings.service_name, lifespan=lifespan, **docs)
    app.state.ready = False
    for router in (math.create_router(settings), health.router):
        add_routes(app, router)
    return app


def add_routes(app: FastAPI, router: APIRouter) -> None:
    """The router's routes on the app's own router, prefix and tags included (APIRouter bakes
    them into each route). FastAPI 0.165's include_router keeps the router nested and matches
    through it on every request: about 7 us of a /math/add request's 60 us (bench/README.md)."""
    app.router.routes.extend(router.routes)


def _settings_or_exit() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        # A readable message instead of a traceback; the task stops and ECS shows it in the logs.
        print(exc, file=sys.stderr)
        raise SystemExit(STARTUP_FAILURE) from None


settings = _settings_or_exit()
configure_logging(settings.service_name, settings.log_level)
app = create_app(settings)
