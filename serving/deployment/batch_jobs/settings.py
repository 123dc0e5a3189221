"""The submit client's settings: the one reader of its environment variables.

boto3 reads AWS_DEFAULT_REGION but not AWS_REGION, which the CDK CLI and the other AWS SDKs
read; taking either here makes `make score-aws` work where `make deploy-batch` does. Keys,
profiles and endpoints stay boto3's own business.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class BatchJobSettings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore", env_ignore_empty=True)

    # As the AWS SDKs rank them: AWS_REGION first. None: boto3's own search (its config file).
    region: Annotated[str | None, Field(validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))] = None
