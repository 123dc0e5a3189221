import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from constructs import Node

from .https import HttpsOptions
from .settings import ENVIRONMENTS, ServiceSettings
from .stack import ServiceStack

# infrastructure/ lets the deploy job's canary gate reach stacks under this prefix; a test keeps both equal.
STACK_PREFIX = "PenguinsService-"


def build_app(*, outdir: str, context: Mapping[str, Any], image_directory: Path) -> cdk.App:
    """The CDK app exactly as `app.py` and the tests synthesize it, checked by cdk-nag."""
    app = cdk.App(outdir=outdir, context=dict(context))
    settings = settings_from_context(app.node)
    ServiceStack(
        app,
        f"{STACK_PREFIX}{settings.environment}",
        settings=settings,
        image_directory=image_directory,
        git_commit=_text(app.node, "gitCommit") or "unknown",
    )
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


def settings_from_context(node: Node) -> ServiceSettings:
    environment = _text(node, "environment") or "staging"
    if environment not in ENVIRONMENTS:
        raise ValueError(f"unknown environment {environment!r}; expected one of {sorted(ENVIRONMENTS)}")
    preset = ENVIRONMENTS[environment]
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
        target=_text(node, "target") or preset.target,  # type: ignore[arg-type]  # checked by ServiceSettings
        lambda_reserved_concurrency=_optional_int(
            node, "lambdaReservedConcurrency", preset.lambda_reserved_concurrency
        ),
        deployment=_text(node, "deployment") or preset.deployment,  # type: ignore[arg-type]  # checked by ServiceSettings
    )


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
