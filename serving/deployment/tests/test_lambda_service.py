import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Capture, Match

from deployment.service_deployment.lambda_service import LambdaService

pytestmark = pytest.mark.slow

CFN_LINT = Path(sys.executable).parent / "cfn-lint"
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:model-api-key-AbCdEf"


def _function(synthesized) -> dict:
    (function,) = synthesized.template.find_resources("AWS::Lambda::Function").values()
    return dict(function["Properties"])


def test_the_service_image_runs_as_a_function_with_one_worker_and_one_vcpu(lambda_service):
    function = _function(lambda_service)
    assert (function["PackageType"], function["Architectures"]) == ("Image", ["x86_64"])
    # 1,769 MB is the memory at which Lambda gives a function one full vCPU, all one worker can use.
    assert function["MemorySize"] == 1769
    assert function["Environment"]["Variables"]["MODEL_SERVICE_WORKERS"] == "1"
    # Frozen between invocations, the worker would look silent to gunicorn's master on thaw and be aborted.
    assert function["Environment"]["Variables"]["MODEL_SERVICE_WORKER_TIMEOUT"] == "0"
    assert function["Environment"]["Variables"]["GIT_COMMIT"] == lambda_service.git_commit


def test_pictures_larger_than_a_function_url_carries_get_the_services_413(lambda_service):
    # Reported from the field: the service took 8 MiB pictures, but a function URL carries 6 MB, a
    # binary body base64-encoded (4/3 larger): a bigger picture died in Lambda's front end, not in a 413.
    variables = _function(lambda_service)["Environment"]["Variables"]
    assert int(variables["MODEL_SERVICE_MAX_IMAGE_BYTES"]) * 4 / 3 < 6_000_000


def test_the_adapter_forwards_to_the_service_port_and_waits_for_its_health_check(lambda_service):
    variables = _function(lambda_service)["Environment"]["Variables"]
    assert variables["AWS_LWA_PORT"] == variables["MODEL_SERVICE_PORT"]
    # Not the adapter's default `/`: this service answers it 404, which the adapter would count as ready.
    assert variables["AWS_LWA_READINESS_CHECK_PATH"] == "/health"
    assert variables["MODEL_SERVICE_HOST"] == "127.0.0.1"


def test_a_timeout_and_reserved_concurrency_bound_the_cost(lambda_service, lambda_production):
    for synthesized, concurrency in ((lambda_service, 2), (lambda_production, 10)):
        function = _function(synthesized)
        assert function["Timeout"] == 10
        assert function["ReservedConcurrentExecutions"] == concurrency


def test_an_https_function_url_lets_every_request_reach_the_services_own_key_check(lambda_service):
    function_id = Capture()
    lambda_service.template.has_resource_properties(
        "AWS::Lambda::Url",
        {"AuthType": "NONE", "InvokeMode": "BUFFERED", "TargetFunctionArn": {"Fn::GetAtt": [function_id, "Arn"]}},
    )
    assert function_id.as_string() in lambda_service.template.find_resources("AWS::Lambda::Function")
    lambda_service.template.has_resource_properties(
        "AWS::Lambda::Permission",
        {"Action": "lambda:InvokeFunctionUrl", "FunctionUrlAuthType": "NONE", "Principal": "*"},
    )


def test_the_generated_key_reaches_the_function_as_a_deploy_time_reference_never_a_value(lambda_service):
    key = _function(lambda_service)["Environment"]["Variables"]["MODEL_SERVICE_API_KEY"]
    (secret_id,) = lambda_service.template.find_resources("AWS::SecretsManager::Secret")
    # CloudFormation resolves it when it creates or updates the function; the template holds no key.
    assert key == {"Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": secret_id}, ":SecretString:::}}"]]}


def test_an_existing_secret_is_referenced_by_its_arn(lambda_production):
    key = _function(lambda_production)["Environment"]["Variables"]["MODEL_SERVICE_API_KEY"]
    assert key == f"{{{{resolve:secretsmanager:{SECRET_ARN}:SecretString:::}}}}"
    assert lambda_production.template.find_resources("AWS::SecretsManager::Secret") == {}


def test_without_an_api_key_the_function_gets_no_key_variable(synthesize_service):
    open_service = synthesize_service({"target": "lambda", "generateApiKey": "false"})
    assert "MODEL_SERVICE_API_KEY" not in _function(open_service)["Environment"]["Variables"]
    assert "ApiKeySecretArn" not in open_service.raw["Outputs"]


def test_every_service_setting_passed_to_the_function_is_one_the_service_knows(lambda_service):
    from app.config import ENV_PREFIX, Settings

    known = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    passed = set(_function(lambda_service)["Environment"]["Variables"])
    assert {name for name in passed if name.startswith(ENV_PREFIX)} <= known


def test_logs_go_to_a_log_group_with_retention_that_only_the_function_writes(lambda_service):
    log_group = Capture()
    lambda_service.template.has_resource_properties(
        "AWS::Lambda::Function", {"LoggingConfig": {"LogGroup": {"Ref": log_group}}}
    )
    lambda_service.template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 30})
    lambda_service.template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Effect": "Allow",
                        "Resource": {"Fn::GetAtt": [log_group.as_string(), "Arn"]},
                    }
                ]
            }
        },
    )
    assert (
        lambda_service.template.find_resources(
            "AWS::IAM::Role", {"Properties": {"ManagedPolicyArns": Match.any_value()}}
        )
        == {}
    )


def test_alarms_watch_5xx_rate_p99_duration_and_throttles_and_notify_the_topic(lambda_service):
    resources = lambda_service.raw["Resources"]
    alarms = {
        r["Properties"]["AlarmName"]: r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    }
    assert set(alarms) == {
        "PenguinsService-staging-url-5xx-rate",
        "PenguinsService-staging-p99-duration",
        "PenguinsService-staging-throttles",
    }
    (topic,) = lambda_service.template.find_resources("AWS::SNS::Topic")
    assert all(alarm["AlarmActions"] == [{"Ref": topic}] == alarm["OKActions"] for alarm in alarms.values())
    rate = alarms["PenguinsService-staging-url-5xx-rate"]
    metric_names = {m["MetricStat"]["Metric"]["MetricName"] for m in rate["Metrics"] if "MetricStat" in m}
    assert metric_names == {"Url5xxCount", "UrlRequestCount"}
    duration = alarms["PenguinsService-staging-p99-duration"]
    assert (duration["MetricName"], duration["ExtendedStatistic"], duration["Threshold"]) == ("Duration", "p99", 1000)
    throttles = alarms["PenguinsService-staging-throttles"]
    assert (throttles["MetricName"], throttles["Threshold"]) == ("Throttles", 1)


def test_no_network_load_balancer_or_cluster_is_made_for_a_function(lambda_service):
    for resource_type in ("AWS::EC2::VPC", "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ECS::Cluster"):
        assert lambda_service.template.find_resources(resource_type) == {}


def test_the_service_url_is_the_function_urls_https_base(lambda_service):
    url = lambda_service.raw["Outputs"]["ServiceUrl"]["Value"]
    (url_id,) = lambda_service.template.find_resources("AWS::Lambda::Url")
    host = {"Fn::Select": [2, {"Fn::Split": ["/", {"Fn::GetAtt": [url_id, "FunctionUrl"]}]}]}
    assert url == {"Fn::Join": ["", ["https://", host]]}
    assert lambda_service.raw["Description"] == "Penguins model service (staging) on AWS Lambda"


def test_cdk_nag_finds_nothing_beyond_the_findings_every_target_shares(lambda_service, lambda_production):
    # The synthesis itself fails on any unacknowledged finding; these two are the key's and the topic's.
    assert set(lambda_service.acknowledged_findings()) == {
        ("ApiKey", "AwsSolutions-SMG4"),
        ("Monitoring/Alarms", "AwsSolutions-SNS2"),
    }
    assert set(lambda_production.acknowledged_findings()) == {("Monitoring/Alarms", "AwsSolutions-SNS2")}


def test_cfn_lint_passes_on_the_function_templates(lambda_service, lambda_production):
    templates = [str(synthesized.template_file) for synthesized in (lambda_service, lambda_production)]
    result = subprocess.run([str(CFN_LINT), *templates], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"reserved_concurrency": 0}, "reserved_concurrency must be at least 1"),
        ({"timeout": cdk.Duration.minutes(5)}, "timeout must be 1-60 s"),
    ],
)
def test_rejects_unsafe_properties(overrides, message):
    stack = cdk.Stack(cdk.App())
    with pytest.raises(ValueError, match=message):
        LambdaService(
            stack,
            "Function",
            code=lambda_.DockerImageCode.from_ecr(ecr.Repository.from_repository_name(stack, "Repo", "model-service")),
            git_commit="unknown",
            **overrides,
        )


def test_the_function_runs_the_very_image_the_ecs_service_runs(lambda_service, default_service):
    # One asset for both targets (image.py): switching target pushes nothing new.
    (task_definition,) = default_service.template.find_resources("AWS::ECS::TaskDefinition").values()
    (container,) = task_definition["Properties"]["ContainerDefinitions"]
    assert _function(lambda_service)["Code"]["ImageUri"] == container["Image"]
