"""What the alarms watch, for each kind of compute behind the endpoint: the same three questions each time.

Are requests failing (5xx rate)? Are they slow (p99)? Is capacity missing (unhealthy targets, or
throttled invocations)?
"""

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_lambda as lambda_

from .monitoring import MAX_5XX_PERCENT, MAX_P99_LATENCY, PERIOD, Watch, error_rate


def target_group_watches(
    target_groups: Sequence[elbv2.ApplicationTargetGroup],
    *,
    max_5xx_percent: float = MAX_5XX_PERCENT,
    max_p99_latency: cdk.Duration = MAX_P99_LATENCY,
) -> list[Watch]:
    """The load balancer's view of each target group; with two (blue and green), the worse of them.

    Each group is measured on its own traffic: a canary with 10 % of the requests that fails every one
    of them is a 100 % error rate on its group, where the whole balancer would see only 10 %.
    """
    several = len(target_groups) > 1
    rates = [
        error_rate(
            group.metrics.http_code_target(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=PERIOD),
            group.metrics.request_count(period=PERIOD),
            label=f"Target 5xx rate (%), group {index}" if several else "Target 5xx rate (%)",
            suffix=str(index) if several else "",
        )
        for index, group in enumerate(target_groups)
    ]
    latencies = [group.metrics.target_response_time(statistic="p99", period=PERIOD) for group in target_groups]
    unhealthy = [group.metrics.unhealthy_host_count(statistic="Maximum", period=PERIOD) for group in target_groups]
    return [
        Watch(
            name="target-5xx-rate",
            construct_id="Target5xxRate",
            metric=_worst(rates, "Target 5xx rate (%)"),
            threshold=max_5xx_percent,
            description=f"More than {max_5xx_percent} % of requests answered 5xx by the service",
        ),
        Watch(
            name="p99-latency",
            construct_id="P99Latency",
            metric=_worst(latencies, "p99 target response time (s)"),
            threshold=max_p99_latency.to_seconds(),
            description=f"p99 target response time above {max_p99_latency.to_seconds()} s",
        ),
        Watch(
            name="unhealthy-hosts",
            construct_id="UnhealthyHosts",
            metric=_worst(unhealthy, "Unhealthy targets"),
            threshold=1,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            description="At least one task fails the load balancer health check",
            evaluation_periods=2,
            datapoints_to_alarm=2,
        ),
    ]


def function_watches(
    function: lambda_.IFunction,
    *,
    max_5xx_percent: float = MAX_5XX_PERCENT,
    max_p99_latency: cdk.Duration = MAX_P99_LATENCY,
) -> list[Watch]:
    """A function behind its URL: 5xx answers (the app's, and failed or timed-out invocations), p99
    duration, and throttles (the reserved-concurrency cost guard turning requests away with 429)."""
    dimensions = {"FunctionName": function.function_name}

    def url_metric(name: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/Lambda", metric_name=name, dimensions_map=dimensions, statistic="Sum", period=PERIOD
        )

    return [
        Watch(
            name="url-5xx-rate",
            construct_id="Url5xxRate",
            metric=error_rate(url_metric("Url5xxCount"), url_metric("UrlRequestCount"), label="URL 5xx rate (%)"),
            threshold=max_5xx_percent,
            description=f"More than {max_5xx_percent} % of function URL requests answered 5xx",
        ),
        Watch(
            name="p99-duration",
            construct_id="P99Duration",
            # Duration leaves out the cold start (the init phase): one cold start in a quiet minute
            # would otherwise be that minute's p99. The cold start is measured by `make bench`.
            metric=function.metric_duration(statistic="p99", period=PERIOD),
            threshold=max_p99_latency.to_milliseconds(),
            description=f"p99 invocation duration above {max_p99_latency.to_milliseconds()} ms",
        ),
        Watch(
            name="throttles",
            construct_id="Throttles",
            metric=function.metric_throttles(statistic="Sum", period=PERIOD),
            threshold=1,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            description="Requests turned away: the function is at its reserved concurrency",
        ),
    ]


def _worst(metrics: Sequence[cloudwatch.IMetric], label: str) -> cloudwatch.IMetric:
    if len(metrics) == 1:
        return metrics[0]
    # MAX of one series is a single number, not a series: only several are combined.
    names = {f"m{index}": metric for index, metric in enumerate(metrics)}
    return cloudwatch.MathExpression(
        expression=f"MAX([{', '.join(names)}])", using_metrics=names, label=label, period=PERIOD
    )
