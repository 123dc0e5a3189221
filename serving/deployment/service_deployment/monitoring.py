from collections.abc import Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

PERIOD = cdk.Duration.minutes(1)
MAX_P99_LATENCY = cdk.Duration.seconds(1)
MAX_5XX_PERCENT = 5.0
# A handful of requests makes a rate meaningless (1 error in 2 is 50 %): a rate needs this many a minute.
MIN_REQUESTS_FOR_ERROR_RATE = 10


@dataclass(frozen=True, kw_only=True)
class Watch:
    """One alarm: what it watches, when it fires (2 of the last 3 one-minute periods by default)."""

    name: str  # appended to the stack name: the alarm's name
    construct_id: str
    metric: cloudwatch.IMetric
    threshold: float
    description: str
    comparison: cloudwatch.ComparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
    evaluation_periods: int = 3
    datapoints_to_alarm: int = 2


def error_rate(
    errors: cloudwatch.IMetric, requests: cloudwatch.IMetric, *, label: str, suffix: str = ""
) -> cloudwatch.MathExpression:
    """Percent of requests answered 5xx in each period; 0 below MIN_REQUESTS_FOR_ERROR_RATE requests.

    `suffix` keeps the metric ids unique when several rates are combined in one expression."""
    e, r = f"errors{suffix}", f"requests{suffix}"
    return cloudwatch.MathExpression(
        expression=f"IF({r} >= {MIN_REQUESTS_FOR_ERROR_RATE}, 100 * FILL({e}, 0) / {r}, 0)",
        using_metrics={e: errors, r: requests},
        label=label,
        period=PERIOD,
    )


class Monitoring(Construct):
    """Alarms on what users see, each published to one SNS topic when it fires and when it clears.

    The watches come from the compute behind the endpoint (`load_balancer.py`, `lambda_service.py`).
    `alarm_names` are literal, so that ECS can roll a deployment back on them by name: a Ref from the
    service to its alarms is what CDK warns may become a dependency cycle.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, watches: Sequence[Watch], alarm_email: str | None = None
    ) -> None:
        super().__init__(scope, construct_id)
        if not watches:
            raise ValueError("monitoring needs at least one watch")
        self.topic = sns.Topic(self, "Alarms", enforce_ssl=True)
        if alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        # The stack name keeps the alarm names unique per environment.
        prefix = cdk.Stack.of(self).stack_name
        self.alarm_names = [f"{prefix}-{watch.name}" for watch in watches]
        self.alarms = [self._alarm(watch, f"{prefix}-{watch.name}") for watch in watches]
        action = cloudwatch_actions.SnsAction(self.topic)
        for alarm in self.alarms:
            alarm.add_alarm_action(action)
            alarm.add_ok_action(action)
        self._acknowledge_findings()

    def _alarm(self, watch: Watch, name: str) -> cloudwatch.Alarm:
        return cloudwatch.Alarm(
            self,
            watch.construct_id,
            metric=watch.metric,
            alarm_name=name,
            alarm_description=watch.description,
            threshold=watch.threshold,
            comparison_operator=watch.comparison,
            evaluation_periods=watch.evaluation_periods,
            datapoints_to_alarm=watch.datapoints_to_alarm,
            # No traffic is no evidence of a fault; each watch's metric is sparse when idle.
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
