"""The service's settings: the one reader of environment variables (prefix MODEL_SERVICE_)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.middleware.forwarded import TrustedProxies
from app.predictor.backend import BackendChoice

ENV_PREFIX = "MODEL_SERVICE_"
PACKAGE_DIR = Path(__file__).resolve().parent
MIN_API_KEY_LENGTH = 16
_PLACEHOLDER_KEYS = frozenset({"changethis", "changeme", "secret", "password", "apikey", "api-key", "api_key"})

LogLevel = Literal["debug", "info", "warning", "error", "critical"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="forbid")

    model_dir: Path = PACKAGE_DIR / "model"
    backend: BackendChoice = "auto"
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8000
    workers: Annotated[int, Field(ge=1, le=64)] = 2
    # Seconds that in-flight requests get to finish after SIGTERM before workers are killed.
    graceful_timeout: Annotated[int, Field(ge=1, le=300)] = 20
    # Seconds a worker may go without telling gunicorn's master it is alive before the master replaces it;
    # 0 turns the check off. On AWS Lambda a frozen execution environment looks like a silent worker on thaw.
    worker_timeout: Annotated[int, Field(ge=0, le=3600)] = 30
    max_body_bytes: Annotated[int, Field(ge=1024)] = 1_048_576
    max_batch_size: Annotated[int, Field(ge=1)] = 1000
    # POST /predict/image: a phone's 12-megapixel JPEG is 2 to 6 MB, and 4096 x 4096 pixels hold it.
    max_image_bytes: Annotated[int, Field(ge=1024)] = 8_388_608
    # Checked from the header, before any pixel is decoded; at most Pillow's own limit (its MAX_IMAGE_PIXELS).
    max_image_pixels: Annotated[int, Field(ge=64, le=89_478_485)] = 16_777_216
    api_key: SecretStr | None = None
    log_level: LogLevel = "info"
    # Proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (comma-separated addresses or
    # networks, or * for any peer): the client address in the logs is then the one the load balancer saw.
    forwarded_allow_ips: str = "127.0.0.1,::1"
    # Not for operators: gunicorn.conf.py sets it so that every worker writes its metrics there.
    prometheus_multiproc_dir: Annotated[Path | None, Field(validation_alias="PROMETHEUS_MULTIPROC_DIR")] = None

    @property
    def bind(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def trusted_proxies(self) -> TrustedProxies:
        return TrustedProxies.parse(self.forwarded_allow_ips)

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _proxies_parse(cls, value: str) -> str:
        TrustedProxies.parse(value)
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower_case_level(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @field_validator("api_key")
    @classmethod
    def _real_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        key = value.get_secret_value()
        # An empty or placeholder key must not quietly leave the service open, or guessable.
        if key.strip().lower() in _PLACEHOLDER_KEYS or len(key) < MIN_API_KEY_LENGTH:
            raise ValueError(
                f"must be a real secret of at least {MIN_API_KEY_LENGTH} characters "
                f"(unset {ENV_PREFIX}API_KEY to run without a key)"
            )
        return value

    @model_validator(mode="after")
    def _no_unknown_variables(self) -> Settings:
        # A misspelt variable would otherwise be ignored without a word.
        known = {
            ENV_PREFIX + name.upper() for name, field in type(self).model_fields.items() if not field.validation_alias
        }
        unknown = sorted(
            name for name in os.environ if name.upper().startswith(ENV_PREFIX) and name.upper() not in known
        )
        if unknown:
            raise ValueError(f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return self


def describe_errors(exc: ValidationError) -> str:
    """One line naming each bad variable, for a refusal to start."""
    problems = []
    for error in exc.errors(include_url=False):
        field = ".".join(str(part) for part in error["loc"])
        where = f"{ENV_PREFIX}{field.upper()}: " if field else ""
        problems.append(where + error["msg"])
    return "; ".join(problems)
