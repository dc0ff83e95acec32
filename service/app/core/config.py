"""Settings from environment variables, read and validated once at startup.

Every setting is an `APP_*` variable (e.g. `APP_LOG_LEVEL=DEBUG`). Server timing (keep-alive,
graceful shutdown, trusted proxies) is uvicorn's own and comes from `UVICORN_*` variables the
Dockerfile defaults and the task definition overrides; the app does not duplicate it.
"""

from __future__ import annotations

from pydantic import Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "APP_"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

# Every variable uvicorn reads a worker count from: WEB_CONCURRENCY (its Config) and
# UVICORN_WORKERS (--workers through click's UVICORN_ prefix). One process per container is the
# design (ECS scales tasks), so a value above 1 is refused, never obeyed. The image cannot import
# fargate_spec: tests/service/test_service_contract.py asks uvicorn which variables set its worker
# count and holds this list to them and to fargate_spec.processes.
WORKER_COUNT_VARIABLES = ("WEB_CONCURRENCY", "UVICORN_WORKERS")


class Settings(BaseSettings):
    """The service's settings; each field is read from `APP_<FIELD NAME>`."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    service_name: str = Field(default="fastapi-fargate-service", min_length=1, max_length=64)
    """Name in every log line. @default "fastapi-fargate-service"."""

    log_level: str = "INFO"
    """Lowest level logged: DEBUG, INFO, WARNING or ERROR, any case. @default "INFO"."""

    api_docs: bool = False
    """Serve /docs, /redoc and /openapi.json. Off unless the stack turns it on (dev does): the
    schema maps every route and parameter for a scanner. @default false."""

    add_max_terms: int = Field(default=100, ge=1, le=1000)
    """Most `i` values one /math/add request may carry. @default 100."""

    add_max_abs: int = Field(default=1_000_000_000, ge=1, le=10**15)
    """Largest magnitude of one `i` value, so sums stay exact in JSON clients. @default 10**9."""

    web_concurrency: int | None = Field(default=None, validation_alias="WEB_CONCURRENCY")
    uvicorn_workers: int | None = Field(default=None, validation_alias="UVICORN_WORKERS")

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise PydanticCustomError(
                "log_level", "must be one of {valid} (any case)", {"valid": ", ".join(LOG_LEVELS)}
            )
        return value.upper()

    @field_validator("web_concurrency", "uvicorn_workers")
    @classmethod
    def _one_process(cls, value: int | None) -> int | None:
        if value is not None and value > 1:
            raise PydanticCustomError(
                "worker_count",
                "would make uvicorn start {count} worker processes in one container; this image"
                " runs exactly one (scale with the ECS service's desired count): unset it or set 1",
                {"count": value},
            )
        return value


class SettingsError(Exception):
    """Raised with one readable line per invalid environment variable."""


def load_settings() -> Settings:
    """Read the environment; on bad values raise SettingsError naming each variable."""
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsError(describe_errors(exc)) from None


def describe_errors(exc: ValidationError) -> str:
    """'APP_LOG_LEVEL='verbose': Input should be ...' for each error, one per line."""
    lines = [
        f"{_variable_name(error['loc'])}={error['input']!r}: {error['msg']}"
        for error in exc.errors(include_url=False)
    ]
    return "invalid environment:\n  " + "\n  ".join(lines)


def _variable_name(loc: tuple[int | str, ...]) -> str:
    field = str(loc[0]) if loc else "?"
    if field.upper() in WORKER_COUNT_VARIABLES:
        return field.upper()
    return f"{ENV_PREFIX}{field.upper()}"
