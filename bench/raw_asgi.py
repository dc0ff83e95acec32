"""The bound: the smallest ASGI app that answers liveness like the service does.

It runs on one uvicorn process with the service's own CMD flags and ENV, so the only
difference from the service is everything FastAPI and the app put in front of liveness.
"""

from __future__ import annotations

import logging
from typing import Any

# The service switches uvicorn's access log off when it is imported (its own middleware logs
# routed requests; liveness is never logged). The bound must not pay for a log line per
# request that the service does not write, or it would not be a bound.
logging.getLogger("uvicorn.access").disabled = True

_BODY = b"ok"
_HEADERS = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"2")]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": _BODY})
