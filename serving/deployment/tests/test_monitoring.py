import pytest
from aws_cdk.assertions import Capture, Match

pytestmark = pytest.mark.slow


def _alarm_id(synthesized, properties) -> str:
    (logical_id,) = synthesized.template.find_resources("AWS::CloudWatch::Alarm", {"Properties": properties})
    return str(logical_id)


def _alarm_ids(synthesized) -> dict[str, str]:
    return {
        "5xx": _alarm_id(
            synthesized,
            {
                "Metrics": Match.array_with(
                    [
                        Match.object_like({"Expression": Match.string_like_regexp("errors")}),
                        Match.object_like(
                            {
                                "Id": "errors",
                                "MetricStat": Match.object_like(
                                    {"Metric": Match.object_like({"MetricName": "HTTPCode_Target_5XX_Count"})}
                                ),
                            }
                        ),
                        Match.object_like(
                            {
                                "Id": "requests",
                                "MetricStat": Match.object_like(
                                    {"Metric": Match.object_like({"MetricName": "RequestCount"})}
                                ),
                            }
                        ),
                    ]
                )
            },
        ),
        "p99": _alarm_id(synthesized, {"MetricName": "TargetResponseTime", "ExtendedStatistic": "p99"}),
        "unhealthy": _alarm_id(synthesized, {"MetricName": "UnHealthyHostCount", "Threshold": 1}),
    }


def test_alarms_watch_5xx_rate_p99_latency_and_unhealthy_hosts_and_notify_the_topic(default_service):
    topic = Capture()
    default_service.template.has_resource_properties(
        "AWS::CloudWatch::Alarm", {"MetricName": "TargetResponseTime", "AlarmActions": [{"Ref": topic}]}
    )
    assert topic.as_string() in default_service.template.find_resources("AWS::SNS::Topic")
    alarms = default_service.raw["Resources"]
    for logical_id in _alarm_ids(default_service).values():
        assert alarms[logical_id]["Properties"]["AlarmActions"] == [{"Ref": topic.as_string()}]
        assert alarms[logical_id]["Properties"]["TreatMissingData"] == "notBreaching"


def test_a_release_that_trips_an_alarm_is_rolled_back(default_service):
    alarm_names = Capture()
    default_service.template.has_resource_properties(
        "AWS::ECS::Service",
        {
            "DeploymentConfiguration": Match.object_like(
                {"Alarms": {"AlarmNames": alarm_names, "Enable": True, "Rollback": True}}
            )
        },
    )
    resources = default_service.raw["Resources"]
    alarm_ids = set(_alarm_ids(default_service).values())
    assert set(alarm_names.as_array()) == {resources[alarm_id]["Properties"]["AlarmName"] for alarm_id in alarm_ids}
    (service,) = (resource for resource in resources.values() if resource["Type"] == "AWS::ECS::Service")
    # Referred to by name, so the order is explicit: the alarms exist before the service deploys.
    assert alarm_ids <= set(service["DependsOn"])


def test_alarm_names_are_unique_per_environment(default_service, https_service):
    names = Capture()
    https_service.template.has_resource_properties(
        "AWS::ECS::Service",
        {"DeploymentConfiguration": Match.object_like({"Alarms": Match.object_like({"AlarmNames": names})})},
    )
    assert all(name.startswith("PenguinsService-production-") for name in names.as_array())
    default_service.template.has_resource_properties(
        "AWS::CloudWatch::Alarm", {"AlarmName": "PenguinsService-staging-target-5xx-rate"}
    )


def test_alarm_topic_accepts_only_tls_publishers(default_service):
    default_service.template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})]
                )
            }
        },
    )


def test_e_mail_subscription_only_when_an_address_is_given(default_service, https_service):
    assert default_service.template.find_resources("AWS::SNS::Subscription") == {}
    https_service.template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "oncall@example.com"}
    )
