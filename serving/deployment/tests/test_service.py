import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk.assertions import Capture, Match

from deployment.service_deployment.https import Endpoint
from deployment.service_deployment.service import WebService

pytestmark = pytest.mark.slow

GRACEFUL_SHUTDOWN_SECONDS = 30


def test_deployments_roll_back_on_circuit_breaker_and_keep_full_capacity(default_service):
    default_service.template.has_resource_properties(
        "AWS::ECS::Service",
        {
            "LaunchType": "FARGATE",
            "DeploymentConfiguration": Match.object_like(
                {
                    "DeploymentCircuitBreaker": {"Enable": True, "Rollback": True},
                    "MinimumHealthyPercent": 100,
                    "MaximumPercent": 200,
                }
            ),
        },
    )


def test_cluster_has_container_insights(default_service):
    default_service.template.has_resource_properties(
        "AWS::ECS::Cluster",
        {"ClusterSettings": Match.array_with([{"Name": "containerInsights", "Value": "enabled"}])},
    )


def test_load_balancer_checks_health_path_every_10s_with_2_healthy_3_unhealthy(default_service):
    default_service.template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {
            "HealthCheckPath": "/health",
            "HealthCheckIntervalSeconds": 10,
            "HealthyThresholdCount": 2,
            "UnhealthyThresholdCount": 3,
            "Matcher": {"HttpCode": "200"},
            "TargetType": "ip",
        },
    )


def test_deregistration_delay_is_at_most_30_seconds(default_service):
    delay = Capture()
    default_service.template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {"TargetGroupAttributes": Match.array_with([{"Key": "deregistration_delay.timeout_seconds", "Value": delay}])},
    )
    assert 0 < int(delay.as_string()) <= 30


def test_container_has_a_liveness_check_and_outlives_graceful_shutdown(default_service):
    stop_timeout = Capture()
    graceful_timeout = Capture()
    default_service.template.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": [
                Match.object_like(
                    {
                        "PortMappings": [{"ContainerPort": 8000, "Protocol": "tcp"}],
                        "HealthCheck": Match.object_like(
                            {"Command": Match.array_with([Match.string_like_regexp("/livez")])}
                        ),
                        "Environment": Match.array_with(
                            [{"Name": "MODEL_SERVICE_GRACEFUL_TIMEOUT", "Value": graceful_timeout}]
                        ),
                        "StopTimeout": stop_timeout,
                    }
                )
            ]
        },
    )
    assert int(graceful_timeout.as_string()) >= GRACEFUL_SHUTDOWN_SECONDS
    # gunicorn's master needs a moment after its workers' graceful timeout before ECS sends SIGKILL.
    assert stop_timeout.as_number() > int(graceful_timeout.as_string())


def test_every_service_setting_passed_to_the_container_is_one_the_service_knows(default_service):
    # The service refuses to start on an unknown MODEL_SERVICE_* variable: keep both sides in step.
    from app.config import ENV_PREFIX, Settings

    known = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    (container,) = default_service.raw["Resources"][_task_definition_id(default_service)]["Properties"][
        "ContainerDefinitions"
    ]
    passed = {variable["Name"] for variable in container["Environment"] + container["Secrets"]}
    assert {name for name in passed if name.startswith(ENV_PREFIX)} <= known
    assert "MODEL_SERVICE_API_KEY" in passed


def test_deploys_leave_the_running_task_count_to_autoscaling(default_service, https_service, domain_service):
    # A DesiredCount in the template would reset a scaled-out service to it on every deploy.
    for synthesized in (default_service, https_service, domain_service):
        synthesized.template.has_resource_properties("AWS::ECS::Service", {"DesiredCount": Match.absent()})
        synthesized.template.has_resource_properties(
            "AWS::ApplicationAutoScaling::ScalableTarget", {"ScalableDimension": "ecs:service:DesiredCount"}
        )


def test_task_size_and_task_count_range_come_from_the_environment(default_service, https_service):
    for synthesized, (cpu, memory), (minimum, maximum) in (
        (default_service, ("256", "512"), (1, 2)),
        (https_service, ("512", "1024"), (2, 6)),
    ):
        synthesized.template.has_resource_properties("AWS::ECS::TaskDefinition", {"Cpu": cpu, "Memory": memory})
        synthesized.template.has_resource_properties(
            "AWS::ApplicationAutoScaling::ScalableTarget", {"MinCapacity": minimum, "MaxCapacity": maximum}
        )


def test_container_is_labelled_with_the_git_commit(default_service):
    commit = default_service.git_commit
    default_service.template.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": [
                Match.object_like(
                    {
                        "DockerLabels": {"org.opencontainers.image.revision": commit},
                        "Environment": Match.array_with([{"Name": "GIT_COMMIT", "Value": commit}]),
                    }
                )
            ]
        },
    )


def test_logs_go_to_a_log_group_with_retention(default_service):
    default_service.template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 30})
    default_service.template.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": [
                Match.object_like({"LogConfiguration": Match.object_like({"LogDriver": "awslogs"})})
            ]
        },
    )


def test_generated_api_key_is_a_container_secret_never_plain_environment(default_service):
    secret = Capture()
    default_service.template.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": [
                Match.object_like({"Secrets": [{"Name": "MODEL_SERVICE_API_KEY", "ValueFrom": {"Ref": secret}}]})
            ]
        },
    )
    assert default_service.template.find_resources("AWS::SecretsManager::Secret").keys() == {secret.as_string()}
    (container,) = default_service.raw["Resources"][_task_definition_id(default_service)]["Properties"][
        "ContainerDefinitions"
    ]
    assert "MODEL_SERVICE_API_KEY" not in {variable["Name"] for variable in container["Environment"]}


def test_generated_api_key_secret_has_the_name_the_deploy_role_may_read(default_service):
    from deployment.service_deployment.stack import API_KEY_SECRET_PREFIX

    default_service.template.has_resource_properties(
        "AWS::SecretsManager::Secret", {"Name": f"{API_KEY_SECRET_PREFIX}staging/api-key"}
    )


def test_execution_role_may_read_only_the_api_key_secret(default_service):
    default_service.template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                            "Effect": "Allow",
                            "Resource": {"Ref": Match.any_value()},
                        }
                    ]
                )
            }
        },
    )


def test_an_existing_secret_is_injected_by_its_arn(https_service):
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:model-api-key-AbCdEf"
    https_service.template.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": [
                Match.object_like({"Secrets": [{"Name": "MODEL_SERVICE_API_KEY", "ValueFrom": arn}]})
            ]
        },
    )
    assert https_service.template.find_resources("AWS::SecretsManager::Secret") == {}


def test_without_an_api_key_the_container_gets_no_secret(domain_service):
    domain_service.template.has_resource_properties(
        "AWS::ECS::TaskDefinition", {"ContainerDefinitions": [Match.object_like({"Secrets": Match.absent()})]}
    )


def test_scales_on_cpu_and_on_requests_per_target_within_min_and_max(default_service):
    template = default_service.template
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {"MinCapacity": 1, "MaxCapacity": 2, "ScalableDimension": "ecs:service:DesiredCount"},
    )
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": Match.object_like(
                {
                    "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
                    "TargetValue": 60,
                }
            ),
        },
    )
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "TargetTrackingScalingPolicyConfiguration": Match.object_like(
                {
                    "PredefinedMetricSpecification": {
                        "PredefinedMetricType": "ALBRequestCountPerTarget",
                        "ResourceLabel": Match.any_value(),
                    },
                    "TargetValue": 1000,
                }
            )
        },
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"min_capacity": 3, "max_capacity": 2}, r"task count range \[3, 2\]"),
        ({"min_capacity": 0}, r"task count range \[0, 2\]"),
        ({"deregistration_delay": cdk.Duration.seconds(60)}, "deregistration_delay"),
    ],
)
def test_rejects_unsafe_properties(overrides, message):
    stack = cdk.Stack(cdk.App())
    with pytest.raises(ValueError, match=message):
        WebService(
            stack,
            "Service",
            vpc=ec2.Vpc(stack, "Vpc"),
            task_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            assign_public_ip=True,
            image=ecs.ContainerImage.from_registry("public.ecr.aws/docker/library/python:3.11-slim"),
            git_commit="unknown",
            endpoint=Endpoint(certificate=None, domain_name=None, domain_zone=None),
            **overrides,
        )


def test_only_the_load_balancer_reaches_the_tasks_so_its_forwarded_headers_are_believed(default_service, https_service):
    for synthesized in (default_service, https_service):
        resources = synthesized.raw["Resources"]
        (service,) = (r for r in resources.values() if r["Type"] == "AWS::ECS::Service")
        (task_group,) = service["Properties"]["NetworkConfiguration"]["AwsvpcConfiguration"]["SecurityGroups"]
        task_group_id = task_group["Fn::GetAtt"][0]
        (balancer,) = (r for r in resources.values() if r["Type"] == "AWS::ElasticLoadBalancingV2::LoadBalancer")
        (balancer_group,) = balancer["Properties"]["SecurityGroups"]
        ingress = [
            r["Properties"]
            for r in resources.values()
            if r["Type"] == "AWS::EC2::SecurityGroupIngress" and r["Properties"]["GroupId"] == task_group
        ]
        assert "SecurityGroupIngress" not in resources[task_group_id]["Properties"]
        assert [rule["SourceSecurityGroupId"] for rule in ingress] == [balancer_group]
        (container,) = resources[_task_definition_id(synthesized)]["Properties"]["ContainerDefinitions"]
        assert {"Name": "MODEL_SERVICE_FORWARDED_ALLOW_IPS", "Value": "*"} in container["Environment"]


def test_the_load_balancer_appends_the_client_address_the_service_logs(default_service, https_service):
    # The service logs the rightmost X-Forwarded-For entry: the balancer must append it, not pass the caller's on.
    for synthesized in (default_service, https_service):
        synthesized.template.has_resource_properties(
            "AWS::ElasticLoadBalancingV2::LoadBalancer",
            {
                "LoadBalancerAttributes": Match.array_with(
                    [{"Key": "routing.http.xff_header_processing.mode", "Value": "append"}]
                )
            },
        )


def _task_definition_id(synthesized) -> str:
    (logical_id,) = synthesized.template.find_resources("AWS::ECS::TaskDefinition")
    return str(logical_id)
