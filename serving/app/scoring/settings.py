"""The batch job's settings: the one reader of its environment variables.

The AWS SDKs' endpoint override (moto, MinIO, a VPC endpoint), AWS Batch's array index, and the
service's own model folder variable, so that the image's scoring jobs and its service agree on the
bundle. Unset or empty means "not given".
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.scoring.errors import ScoringError


class ScoringSettings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore", env_ignore_empty=True, validate_by_name=True)

    # The S3-specific variable wins over the generic one, as in the AWS SDKs.
    s3_endpoint: Annotated[
        str | None, Field(validation_alias=AliasChoices("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"))
    ] = None
    # Set by AWS Batch in each child of an array job: 0 .. size-1.
    array_index: Annotated[int | None, Field(ge=0, validation_alias="AWS_BATCH_JOB_ARRAY_INDEX")] = None
    # The bundle `--model` defaults to; unset means the one in the package (app/model).
    model_dir: Annotated[Path | None, Field(validation_alias="MODEL_SERVICE_MODEL_DIR")] = None

    @field_validator("s3_endpoint")
    @classmethod
    def _endpoint_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path.strip("/"):
            raise ValueError(f"must be http(s)://host[:port], got {value!r}")
        return value


def load_settings() -> ScoringSettings:
    """The settings from the environment; raises ScoringError naming the bad variable."""
    try:
        return ScoringSettings()
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        raise ScoringError(f"{_variables(str(error['loc'][0]))}: {error['msg']}") from exc


def _variables(name: str) -> str:
    # pydantic names the first alias; say every variable the value may have come from.
    for field in ScoringSettings.model_fields.values():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices) and name in alias.choices:
            return " or ".join(str(choice) for choice in alias.choices)
    return name
