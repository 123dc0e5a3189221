"""Both release strategies, read from the synthesized templates: rolling (staging) and canary (production)."""

import pytest
from aws_cdk.assertions import Match

from deployment.service_deployment.release import Canary

pytestmark = pytest.mark.slow

IAM4_DEPLOYMENT_POLICY = (
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers]"
)


def _resource(synthesized, resource_type: str) -> tuple[str, dict]:
    ((logical_id, resource),) = synthesized.template.find_resources(resource_type).items()
    return str(logical_id), dict(resource["Properties"])


def _deployment(synthesized) -> dict:
    return dict(_resource(synthesized, "AWS::ECS::Service")[1]["DeploymentConfiguration"])


def _target_groups(synthesized) -> dict[str, dict]:
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in synthesized.template.find_resources(
            "AWS::ElasticLoadBalancingV2::TargetGroup"
        ).items()
    }


def test_staging_rolls_out_in_place_with_the_circuit_breaker(default_service):
    deployment = _deployment(default_service)
    assert deployment["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    assert "Strategy" not in deployment  # ECS's default: ROLLING
    assert "AdvancedConfiguration" not in _resource(default_service, "AWS::ECS::Service")[1]["LoadBalancers"][0]
    assert len(_target_groups(default_service)) == 1
    assert default_service.template.find_resources("AWS::ElasticLoadBalancingV2::ListenerRule") == {}


def test_production_releases_a_canary_share_then_the_rest_after_a_bake_time(https_service):
    deployment = _deployment(https_service)
    assert deployment["Strategy"] == "CANARY"
    assert deployment["CanaryConfiguration"] == {"CanaryPercent": 10, "CanaryBakeTimeInMinutes": 10}
    # The old revision keeps running this long after the full shift, for an instant rollback.
    assert deployment["BakeTimeInMinutes"] == 10
    # ECS's circuit breaker watches rolling deployments; the canary's alarms roll back instead.
    assert "DeploymentCircuitBreaker" not in deployment
    assert deployment["Alarms"]["Enable"] is True
    assert deployment["Alarms"]["Rollback"] is True


def test_the_canary_shifts_the_production_rule_between_two_groups_with_the_same_health_check(https_service):
    _, service = _resource(https_service, "AWS::ECS::Service")
    (balanced,) = service["LoadBalancers"]
    advanced = balanced["AdvancedConfiguration"]
    primary, alternate = balanced["TargetGroupArn"]["Ref"], advanced["AlternateTargetGroupArn"]["Ref"]
    groups = _target_groups(https_service)
    assert set(groups) == {primary, alternate}
    checks = ("HealthCheckPath", "HealthCheckIntervalSeconds", "HealthyThresholdCount", "UnhealthyThresholdCount")
    assert {name: groups[primary][name] for name in checks} == {name: groups[alternate][name] for name in checks}
    assert groups[alternate]["TargetType"] == "ip"

    resources = https_service.raw["Resources"]
    production = resources[advanced["ProductionListenerRule"]["Ref"]]["Properties"]
    assert production["Actions"] == [{"TargetGroupArn": {"Ref": primary}, "Type": "forward"}]
    assert production["Conditions"] == [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/*"]}}]
    listener = resources[production["ListenerArn"]["Ref"]]["Properties"]
    assert listener["Port"] == 443


def test_a_test_listener_reaches_the_new_revision_over_the_same_tls(https_service):
    _, service = _resource(https_service, "AWS::ECS::Service")
    advanced = service["LoadBalancers"][0]["AdvancedConfiguration"]
    resources = https_service.raw["Resources"]
    test_rule = resources[advanced["TestListenerRule"]["Ref"]]["Properties"]
    assert test_rule["Actions"] == [{"TargetGroupArn": advanced["AlternateTargetGroupArn"], "Type": "forward"}]
    test_listener = resources[test_rule["ListenerArn"]["Ref"]]["Properties"]
    assert (test_listener["Port"], test_listener["Protocol"]) == (Canary().test_port, "HTTPS")
    assert test_listener["Certificates"] == [
        {"CertificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"}
    ]
    assert test_listener["SslPolicy"] == resources[_listener_id(https_service, 443)]["Properties"]["SslPolicy"]
    url = https_service.raw["Outputs"]["TestUrl"]["Value"]
    assert url["Fn::Join"][1][0] == "https://"
    assert url["Fn::Join"][1][-1] == f":{Canary().test_port}"


def test_the_canary_pauses_for_the_smoke_test_and_rolls_back_when_nobody_answers(https_service):
    assert _deployment(https_service)["LifecycleHooks"] == [
        {
            "TargetType": "PAUSE",
            "LifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
            "TimeoutConfiguration": {"TimeoutInMinutes": 30, "Action": "ROLLBACK"},
        }
    ]
    outputs = https_service.raw["Outputs"]
    assert {"ClusterName", "ServiceName", "TestUrl"} <= set(outputs)


def test_ecs_may_move_the_listener_rules_with_awss_policy_for_it(https_service):
    _, service = _resource(https_service, "AWS::ECS::Service")
    role_id = service["LoadBalancers"][0]["AdvancedConfiguration"]["RoleArn"]["Fn::GetAtt"][0]
    role = https_service.raw["Resources"][role_id]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "ecs.amazonaws.com"}}
    ]
    (policy,) = role["ManagedPolicyArns"]
    assert policy["Fn::Join"][1][-1] == ":iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"
    assert ("Service/Canary/DeploymentRole", IAM4_DEPLOYMENT_POLICY) in https_service.acknowledged_findings()


def test_every_alarm_watches_both_target_groups_each_on_its_own_traffic(https_service):
    groups = set(_target_groups(https_service))
    alarms = [r["Properties"] for r in https_service.raw["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    assert len(alarms) == 3
    for alarm in alarms:
        (expression,) = [m for m in alarm["Metrics"] if m.get("ReturnData", True)]
        assert expression["Expression"].startswith("MAX([")
        watched = {
            _group_of(dimension)
            for metric in alarm["Metrics"]
            if "MetricStat" in metric
            for dimension in metric["MetricStat"]["Metric"]["Dimensions"]
            if dimension["Name"] == "TargetGroup"
        }
        assert watched == groups


def test_the_canary_scales_on_cpu_alone(https_service):
    # Requests per target follow one target group, and a canary moves the traffic to the other.
    policies = https_service.template.find_resources("AWS::ApplicationAutoScaling::ScalingPolicy")
    metrics = [
        p["Properties"]["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"][
            "PredefinedMetricType"
        ]
        for p in policies.values()
    ]
    assert metrics == ["ECSServiceAverageCPUUtilization"]


def test_an_http_canary_has_an_http_test_listener(synthesize_service):
    http_canary = synthesize_service({"deployment": "canary"})
    http_canary.template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener", {"Port": Canary().test_port, "Protocol": "HTTP"}
    )
    http_canary.template.has_resource_properties(
        "AWS::ECS::Service", {"DeploymentConfiguration": Match.object_like({"Strategy": "CANARY"})}
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"percent": 0}, "canary percent must be 0.1-100"),
        ({"percent": 12.34}, "in steps of 0.1"),
        ({"canary_bake_minutes": 2000}, "canary_bake_minutes must be 0-1440"),
        ({"smoke_test_timeout_minutes": 0}, "smoke_test_timeout_minutes must be 1-1440"),
        ({"test_port": 443}, "test_port must be a free listener port"),
    ],
)
def test_rejects_settings_ecs_would_refuse(overrides, message):
    with pytest.raises(ValueError, match=message):
        Canary(**overrides)


def _listener_id(synthesized, port: int) -> str:
    (logical_id,) = synthesized.template.find_resources(
        "AWS::ElasticLoadBalancingV2::Listener", {"Properties": {"Port": port}}
    )
    return str(logical_id)


def _group_of(dimension: dict) -> str:
    # {"Fn::GetAtt": [group, "TargetGroupFullName"]}
    return str(dimension["Value"]["Fn::GetAtt"][0])
