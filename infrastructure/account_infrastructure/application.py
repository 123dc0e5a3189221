from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from constructs import Node

from .settings import AccountSettings, DataSource, parse_data_sources
from .stack import AccountInfrastructureStack

STACK_NAME = "PenguinsMlopsInfrastructure"


def build_app(*, outdir: str, context: Mapping[str, Any]) -> cdk.App:
    """The CDK app exactly as `app.py` and the tests synthesize it, checked by cdk-nag.

    Raises SettingsError, naming the context key, for a value that cannot be used.
    """
    app = cdk.App(outdir=outdir, context=dict(context))
    AccountInfrastructureStack(app, STACK_NAME, settings=settings_from_context(app.node))
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


def settings_from_context(node: Node) -> AccountSettings:
    defaults = AccountSettings()
    return AccountSettings(
        github_repository=_text(node, "githubRepository"),
        dvc_bucket_name=_text(node, "dvcBucketName") or defaults.dvc_bucket_name,
        dvc_prefix=_text(node, "dvcPrefix") or defaults.dvc_prefix,
        deploy_environment=_text(node, "deployEnvironment") or defaults.deploy_environment,
        cdk_qualifier=_text(node, "cdkQualifier") or defaults.cdk_qualifier,
        github_oidc_provider_arn=_text(node, "githubOidcProviderArn"),
        data_sources=_data_sources(node),
    )


def _data_sources(node: Node) -> tuple[DataSource, ...]:
    # A comma-separated string from `-c dataSources=...`, or a list of URLs from cdk.json.
    value = node.try_get_context("dataSources")
    return parse_data_sources(value) if value not in (None, "", []) else ()


def _text(node: Node, key: str) -> str | None:
    value = node.try_get_context(key)
    return str(value) if value not in (None, "") else None
