"""Deploy, and smoke-test a canary release where ECS pauses it, before it takes any production traffic.

    python -m cicd.canary_gate --stack PenguinsService-production -- make deploy-service SERVICE_ENVIRONMENT=production

Runs the deploy command. Meanwhile, once the stack has a TestUrl output (a canary service), it watches
the ECS service the stack names for a deployment waiting at a PAUSE lifecycle hook: the test listener
then reaches the new revision's tasks alone. It runs the smoke test there (cicd.smoke_test: the golden
records of serving/app/model), then continues the deployment when it passed and rolls it back when it
failed. A stack without a canary, or a deploy that starts no ECS deployment, is simply deployed.
Exit status: the deploy command's; 1 when the gate rolled the release back; 2 when it could not run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from cicd import _github, cdk_outputs, smoke_test
from cicd.errors import CicdError

POLL_SECONDS = 15.0
CONTINUE, ROLLBACK = "CONTINUE", "ROLLBACK"


@dataclass(frozen=True)
class Canary:
    """Where a paused release is found and where its new tasks answer (the stack's outputs)."""

    cluster: str
    service: str
    test_url: str
    api_key_secret_arn: str | None


@dataclass(frozen=True)
class PausedHook:
    deployment_arn: str
    hook_id: str


def read_canary(cloudformation: Any, stack: str) -> Canary | None:
    """The stack's canary outputs; None while the stack does not exist yet, or when it has no test listener."""
    from botocore.exceptions import ClientError

    try:
        (found,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    outputs = {output["OutputKey"]: output["OutputValue"] for output in found.get("Outputs", [])}
    if "TestUrl" not in outputs:
        return None
    return Canary(
        cluster=outputs["ClusterName"],
        service=outputs["ServiceName"],
        test_url=outputs["TestUrl"],
        api_key_secret_arn=outputs.get(cdk_outputs.API_KEY_OUTPUT),
    )


def find_paused_hook(ecs: Any, canary: Canary) -> PausedHook | None:
    """A PAUSE hook awaiting action on an in-progress deployment of the service, if there is one."""
    listed = ecs.list_service_deployments(cluster=canary.cluster, service=canary.service, status=["IN_PROGRESS"])
    arns = [brief["serviceDeploymentArn"] for brief in listed.get("serviceDeployments", [])]
    if not arns:
        return None
    for deployment in ecs.describe_service_deployments(serviceDeploymentArns=arns)["serviceDeployments"]:
        for hook in deployment.get("lifecycleHookDetails", []):
            if hook.get("targetType") == "PAUSE" and hook.get("status") == "AWAITING_ACTION":
                return PausedHook(deployment["serviceDeploymentArn"], hook["hookId"])
    return None


def judge(ecs: Any, hook: PausedHook, problems: Sequence[str]) -> str:
    """Continue the paused deployment when the smoke test found nothing, roll it back otherwise."""
    action = ROLLBACK if problems else CONTINUE
    ecs.continue_service_deployment(serviceDeploymentArn=hook.deployment_arn, hookId=hook.hook_id, action=action)
    return action


def gate(
    deploy: subprocess.Popen[bytes],
    *,
    canary_of: Callable[[], Canary | None],
    ecs: Any,
    smoke: Callable[[Canary], list[str]],
    poll_seconds: float = POLL_SECONDS,
) -> tuple[int, list[str]]:
    """Answer every paused release while the deploy runs; its exit status (1 after a rollback) and the verdicts."""
    from botocore.exceptions import BotoCoreError, ClientError

    verdicts: list[str] = []
    answered: set[str] = set()
    canary: Canary | None = None
    watching = True
    while True:
        try:
            # The deploy ending is the event waited for; between polls, ECS is asked about its deployments.
            code = deploy.wait(timeout=poll_seconds)
            return (1 if code == 0 and ROLLBACK in verdicts else code), verdicts
        except subprocess.TimeoutExpired:
            pass
        if not watching:
            continue
        try:
            canary = canary or canary_of()
            hook = find_paused_hook(ecs, canary) if canary else None
            if canary and hook and hook.hook_id not in answered:
                verdicts.append(_answer(ecs, canary, hook, smoke))
                answered.add(hook.hook_id)
        except (BotoCoreError, ClientError, CicdError) as exc:
            # Failing safe: unanswered, the pause times out into a rollback, and the deploy fails with it.
            print(f"canary gate: stopped watching, the release will not be continued: {exc}", flush=True)
            watching = False


def _answer(ecs: Any, canary: Canary, hook: PausedHook, smoke: Callable[[Canary], list[str]]) -> str:
    problems = smoke(canary)
    for problem in problems:
        print(f"  {problem}", flush=True)
    action = judge(ecs, hook, problems)
    print(f"canary gate: {canary.test_url}: {len(problems)} problem(s); {action}", flush=True)
    return action


def smoke_test_canary(canary: Canary, *, model_dir: Path, health_timeout: float, env: dict[str, str]) -> list[str]:
    """The deploy workflow's smoke test, against the test listener: only the new revision answers there."""
    try:
        expected = smoke_test.load_expected(model_dir)
        api_key = env.get(smoke_test.API_KEY_ENV) or (
            cdk_outputs.read_secret(canary.api_key_secret_arn) if canary.api_key_secret_arn else None
        )
        if api_key and env.get("GITHUB_ACTIONS") == "true":
            print(_github.mask(api_key), flush=True)
        headers = {smoke_test.API_KEY_HEADER: api_key} if api_key else {}
        with httpx.Client(base_url=canary.test_url, headers=headers, timeout=10.0) as client:
            return smoke_test.smoke_test(client, expected, tolerance=expected.tolerance, health_timeout=health_timeout)
    except (smoke_test.ServiceNotHealthyError, httpx.HTTPError, CicdError) as exc:
        return [f"{type(exc).__name__}: {exc}"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Deploy, smoke-testing a paused canary release before it proceeds.")
    parser.add_argument("--stack", required=True, help="the service stack, e.g. PenguinsService-production")
    parser.add_argument("--region", default=os.environ.get("AWS_REGION"), help="default: AWS_REGION")
    parser.add_argument("--model-dir", type=Path, default=smoke_test.MODEL_DIR)
    parser.add_argument("--health-timeout", type=float, default=smoke_test.DEFAULT_HEALTH_TIMEOUT, help="seconds")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- the deploy command")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the deploy command after --")
    import boto3
    from botocore.exceptions import BotoCoreError

    try:
        cloudformation = boto3.client("cloudformation", region_name=args.region)
        ecs = boto3.client("ecs", region_name=args.region)
    except BotoCoreError as exc:
        print(f"error: {exc} (set AWS_REGION or --region)", file=sys.stderr)
        return 2
    try:
        env = dict(os.environ)
        deploy = subprocess.Popen(command)  # noqa: S603 - the caller's own deploy command
        code, _ = gate(
            deploy,
            canary_of=lambda: read_canary(cloudformation, args.stack),
            ecs=ecs,
            smoke=lambda canary: smoke_test_canary(
                canary, model_dir=args.model_dir, health_timeout=args.health_timeout, env=env
            ),
        )
    except CicdError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
