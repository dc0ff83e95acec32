"""The baseline for ours: a bare FastAPI app serving the same `/math/add` route, and liveness as
an ordinary route. No middleware, no request ids, no access log, no settings: what any FastAPI
service pays for the framework alone, so that ours / this is what the service adds to it.

It imports nothing of the service (so its start measures FastAPI's, not the service's modules),
hence the route's limits are spelled here: the service's defaults (app.core.config.Settings,
APP_ADD_MAX_TERMS=100 and APP_ADD_MAX_ABS=10**9), so both validate the same way. It runs on the
service's own CMD and ENV with only the APP argument changed, locally and in the image.
"""

import logging
from typing import Annotated

from fastapi import FastAPI, Query
from fastapi.responses import PlainTextResponse
from pydantic import Field

# uvicorn's access log is on unless the app switches it off; the service switches it off (its
# own access line replaces it), and the bare app has no access log at all.
logging.getLogger("uvicorn.access").disabled = True

MAX_TERMS = 100
MAX_ABS = 1_000_000_000

# Without the interactive docs and their schema, as the service runs unless APP_API_DOCS turns
# them on: the same routes to match a request against, but for the service's own.
app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/healthz", response_class=PlainTextResponse)
async def read_liveness() -> str:
    return "ok"


@app.get("/math/add", response_class=PlainTextResponse)
async def read_sum(
    i: Annotated[
        list[Annotated[int, Field(ge=-MAX_ABS, le=MAX_ABS)]],
        Query(min_length=1, max_length=MAX_TERMS),
    ],
) -> str:
    return str(sum(i))
