"""The canary gate: a real deploy process and a real service behind the "test listener"; the AWS APIs are
botocore's own stubs, which check every request against the service model."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from app.bundle import write_metadata
from cicd import canary_gate
from cicd.canary_gate import Canary, PausedHook, find_paused_hook, gate, judge, read_canary
from testkit.bundles import example_metadata
from testkit.project import REPOSITORY

STACK = "PenguinsService-production"
CLUSTER, SERVICE = "penguins-cluster", "penguins-service"
DEPLOYMENT = "arn:aws:ecs:eu-west-1:123456789012:service-deployment/penguins-cluster/penguins-service/abc"
HOOK = "ecs-pause-e7tK9G_WRJqNF_EOMjztDXfKenlJuEUVjsNStf4WLKw"
API_KEY = "k" * 40


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Stubber, Any, Stubber]]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    ecs = boto3.client("ecs", region_name="eu-west-1")
    cloudformation = boto3.client("cloudformation", region_name="eu-west-1")
    with Stubber(ecs) as ecs_stub, Stubber(cloudformation) as cfn_stub:
        yield ecs, ecs_stub, cloudformation, cfn_stub
        ecs_stub.assert_no_pending_responses()
        cfn_stub.assert_no_pending_responses()


def stack_outputs(**outputs: str) -> dict[str, Any]:
    return {
        "Stacks": [
            {
                "StackName": STACK,
                "CreationTime": "2026-11-29T00:00:00Z",
                "StackStatus": "UPDATE_IN_PROGRESS",
                "Outputs": [{"OutputKey": key, "OutputValue": value} for key, value in outputs.items()],
            }
        ]
    }


def in_progress(hooks: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    listed = {"serviceDeployments": [{"serviceDeploymentArn": DEPLOYMENT, "status": "IN_PROGRESS"}]}
    described = {"serviceDeployments": [{"serviceDeploymentArn": DEPLOYMENT, "lifecycleHookDetails": hooks}]}
    return listed, described


PAUSED = {"hookId": HOOK, "targetType": "PAUSE", "status": "AWAITING_ACTION", "timeoutAction": "ROLLBACK"}
CANARY = Canary(cluster=CLUSTER, service=SERVICE, test_url="http://127.0.0.1:9000", api_key_secret_arn=None)


def test_the_canary_is_read_from_the_stack_outputs(aws) -> None:
    _, _, cloudformation, stub = aws
    outputs = {"ClusterName": CLUSTER, "ServiceName": SERVICE, "TestUrl": "https://api.example.com:9000"}
    stub.add_response("describe_stacks", stack_outputs(**outputs, ApiKeySecretArn="arn:secret"), {"StackName": STACK})
    stub.add_response("describe_stacks", stack_outputs(ClusterName=CLUSTER, ServiceName=SERVICE), {"StackName": STACK})
    stub.add_client_error("describe_stacks", "ValidationError", f"Stack with id {STACK} does not exist")

    assert read_canary(cloudformation, STACK) == Canary(CLUSTER, SERVICE, "https://api.example.com:9000", "arn:secret")
    assert read_canary(cloudformation, STACK) is None  # a rolling service: no test listener
    assert read_canary(cloudformation, STACK) is None  # a first deploy: no stack yet


def test_only_a_pause_hook_awaiting_action_is_a_release_to_judge(aws) -> None:
    ecs, stub, _, _ = aws
    request = {"cluster": CLUSTER, "service": SERVICE, "status": ["IN_PROGRESS"]}
    stub.add_response("list_service_deployments", {"serviceDeployments": []}, request)
    for hooks in ([{**PAUSED, "status": "SUCCEEDED"}], [{**PAUSED, "targetType": "AWS_LAMBDA"}], [PAUSED]):
        listed, described = in_progress(hooks)
        stub.add_response("list_service_deployments", listed, request)
        stub.add_response("describe_service_deployments", described, {"serviceDeploymentArns": [DEPLOYMENT]})

    assert find_paused_hook(ecs, CANARY) is None  # nothing deploying
    assert find_paused_hook(ecs, CANARY) is None  # already answered
    assert find_paused_hook(ecs, CANARY) is None  # not a pause
    assert find_paused_hook(ecs, CANARY) == PausedHook(DEPLOYMENT, HOOK)


@pytest.mark.parametrize(("problems", "action"), [([], "CONTINUE"), (["golden record 0: expected ..."], "ROLLBACK")])
def test_a_passed_smoke_test_continues_the_release_and_a_failed_one_rolls_it_back(aws, problems, action) -> None:
    ecs, stub, _, _ = aws
    stub.add_response(
        "continue_service_deployment",
        {"serviceDeploymentArn": DEPLOYMENT},
        {"serviceDeploymentArn": DEPLOYMENT, "hookId": HOOK, "action": action},
    )
    assert judge(ecs, PausedHook(DEPLOYMENT, HOOK), problems) == action


def held_deploy(exit_code: int = 0) -> subprocess.Popen[bytes]:
    """A deploy that lasts until its stdin closes: it runs for as long as the test needs it to."""
    return subprocess.Popen(
        [sys.executable, "-c", f"import sys; sys.stdin.read(); sys.exit({exit_code})"], stdin=subprocess.PIPE
    )


def releasing(deploy: subprocess.Popen[bytes], smoke: Callable[[Canary], list[str]]) -> Callable[[Canary], list[str]]:
    def run(canary: Canary) -> list[str]:
        try:
            return smoke(canary)
        finally:
            assert deploy.stdin is not None
            deploy.stdin.close()  # the deploy ends once the release was judged

    return run


def expect_one_paused_release(stub: Stubber, action: str) -> None:
    listed, described = in_progress([PAUSED])
    stub.add_response("list_service_deployments", listed)
    stub.add_response("describe_service_deployments", described)
    stub.add_response(
        "continue_service_deployment",
        {"serviceDeploymentArn": DEPLOYMENT},
        {"serviceDeploymentArn": DEPLOYMENT, "hookId": HOOK, "action": action},
    )


@pytest.fixture
def served_model(tmp_path: Path) -> Path:
    return Path(shutil.copytree(REPOSITORY / "serving/app/model", tmp_path / "model"))


@pytest.mark.slow
def test_a_release_whose_new_tasks_serve_the_expected_model_is_continued(aws, serve, served_model, capsys) -> None:
    ecs, stub, _, _ = aws
    expect_one_paused_release(stub, "CONTINUE")
    deploy = held_deploy()
    with serve(served_model, api_key=API_KEY) as url:
        canary = Canary(CLUSTER, SERVICE, url, api_key_secret_arn=None)
        code, verdicts = gate(
            deploy,
            canary_of=lambda: canary,
            ecs=ecs,
            smoke=releasing(
                deploy,
                lambda c: canary_gate.smoke_test_canary(
                    c, model_dir=served_model, health_timeout=60, env={"SMOKE_TEST_API_KEY": API_KEY}
                ),
            ),
            poll_seconds=5,
        )

    assert (code, verdicts) == (0, ["CONTINUE"])
    assert f"canary gate: {url}: 0 problem(s); CONTINUE" in capsys.readouterr().out


@pytest.mark.slow
def test_a_release_serving_another_model_is_rolled_back_and_fails_the_deploy(
    aws, serve, served_model, tmp_path, capsys
) -> None:
    ecs, stub, _, _ = aws
    expect_one_paused_release(stub, "ROLLBACK")
    expected = tmp_path / "expected"
    write_metadata(expected, example_metadata())
    deploy = held_deploy(exit_code=0)
    with serve(served_model) as url:
        code, verdicts = gate(
            deploy,
            canary_of=lambda: Canary(CLUSTER, SERVICE, url, api_key_secret_arn=None),
            ecs=ecs,
            smoke=releasing(
                deploy, lambda c: canary_gate.smoke_test_canary(c, model_dir=expected, health_timeout=60, env={})
            ),
            poll_seconds=5,
        )

    assert (code, verdicts) == (1, ["ROLLBACK"])
    assert "the metadata describes 0123456789ab" in capsys.readouterr().out


def test_without_a_canary_the_deploy_runs_alone_and_its_status_is_kept(aws) -> None:
    ecs, _, _, _ = aws
    deploy = subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(3)"])
    assert gate(deploy, canary_of=lambda: None, ecs=ecs, smoke=lambda c: [], poll_seconds=5) == (3, [])


def test_an_aws_error_stops_the_watch_but_not_the_deploy(aws, capsys) -> None:
    ecs, stub, _, _ = aws
    stub.add_client_error("list_service_deployments", "AccessDeniedException", "not authorized")
    deploy = held_deploy(exit_code=0)

    def canary_then_release() -> Canary:
        assert deploy.stdin is not None
        deploy.stdin.close()
        return CANARY

    assert gate(deploy, canary_of=canary_then_release, ecs=ecs, smoke=lambda c: [], poll_seconds=0.5) == (0, [])
    assert "canary gate: stopped watching, the release will not be continued" in capsys.readouterr().out


def test_the_deploy_command_is_required(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        canary_gate.main(["--stack", STACK])
    assert exited.value.code == 2
    assert "give the deploy command after --" in capsys.readouterr().err


def test_without_a_region_nothing_is_deployed_and_one_line_says_why(monkeypatch, tmp_path, capsys) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    marker = tmp_path / "deployed"

    code = canary_gate.main(["--stack", STACK, "--", sys.executable, "-c", f"open({str(marker)!r}, 'w')"])

    assert code == 2
    assert capsys.readouterr().err == "error: You must specify a region. (set AWS_REGION or --region)\n"
    assert not marker.exists()
