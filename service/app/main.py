"""Assembles the ASGI app: settings, logging, routes and middleware. `uvicorn app.main:app`."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.api.routes import health, math
from app.core.config import Settings, SettingsError, load_settings
from app.core.logging import configure_logging
from app.core.request_id import RequestIdMiddleware

# uvicorn's exit code for "failed before serving": its worker supervisor stops instead of
# restarting a worker that would fail the same way again.
STARTUP_FAILURE = 3


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.ready = True  # readiness turns 200 once startup has run
    yield
    app.state.ready = False


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(title=settings.service_name, lifespan=lifespan)
    app.state.ready = False
    app.include_router(math.create_router(settings))
    app.include_router(health.router)
    # The last middleware added runs first: liveness is answered before request ids and
    # access logs, so frequent health probes cost almost nothing and do not flood the logs.
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(health.LivenessMiddleware)
    return app


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
