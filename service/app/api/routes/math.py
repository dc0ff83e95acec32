"""Arithmetic endpoints: `GET /math/add?i=5&i=10` answers `15` as text/plain."""

# No `from __future__ import annotations` here: FastAPI reads the handler's annotations at
# runtime, and they refer to types built inside create_router.

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse
from pydantic import Field

from app.core.config import Settings


def create_router(settings: Settings) -> APIRouter:
    """The /math routes, bounded by the settings' limits (validated before the handler runs).

    Values outside the limits, non-integers and a missing `i` get FastAPI's 422 body, which
    names the parameter, the offending input and the rule it broke.
    """
    router = APIRouter(prefix="/math", tags=["math"])
    term = Annotated[int, Field(ge=-settings.add_max_abs, le=settings.add_max_abs)]
    terms = Annotated[
        list[term],
        Query(
            min_length=1,
            max_length=settings.add_max_terms,
            description=(
                f"Integers to add: 1 to {settings.add_max_terms} values,"
                f" each within ±{settings.add_max_abs}."
            ),
        ),
    ]

    @router.get("/add", response_class=PlainTextResponse)
    async def read_sum(i: terms) -> str:
        """Sum of the `i` query values."""
        return str(sum(i))

    return router
