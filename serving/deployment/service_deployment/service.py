from collections.abc import Mapping
from typing import cast

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_ecs_patterns as ecs_patterns
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from .canary import CanaryRouting
from .https import Endpoint
from .release import Canary, Release, Rolling

CONTAINER_NAME = "model-service"
# How long in-flight requests get after SIGTERM; passed to the service, which reads this variable.
GRACEFUL_SHUTDOWN = cdk.Duration.seconds(30)
GRACEFUL_TIMEOUT_ENV_VAR = "MODEL_SERVICE_GRACEFUL_TIMEOUT"
FORWARDED_ALLOW_IPS_ENV_VAR = "MODEL_SERVICE_FORWARDED_ALLOW_IPS"
# In-flight inference requests take milliseconds; a short drain keeps deployments fast.
DEREGISTRATION_DELAY = cdk.Duration.seconds(20)


class WebService(Construct):
    """The model service on Fargate behind a public ALB, with safe deployments and autoscaling.

    `release` chooses how a new task definition rolls out: `Rolling` (one target group, circuit breaker)
    or `Canary` (ECS's canary strategy between two target groups, with a test listener).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        task_subnets: ec2.SubnetSelection,
        assign_public_ip: bool,
        image: ecs.ContainerImage,
        git_commit: str,
        endpoint: Endpoint,
        cpu: int = 256,
        memory_limit_mib: int = 512,
        min_capacity: int = 1,
        max_capacity: int = 2,
        cpu_target_percent: int = 60,
        requests_per_target: int = 1000,
        container_port: int = 8000,
        health_check_path: str = "/health",
        liveness_path: str = "/livez",
        graceful_shutdown: cdk.Duration = GRACEFUL_SHUTDOWN,
        deregistration_delay: cdk.Duration = DEREGISTRATION_DELAY,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        api_key_secret: secretsmanager.ISecret | None = None,
        api_key_env_var: str = "MODEL_SERVICE_API_KEY",
        environment: Mapping[str, str] | None = None,
        release: Release = Rolling(),  # noqa: B008 - frozen, so one shared default is safe
    ) -> None:
        super().__init__(scope, construct_id)
        if not 1 <= min_capacity <= max_capacity:
            raise ValueError(f"task count range [{min_capacity}, {max_capacity}] needs 1 <= min <= max")
        if deregistration_delay.to_seconds() > 30:
            raise ValueError("deregistration_delay above 30 s only slows every deployment down")
        self.log_group = logs.LogGroup(self, "Logs", retention=log_retention)
        cluster = ecs.Cluster(self, "Cluster", vpc=vpc, container_insights_v2=ecs.ContainerInsights.ENABLED)
        task_definition = ecs.FargateTaskDefinition(
            self,
            "Task",
            cpu=cpu,
            memory_limit_mib=memory_limit_mib,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.X86_64,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
        )
        task_definition.add_container(
            CONTAINER_NAME,
            image=image,
            port_mappings=[ecs.PortMapping(container_port=container_port)],
            environment={
                "GIT_COMMIT": git_commit,
                # The service's own graceful timeout, so that it always fits inside the stop timeout below.
                GRACEFUL_TIMEOUT_ENV_VAR: str(int(graceful_shutdown.to_seconds())),
                # Only the load balancer can reach the task (its security group admits the balancer's
                # alone), so its X-Forwarded-For is the client's address: log that one.
                FORWARDED_ALLOW_IPS_ENV_VAR: "*",
                **(environment or {}),
            },
            secrets={api_key_env_var: ecs.Secret.from_secrets_manager(api_key_secret)} if api_key_secret else None,
            docker_labels={"org.opencontainers.image.revision": git_commit},
            logging=ecs.LogDrivers.aws_logs(stream_prefix=CONTAINER_NAME, log_group=self.log_group),
            health_check=ecs.HealthCheck(
                command=_liveness_command(container_port, liveness_path),
                interval=cdk.Duration.seconds(10),
                timeout=cdk.Duration.seconds(5),
                retries=3,
                start_period=cdk.Duration.seconds(30),
            ),
            # ECS sends SIGTERM, then SIGKILL after this: leave gunicorn's master time to exit after its workers.
            stop_timeout=cdk.Duration.seconds(int(graceful_shutdown.to_seconds()) + 10),
        )
        https = endpoint.certificate is not None
        self.pattern = ecs_patterns.ApplicationLoadBalancedFargateService(
            self,
            "Web",
            cluster=cluster,
            task_definition=task_definition,
            task_subnets=task_subnets,
            assign_public_ip=assign_public_ip,
            public_load_balancer=True,
            # No desired_count: autoscaling owns the task count. With one in the template, every deploy
            # would reset a scaled-out service to it. Left out, ECS starts a new service with one task,
            # registering the scalable target raises that to min_capacity, and later deploys keep the count.
            # The circuit breaker watches rolling deployments only; a canary has its own stages and alarms.
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True)
            if isinstance(release, Rolling)
            else None,
            min_healthy_percent=100,
            max_healthy_percent=200,
            health_check_grace_period=cdk.Duration.seconds(60),
            protocol=elbv2.ApplicationProtocol.HTTPS if https else elbv2.ApplicationProtocol.HTTP,
            certificate=endpoint.certificate,
            domain_name=endpoint.domain_name,
            domain_zone=endpoint.domain_zone,
            redirect_http=https,
            ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS if https else None,
        )
        self.service = self.pattern.service
        self.target_group = self.pattern.target_group
        self.load_balancer = self.pattern.load_balancer
        self._configure_target_group(self.target_group, health_check_path, deregistration_delay)
        self._configure_load_balancer()
        # Every group the service's tasks may be in: the alarms watch each on its own traffic.
        self.target_groups = [self.target_group]
        self.test_listener: elbv2.ApplicationListener | None = None
        if isinstance(release, Canary):
            canary = CanaryRouting(self, "Canary", web=self.pattern, release=release, certificate=endpoint.certificate)
            self._configure_target_group(canary.alternate, health_check_path, deregistration_delay)
            self.target_groups.append(canary.alternate)
            self.test_listener = canary.test_listener
        # Requests per target is tracked on one target group; a canary moves the traffic to the other.
        self._autoscale(
            min_capacity,
            max_capacity,
            cpu_target_percent,
            requests_per_target if isinstance(release, Rolling) else None,
        )
        self._acknowledge_findings(task_definition)

    def _configure_target_group(
        self, group: elbv2.ApplicationTargetGroup, path: str, deregistration_delay: cdk.Duration
    ) -> None:
        group.configure_health_check(
            path=path,
            interval=cdk.Duration.seconds(10),
            timeout=cdk.Duration.seconds(5),
            healthy_threshold_count=2,
            unhealthy_threshold_count=3,
            healthy_http_codes="200",
        )
        group.set_attribute("deregistration_delay.timeout_seconds", str(int(deregistration_delay.to_seconds())))

    def _configure_load_balancer(self) -> None:
        self.load_balancer.set_attribute("routing.http.drop_invalid_header_fields.enabled", "true")
        # The service logs the rightmost X-Forwarded-For entry as the client: the balancer must append
        # the address it saw (its default), never preserve or remove what the caller sent.
        self.load_balancer.set_attribute("routing.http.xff_header_processing.mode", "append")
        # The pattern makes the service depend on the whole listener construct, target group included;
        # the target group edge duplicates the service's Ref to it, which cfn-lint reports as W3005.
        cfn_service = cast(cdk.CfnResource, self.service.node.default_child)
        cfn_service.add_metadata("cfn-lint", {"config": {"ignore_checks": ["W3005"]}})

    def _autoscale(self, min_capacity: int, max_capacity: int, cpu_percent: int, requests: int | None) -> None:
        scaling = self.service.auto_scale_task_count(min_capacity=min_capacity, max_capacity=max_capacity)
        scaling.scale_on_cpu_utilization("Cpu", target_utilization_percent=cpu_percent)
        if requests is not None:
            scaling.scale_on_request_count("Requests", requests_per_target=requests, target_group=self.target_group)

    def _acknowledge_findings(self, task_definition: ecs.FargateTaskDefinition) -> None:
        cdk.Validations.of(task_definition).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions-ECS2",
                reason=(
                    "The plain environment holds only non-secret values (the git commit and "
                    "settings passed by the caller); the API key is injected from Secrets Manager."
                ),
            )
        )
        if task_definition.execution_role is not None:
            cdk.Validations.of(task_definition.execution_role).acknowledge(
                cdk.Acknowledgment(
                    id="AwsSolutions-IAM5[Resource::*]",
                    reason=(
                        "ecr:GetAuthorizationToken, which the execution role needs to pull the image, "
                        "has no resource-level permissions: AWS requires Resource '*' for it."
                    ),
                )
            )
        cdk.Validations.of(self.load_balancer).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions-ELB2",
                reason=(
                    "ALB access logs need a dedicated S3 bucket with its own lifecycle; request "
                    "counts, 5xx and latency come from the ALB's CloudWatch metrics and the alarms "
                    "on them, and the service logs each request."
                ),
            ),
            cdk.Acknowledgment(
                id="AwsSolutions-EC23",
                reason=(
                    "This is the public entry point of the service: the load balancer's security "
                    "group must accept 0.0.0.0/0 on its listener ports (80, and 443 with HTTPS)."
                ),
            ),
        )


def _liveness_command(port: int, path: str) -> list[str]:
    # The image is Python-based: this avoids depending on curl being installed in it.
    probe = f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{port}{path}', timeout=3)"
    return ["CMD", "python", "-c", probe]
