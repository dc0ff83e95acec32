"""The app through an HTTP client (in-process ASGI): answers, bad input, health endpoints."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Route

from app.core.config import Settings
from app.main import app as service_app
from app.main import create_app

DEFAULTS = Settings()


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(service_app) as started:  # `with` runs the lifespan, as uvicorn does
        yield started


def query(*values: object) -> str:
    return "&".join(f"i={value}" for value in values)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ((5, 10), "15"),  # the seed story's example
        ((7,), "7"),
        ((-4, 4), "0"),
        ((-3, -9, 2), "-10"),
        ((DEFAULTS.add_max_abs, DEFAULTS.add_max_abs), str(2 * DEFAULTS.add_max_abs)),
        ((1,) * DEFAULTS.add_max_terms, str(DEFAULTS.add_max_terms)),  # the most values allowed
    ],
)
def test_add_returns_the_sum_as_plain_text(
    client: TestClient, values: tuple[int, ...], expected: str
) -> None:
    response = client.get(f"/math/add?{query(*values)}")
    assert response.status_code == 200
    assert response.text == expected
    assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    ("path", "error_type", "location", "bad_input"),
    [
        ("/math/add", "missing", ["query", "i"], None),
        ("/math/add?i=", "int_parsing", ["query", "i", 0], ""),
        ("/math/add?i=five", "int_parsing", ["query", "i", 0], "five"),
        ("/math/add?i=1&i=2.5", "int_parsing", ["query", "i", 1], "2.5"),
        (
            f"/math/add?i={DEFAULTS.add_max_abs + 1}",
            "less_than_equal",
            ["query", "i", 0],
            str(DEFAULTS.add_max_abs + 1),
        ),
        (
            f"/math/add?i=-{DEFAULTS.add_max_abs + 1}",
            "greater_than_equal",
            ["query", "i", 0],
            f"-{DEFAULTS.add_max_abs + 1}",
        ),
        # Past Python's 4,300-digit int limit: must still be a 422, not a 500.
        ("/math/add?i=" + "9" * 5000, "int_parsing_size", ["query", "i", 0], "9" * 5000),
    ],
)
def test_add_rejects_bad_values_with_422_naming_them(
    client: TestClient, path: str, error_type: str, location: list[object], bad_input: object
) -> None:
    response = client.get(path)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["type"] == error_type
    assert error["loc"] == location
    assert error["input"] == bad_input
    assert error["msg"]  # a sentence saying what would be valid


def test_add_bounds_the_number_of_values(client: TestClient) -> None:
    too_many = DEFAULTS.add_max_terms + 1
    response = client.get(f"/math/add?{query(*[1] * too_many)}")
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["type"] == "too_long"
    assert error["loc"] == ["query", "i"]
    assert f"at most {DEFAULTS.add_max_terms} items" in error["msg"]


def test_add_limits_come_from_settings() -> None:
    strict = create_app(Settings(add_max_terms=2, add_max_abs=10))
    with TestClient(strict) as small:
        assert small.get(f"/math/add?{query(10, -10)}").text == "0"
        assert small.get(f"/math/add?{query(1, 2, 3)}").status_code == 422
        assert small.get(f"/math/add?{query(11)}").status_code == 422


def test_add_documents_its_bounds_in_openapi() -> None:
    with TestClient(create_app(Settings(api_docs=True))) as documented:
        schema = documented.get("/openapi.json").json()
    [parameter] = schema["paths"]["/math/add"]["get"]["parameters"]
    assert parameter["name"] == "i"
    assert parameter["required"] is True
    assert parameter["schema"]["maxItems"] == DEFAULTS.add_max_terms
    assert parameter["schema"]["items"]["maximum"] == DEFAULTS.add_max_abs


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", 404),
        ("GET", "/math", 404),
        ("GET", "/math/subtract?i=1", 404),
        ("GET", "/healthz/", 404),  # liveness answers its exact path only
        ("POST", "/math/add?i=1", 405),
    ],
)
def test_unknown_paths_and_methods_are_refused(
    client: TestClient, method: str, path: str, status: int
) -> None:
    assert client.request(method, path).status_code == status


def test_liveness_answers_before_the_routing_stack(client: TestClient) -> None:
    response = client.get("/healthz")
    assert (response.status_code, response.text) == (200, "ok")
    # No request id: the request never reached the middleware that adds one (and logs).
    assert "x-request-id" not in response.headers
    head = client.head("/healthz")
    assert (head.status_code, head.content) == (200, b"")
    post = client.post("/healthz")
    assert post.status_code == 405
    assert post.headers["allow"] == "GET, HEAD"


def test_readiness_is_503_until_startup_has_run() -> None:
    app: FastAPI = create_app(DEFAULTS)
    not_started = TestClient(app)  # no `with`: the lifespan has not run
    response = not_started.get("/readyz")
    assert (response.status_code, response.text) == (503, "starting")
    with TestClient(app) as started:
        response = started.get("/readyz")
        assert (response.status_code, response.text) == (200, "ready")


def test_every_routed_response_carries_a_request_id(client: TestClient) -> None:
    ok = client.get("/math/add?i=1")
    bad = client.get("/math/add?i=x")
    missing = client.get("/nowhere")
    ids = {r.headers["x-request-id"] for r in (ok, bad, missing)}
    assert len(ids) == 3  # a fresh one each, since the client sent none


def test_request_id_from_the_caller_is_echoed(client: TestClient) -> None:
    response = client.get("/math/add?i=1", headers={"X-Request-ID": "order-42.retry:1"})
    assert response.headers["x-request-id"] == "order-42.retry:1"


def test_alb_trace_id_is_used_when_no_request_id_is_sent(client: TestClient) -> None:
    trace = "Self=1-67891234-12456789abcdef012345678;Root=1-67891233-abcdef012345678912345678"
    response = client.get("/math/add?i=1", headers={"X-Amzn-Trace-Id": trace})
    assert response.headers["x-request-id"] == "1-67891233-abcdef012345678912345678"


def test_routes_sit_on_the_app_s_own_router_with_their_prefix_and_tags() -> None:
    """No nested router for a request to match through (main.add_routes): every route is the
    app's own, with the path and tags its APIRouter gave it, and the schema shows them."""
    app = create_app(DEFAULTS.model_copy(update={"api_docs": True}))
    routes = {route.path: route for route in app.routes if isinstance(route, APIRoute)}
    assert all(isinstance(route, APIRoute | Route) for route in app.routes)
    assert routes["/math/add"].tags == ["math"]
    schema = TestClient(app).get("/openapi.json").json()
    assert schema["paths"]["/math/add"]["get"]["tags"] == ["math"]


def test_an_unhandled_error_s_500_carries_the_request_id_and_is_logged_as_500() -> None:
    """Request ids are served around FastAPI's whole stack (app.main.ServiceApp), outside
    Starlette's ServerErrorMiddleware, so the 500 it sends for an exception has the id too and
    the access line records that 500."""
    import io  # noqa: PLC0415
    import json  # noqa: PLC0415
    import logging  # noqa: PLC0415

    from app.core.logging import ACCESS_LOGGER, JsonLineHandler  # noqa: PLC0415

    app = create_app(DEFAULTS)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    stream = io.StringIO()
    (handler,) = [h for h in logging.getLogger().handlers if isinstance(h, JsonLineHandler)]
    previous = handler.setStream(stream)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            response = client.get("/boom", headers={"X-Request-ID": "failing-1"})
    finally:
        handler.setStream(previous)
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "failing-1"
    access = [
        event
        for event in map(json.loads, stream.getvalue().splitlines())
        if event["logger"] == ACCESS_LOGGER
    ]
    assert [(e["status"], e["request_id"]) for e in access] == [(500, "failing-1")]
