import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from constructs import Node

from . import batch_contract
from .batch_stack import BatchScoringStack
from .https import HttpsOptions
from .settings import BATCH_ENVIRONMENTS, ENVIRONMENTS, BatchSettings, S3Prefix, ServiceSettings
from .stack import ServiceStack

# infrastructure/ lets the deploy job's canary gate reach stacks under this prefix; a test keeps both equal.
STACK_PREFIX = "PenguinsService-"


def build_app(*, outdir: str, context: Mapping[str, Any], image_directory: Path) -> cdk.App:
    """The CDK app exactly as `app.py` and the tests synthesize it, checked by cdk-nag.

    The batch scoring stack is part of it only when the context gives batchInput and batchOutput.
    """
    app = cdk.App(outdir=outdir, context=dict(context))
    settings = settings_from_context(app.node)
    batch = batch_settings_from_context(app.node, settings)
    git_commit = _text(app.node, "gitCommit") or "unknown"
    ServiceStack(
        app,
        f"{STACK_PREFIX}{settings.environment}",
        settings=settings,
        image_directory=image_directory,
        git_commit=git_commit,
    )
    if batch.enabled:
        BatchScoringStack(
            app,
            batch_contract.stack_name(settings.environment),
            settings=batch,
            image_directory=image_directory,
            git_commit=git_commit,
        )
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


def settings_from_context(node: Node) -> ServiceSettings:
    environment = _text(node, "environment") or "staging"
    if environment not in ENVIRONMENTS:
        raise ValueError(f"unknown environment {environment!r}; expected one of {sorted(ENVIRONMENTS)}")
    preset = ENVIRONMENTS[environment]
    target = _text(node, "target") or preset.target
    # A function has no traffic shifting here: it releases at once, whatever the environment's ECS preset.
    deployment = _text(node, "deployment") or ("rolling" if target == "lambda" else preset.deployment)
    return dataclasses.replace(
        preset,
        private_subnets=_flag(node, "privateSubnets", default=preset.private_subnets),
        nat_gateways=int(_text(node, "natGateways") or preset.nat_gateways),
        https=HttpsOptions(
            certificate_arn=_text(node, "certificateArn"),
            domain_name=_text(node, "domainName"),
            hosted_zone_id=_text(node, "hostedZoneId"),
            hosted_zone_name=_text(node, "hostedZoneName"),
        ),
        alarm_email=_text(node, "alarmEmail"),
        api_key_secret_arn=_text(node, "apiKeySecretArn"),
        generate_api_key=_flag(node, "generateApiKey", default=preset.generate_api_key),
        target=target,  # type: ignore[arg-type]  # checked by ServiceSettings
        lambda_reserved_concurrency=_optional_int(
            node, "lambdaReservedConcurrency", preset.lambda_reserved_concurrency
        ),
        deployment=deployment,  # type: ignore[arg-type]  # checked by ServiceSettings
    )


def batch_settings_from_context(node: Node, service: ServiceSettings) -> BatchSettings:
    """The batch settings of the service's environment; `enabled` only with batchInput and batchOutput.

    Raises ValueError naming the context key of a bad value.
    """
    preset = BATCH_ENVIRONMENTS[service.environment]
    inputs, output = _text(node, "batchInput"), _text(node, "batchOutput")
    max_vcpus = _text(node, "batchMaxVcpus")
    return dataclasses.replace(
        preset,
        input_prefixes=tuple(_prefix("batchInput", uri) for uri in inputs.split(",")) if inputs else (),
        output_prefix=_prefix("batchOutput", output) if output else None,
        spot=_flag(node, "batchSpot", default=preset.spot),
        max_vcpus=_whole_number("batchMaxVcpus", max_vcpus) if max_vcpus else preset.max_vcpus,
        private_subnets=service.private_subnets,
        nat_gateways=service.nat_gateways,
    )


def _prefix(key: str, uri: str) -> S3Prefix:
    try:
        return S3Prefix.parse(uri)
    except ValueError as exc:
        raise ValueError(f"context {key}: {exc}") from None


def _whole_number(key: str, text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"context {key} must be a whole number of at least 1, got {text!r}")
    return int(text)


def _text(node: Node, key: str) -> str | None:
    value = node.try_get_context(key)
    return str(value) if value not in (None, "") else None


def _flag(node: Node, key: str, *, default: bool) -> bool:
    # `-c key=value` always gives a string; cdk.json may give a real boolean.
    value = node.try_get_context(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "false"):
        return str(value).lower() == "true"
    raise ValueError(f"context {key} must be true or false, got {value!r}")


def _optional_int(node: Node, key: str, default: int | None) -> int | None:
    # `none` lifts a cap that the environment sets.
    value = _text(node, key)
    if value is None:
        return default
    if value.lower() == "none":
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"context {key} must be a whole number or none, got {value!r}") from None
