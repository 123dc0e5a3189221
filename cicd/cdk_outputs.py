"""The deployed service as `cdk deploy --outputs-file` describes it: its URL and its API key's secret."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cicd.errors import CicdError

URL_OUTPUT = "ServiceUrl"
API_KEY_OUTPUT = "ApiKeySecretArn"


@dataclass(frozen=True)
class ServiceEndpoint:
    stack: str
    url: str
    api_key_secret_arn: str | None


def read_endpoint(path: Path, stack: str | None = None) -> ServiceEndpoint:
    """The one stack in the file with a ServiceUrl output, or the named one."""
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise CicdError(f"{path}: not found; `make deploy-service` writes it") from exc
    except json.JSONDecodeError as exc:
        raise CicdError(f"{path}: not valid JSON: {exc}") from exc
    stacks = {
        name: outputs for name, outputs in document.items() if isinstance(outputs, dict) and URL_OUTPUT in outputs
    }
    if stack is not None:
        if stack not in stacks:
            raise CicdError(
                f"{path}: no stack {stack} with a {URL_OUTPUT} output (found: {', '.join(stacks) or 'none'})"
            )
        stacks = {stack: stacks[stack]}
    if len(stacks) != 1:
        found = ", ".join(sorted(stacks)) or "none"
        raise CicdError(f"{path}: expected one stack with a {URL_OUTPUT} output, found {found}; name one with --stack")
    name, outputs = next(iter(stacks.items()))
    arn = outputs.get(API_KEY_OUTPUT)
    return ServiceEndpoint(stack=name, url=str(outputs[URL_OUTPUT]), api_key_secret_arn=str(arn) if arn else None)


def read_secret(arn: str, client: Any = None) -> str:
    """The secret's value; a refusal says which permission is missing instead of a traceback."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    parts = arn.split(":")
    if len(parts) < 7 or parts[2] != "secretsmanager":
        raise CicdError(f"{arn!r} is not a Secrets Manager ARN")
    secrets = client or boto3.client("secretsmanager", region_name=parts[3])
    try:
        value = secrets.get_secret_value(SecretId=arn)["SecretString"]
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = error.get("Code", "error")
        hint = (
            "; the deploy role needs secretsmanager:GetSecretValue on it (or set SMOKE_TEST_API_KEY)"
            if code == "AccessDeniedException"
            else ""
        )
        raise CicdError(f"cannot read the API key from {arn}: {code}: {error.get('Message', '')}{hint}") from exc
    except BotoCoreError as exc:
        raise CicdError(f"cannot read the API key from {arn}: {exc}") from exc
    return str(value)
