from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from .https import build_endpoint
from .image import function_image, service_image
from .lambda_service import LambdaService
from .monitoring import Monitoring
from .network import Network
from .release import release_for
from .service import WebService
from .settings import ServiceSettings, Target
from .watches import function_watches, target_group_watches

# infrastructure/ grants the deploy role read access to secrets under this prefix; a test keeps both equal.
API_KEY_SECRET_PREFIX = "penguins-service/"  # noqa: S105 - a name prefix, not a secret
_PLATFORMS: dict[Target, str] = {"ecs": "ECS Fargate", "lambda": "AWS Lambda"}


class ServiceStack(cdk.Stack):
    """The model service of one environment: on ECS (network, Fargate service behind an ALB) or on Lambda
    (a function behind its URL), from the same image, with the same alarms to one SNS topic.

    Environment-agnostic on purpose (no account/region): synthesis needs no credentials or lookups.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: ServiceSettings,
        image_directory: Path,
        git_commit: str,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            description=f"Penguins model service ({settings.environment}) on {_PLATFORMS[settings.target]}",
        )
        api_key = self._api_key_secret(settings)
        serve = self._serve_on_lambda if settings.target == "lambda" else self._serve_on_ecs
        url, monitoring = serve(settings, image_directory=image_directory, git_commit=git_commit, api_key=api_key)
        cdk.CfnOutput(self, "ServiceUrl", value=url, description="Base URL of the model service")
        cdk.CfnOutput(self, "AlarmTopicArn", value=monitoring.topic.topic_arn)
        if api_key:
            cdk.CfnOutput(self, "ApiKeySecretArn", value=api_key.secret_arn)

    def _serve_on_ecs(
        self,
        settings: ServiceSettings,
        *,
        image_directory: Path,
        git_commit: str,
        api_key: secretsmanager.ISecret | None,
    ) -> tuple[str, Monitoring]:
        network = Network(self, "Network", private_subnets=settings.private_subnets, nat_gateways=settings.nat_gateways)
        web = WebService(
            self,
            "Service",
            vpc=network.vpc,
            task_subnets=network.task_subnets,
            assign_public_ip=not network.private_subnets,
            image=service_image(image_directory, git_commit=git_commit),
            git_commit=git_commit,
            endpoint=build_endpoint(self, settings.https),
            cpu=settings.cpu,
            memory_limit_mib=settings.memory_limit_mib,
            min_capacity=settings.min_capacity,
            max_capacity=settings.max_capacity,
            api_key_secret=api_key,
            api_key_env_var=settings.api_key_env_var,
            release=release_for(settings.deployment),
        )
        monitoring = Monitoring(
            self, "Monitoring", watches=target_group_watches(web.target_groups), alarm_email=settings.alarm_email
        )
        # A release that trips an alarm while it rolls out is rolled back, like a circuit-breaker failure.
        web.service.enable_deployment_alarms(monitoring.alarm_names, behavior=ecs.AlarmBehavior.ROLLBACK_ON_ALARM)
        # By name only, so ordering is explicit: the alarms exist before the service first deploys.
        web.service.node.add_dependency(*monitoring.alarms)
        scheme = "https" if settings.https.enabled else "http"
        host = settings.https.domain_name or web.load_balancer.load_balancer_dns_name
        # What the deploy workflow's canary gate needs (cicd/canary_gate.py): where a release pauses, and
        # where its new tasks answer before they take production traffic.
        cdk.CfnOutput(self, "ClusterName", value=web.service.cluster.cluster_name)
        cdk.CfnOutput(self, "ServiceName", value=web.service.service_name)
        if web.test_listener is not None:
            cdk.CfnOutput(
                self,
                "TestUrl",
                value=f"{scheme}://{host}:{web.test_listener.port}",
                description="The new revision's tasks during a canary deployment, before production traffic",
            )
        return f"{scheme}://{host}", monitoring

    def _serve_on_lambda(
        self,
        settings: ServiceSettings,
        *,
        image_directory: Path,
        git_commit: str,
        api_key: secretsmanager.ISecret | None,
    ) -> tuple[str, Monitoring]:
        service = LambdaService(
            self,
            "Function",
            code=function_image(image_directory, git_commit=git_commit),
            git_commit=git_commit,
            memory_mib=settings.lambda_memory_mib,
            timeout=cdk.Duration.seconds(settings.lambda_timeout_seconds),
            reserved_concurrency=settings.lambda_reserved_concurrency,
            api_key_secret=api_key,
            api_key_env_var=settings.api_key_env_var,
        )
        monitoring = Monitoring(
            self, "Monitoring", watches=function_watches(service.function), alarm_email=settings.alarm_email
        )
        return f"https://{service.host}", monitoring

    def _api_key_secret(self, settings: ServiceSettings) -> secretsmanager.ISecret | None:
        if settings.api_key_secret_arn:
            return secretsmanager.Secret.from_secret_complete_arn(self, "ApiKey", settings.api_key_secret_arn)
        if not settings.generate_api_key:
            return None
        secret = secretsmanager.Secret(
            self,
            "ApiKey",
            # A known name: the deploy role may read keys under this prefix for its smoke test.
            secret_name=f"{API_KEY_SECRET_PREFIX}{settings.environment}/api-key",
            description="API key that clients send to the model service",
            generate_secret_string=secretsmanager.SecretStringGenerator(exclude_punctuation=True, password_length=40),
        )
        cdk.Validations.of(secret).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions-SMG4",
                reason=(
                    "A static API key shared with the service's clients: rotating it needs a "
                    "coordinated client update, done by hand with put-secret-value and a redeploy, "
                    "not by a rotation Lambda."
                ),
            )
        )
        return secret
