import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

_PERIOD = cdk.Duration.minutes(1)
MAX_P99_LATENCY = cdk.Duration.seconds(1)


class Monitoring(Construct):
    """Alarms on what users see (5xx rate, p99 latency, unhealthy targets), published to an SNS topic.

    The same alarms gate ECS deployments, by `alarm_names`: literal names, because a Ref from the
    service to its alarms is what CDK warns may become a dependency cycle.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        target_group: elbv2.ApplicationTargetGroup,
        alarm_email: str | None = None,
        max_5xx_percent: float = 5.0,
        max_p99_latency: cdk.Duration = MAX_P99_LATENCY,
        min_requests_for_error_rate: int = 10,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(self, "Alarms", enforce_ssl=True)
        if alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        # The stack name keeps the alarm names unique per environment.
        prefix = cdk.Stack.of(self).stack_name
        self.alarm_names = [f"{prefix}-target-5xx-rate", f"{prefix}-p99-latency", f"{prefix}-unhealthy-hosts"]
        error_rate_name, latency_name, unhealthy_name = self.alarm_names
        self.alarms = [
            self._error_rate_alarm(error_rate_name, target_group, max_5xx_percent, min_requests_for_error_rate),
            self._latency_alarm(latency_name, target_group, max_p99_latency),
            self._unhealthy_hosts_alarm(unhealthy_name, target_group),
        ]
        action = cloudwatch_actions.SnsAction(self.topic)
        for alarm in self.alarms:
            alarm.add_alarm_action(action)
            alarm.add_ok_action(action)
        self._acknowledge_findings()

    def _error_rate_alarm(
        self, name: str, target_group: elbv2.ApplicationTargetGroup, max_percent: float, min_requests: int
    ) -> cloudwatch.Alarm:
        metrics = target_group.metrics
        rate = cloudwatch.MathExpression(
            # A handful of requests makes a rate meaningless (1 error in 2 is 50 %): require a minimum volume.
            expression=f"IF(requests >= {min_requests}, 100 * FILL(errors, 0) / requests, 0)",
            using_metrics={
                "errors": metrics.http_code_target(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=_PERIOD),
                "requests": metrics.request_count(period=_PERIOD),
            },
            label="Target 5xx rate (%)",
            period=_PERIOD,
        )
        return rate.create_alarm(
            self,
            "Target5xxRate",
            alarm_name=name,
            alarm_description=f"More than {max_percent} % of requests answered 5xx by the service",
            threshold=max_percent,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=3,
            datapoints_to_alarm=2,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )

    def _latency_alarm(
        self, name: str, target_group: elbv2.ApplicationTargetGroup, max_p99: cdk.Duration
    ) -> cloudwatch.Alarm:
        latency = target_group.metrics.target_response_time(statistic="p99", period=_PERIOD)
        return latency.create_alarm(
            self,
            "P99Latency",
            alarm_name=name,
            alarm_description=f"p99 target response time above {max_p99.to_seconds()} s",
            threshold=max_p99.to_seconds(),
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=3,
            datapoints_to_alarm=2,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )

    def _unhealthy_hosts_alarm(self, name: str, target_group: elbv2.ApplicationTargetGroup) -> cloudwatch.Alarm:
        unhealthy = target_group.metrics.unhealthy_host_count(statistic="Maximum", period=_PERIOD)
        return unhealthy.create_alarm(
            self,
            "UnhealthyHosts",
            alarm_name=name,
            alarm_description="At least one task fails the load balancer health check",
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=2,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )

    def _acknowledge_findings(self) -> None:
        cdk.Validations.of(self.topic).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions-SNS2",
                reason=(
                    "The topic carries only alarm state changes (names, thresholds), no data. "
                    "CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, "
                    "and a customer-managed key would add a monthly charge for no protected content."
                ),
            )
        )
