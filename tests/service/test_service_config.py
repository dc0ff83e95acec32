"""Settings from the environment: defaults, validation and the one-process guard."""

from __future__ import annotations

import pytest

from app.core.config import Settings, SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("APP_SERVICE_NAME", "APP_LOG_LEVEL", "APP_ADD_MAX_TERMS", "APP_ADD_MAX_ABS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("UVICORN_WORKERS", raising=False)


def test_defaults_apply_without_any_variable() -> None:
    settings = load_settings()
    assert settings == Settings(
        service_name="fastapi-fargate-service",
        log_level="INFO",
        add_max_terms=100,
        add_max_abs=1_000_000_000,
    )


def test_variables_are_read_with_the_app_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_SERVICE_NAME", "orders")
    monkeypatch.setenv("APP_LOG_LEVEL", "debug")  # any case
    monkeypatch.setenv("APP_ADD_MAX_TERMS", "5")
    monkeypatch.setenv("WEB_CONCURRENCY", "1")  # one process is what the image runs anyway
    settings = load_settings()
    assert (settings.service_name, settings.log_level, settings.add_max_terms) == (
        "orders",
        "DEBUG",
        5,
    )


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("APP_LOG_LEVEL", "verbose", "APP_LOG_LEVEL='verbose': must be one of DEBUG, INFO"),
        ("APP_ADD_MAX_TERMS", "many", "APP_ADD_MAX_TERMS='many': Input should be a valid integer"),
        ("APP_ADD_MAX_TERMS", "0", "APP_ADD_MAX_TERMS='0': Input should be greater than or equal"),
        ("APP_ADD_MAX_ABS", "1e99", "APP_ADD_MAX_ABS='1e99': Input should be a valid integer"),
        ("APP_SERVICE_NAME", "", "APP_SERVICE_NAME='': String should have at least 1 character"),
        ("WEB_CONCURRENCY", "4", "WEB_CONCURRENCY='4': would make uvicorn start 4 worker"),
        ("UVICORN_WORKERS", "2", "UVICORN_WORKERS='2': would make uvicorn start 2 worker"),
    ],
)
def test_bad_values_name_the_variable_the_value_and_the_rule(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert expected in str(raised.value)
    assert "Traceback" not in str(raised.value)


def test_every_bad_variable_is_reported_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_LOG_LEVEL", "loud")
    monkeypatch.setenv("WEB_CONCURRENCY", "8")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    lines = str(raised.value).splitlines()
    assert lines[0] == "invalid environment:"
    assert {line.split("=")[0].strip() for line in lines[1:]} == {
        "APP_LOG_LEVEL",
        "WEB_CONCURRENCY",
    }
