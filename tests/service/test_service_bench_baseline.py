"""The benchmark's bare FastAPI app (bench/bare_fastapi.py, targets T3-T5) must serve the same
`/math/add` route as the service, so that ours / bare measures what the service adds (middleware,
request ids, the access line) and nothing else. It spells the service's default limits itself
(it imports nothing of the service, so its start is FastAPI's alone); this keeps them equal."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import app as service_app
from bench import bare_fastapi

DEFAULTS = Settings()
QUERIES = (
    "i=5&i=10",
    "i=-3",
    f"i={DEFAULTS.add_max_abs}&i={-DEFAULTS.add_max_abs}",
    f"i={DEFAULTS.add_max_abs + 1}",  # over the limit: 422
    "&".join(["i=1"] * DEFAULTS.add_max_terms),
    "&".join(["i=1"] * (DEFAULTS.add_max_terms + 1)),  # too many: 422
    "i=ten",
    "",
)


def test_the_bare_app_spells_the_services_default_limits() -> None:
    assert (
        DEFAULTS.add_max_terms,
        DEFAULTS.add_max_abs,
    ) == (bare_fastapi.MAX_TERMS, bare_fastapi.MAX_ABS)


@pytest.mark.parametrize("query", QUERIES)
def test_the_bare_app_answers_add_as_the_service_does(query: str) -> None:
    with TestClient(service_app) as ours, TestClient(bare_fastapi.app) as bare:
        mine, theirs = ours.get(f"/math/add?{query}"), bare.get(f"/math/add?{query}")
    assert (mine.status_code, mine.text) == (theirs.status_code, theirs.text)
    assert mine.headers["content-type"] == theirs.headers["content-type"]
