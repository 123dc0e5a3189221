"""The workflows' intent, read from their YAML: what runs when, with which rights, calling which make targets."""

from __future__ import annotations

import re
import shlex
from functools import cache
from typing import Any

import pytest
import yaml

from testkit.project import REPOSITORY, run

WORKFLOWS = REPOSITORY / ".github/workflows"
NAMES = ("ci.yml", "train.yml", "deploy.yml", "nightly.yml")
PINNED = re.compile(r"^\s*(?:-\s+)?uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")


@cache
def workflow(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as True.
    document["on"] = document.pop(True)
    return document


def steps(name: str, job: str) -> list[dict[str, Any]]:
    return list(workflow(name)["jobs"][job]["steps"])


def all_steps() -> list[tuple[str, dict[str, Any]]]:
    return [(name, step) for name in NAMES for job in workflow(name)["jobs"].values() for step in job["steps"]]


def make_command(step: dict[str, Any]) -> list[str]:
    return shlex.split(step.get("run", ""))


def index_of(name: str, job: str, target: str) -> int:
    matches = [i for i, step in enumerate(steps(name, job)) if make_command(step)[1:2] == [target]]
    assert len(matches) == 1, f"{name} {job}: `make {target}` appears {len(matches)} times"
    return matches[0]


@cache
def documented_targets() -> frozenset[str]:
    output = run(["make", "--no-print-directory", "help"], REPOSITORY).stdout
    return frozenset(line.split()[0] for line in output.splitlines() if line.startswith("  "))


def test_the_four_workflows_exist_and_nothing_else() -> None:
    assert sorted(path.name for path in WORKFLOWS.iterdir()) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_every_action_is_pinned_by_commit_sha_with_its_version(name: str) -> None:
    lines = [line for line in (WORKFLOWS / name).read_text().splitlines() if "uses:" in line]
    assert lines
    assert [line for line in lines if not PINNED.match(line)] == []


@pytest.mark.parametrize("name", NAMES)
def test_no_rights_by_default_and_every_job_names_its_own_and_a_timeout(name: str) -> None:
    document = workflow(name)
    assert document["permissions"] == {}
    for job_name, job in document["jobs"].items():
        assert isinstance(job.get("permissions"), dict), job_name
        assert job["permissions"], job_name
        assert 0 < job["timeout-minutes"] <= 60, job_name


def test_every_run_step_is_a_documented_make_target() -> None:
    for name, step in all_steps():
        if "run" not in step:
            continue
        command = make_command(step)
        assert command[:1] == ["make"], f"{name}: {step['run']!r} is not a make target"
        assert command[1] in documented_targets(), f"{name}: make {command[1]} is not listed by `make help`"
        assert all("=" in word for word in command[2:]), f"{name}: {step['run']!r}"


def test_no_expression_is_pasted_into_a_shell_command() -> None:
    # Branch names and titles come from the pull request: they reach scripts as environment values only.
    assert [step["run"] for _, step in all_steps() if "${{" in step.get("run", "")] == []


def test_no_checkout_leaves_the_token_in_the_git_config() -> None:
    checkouts = [step for _, step in all_steps() if step.get("uses", "").startswith("actions/checkout@")]
    assert len(checkouts) == 7
    assert all(step["with"]["persist-credentials"] is False for step in checkouts)


def test_ci_lints_and_tests_pull_requests_and_main_with_the_developer_targets() -> None:
    document = workflow("ci.yml")
    assert document["on"] == {"pull_request": None, "push": {"branches": ["main"]}}
    assert [step["run"] for step in steps("ci.yml", "lint") if "run" in step] == [
        "make setup-development-pipenv",
        "make lint",
    ]
    assert [step["run"] for step in steps("ci.yml", "test") if "run" in step] == [
        "make setup-development-pipenv",
        "make test",
    ]
    assert all(job["permissions"] == {"contents": "read"} for job in document["jobs"].values())


def test_nightly_fuzzes_deeply_and_benchmarks_on_a_schedule() -> None:
    document = workflow("nightly.yml")
    assert set(document["on"]) == {"schedule", "workflow_dispatch"}
    assert [step["run"] for step in steps("nightly.yml", "fuzz") if "run" in step][-1] == "make fuzz"
    assert [step["run"] for step in steps("nightly.yml", "bench") if "run" in step][-1] == "make bench"
    assert all(job["permissions"] == {"contents": "read"} for job in document["jobs"].values())


def test_training_runs_on_pull_requests_that_touch_the_pipeline_its_data_or_its_model() -> None:
    trigger = workflow("train.yml")["on"]
    assert list(trigger) == ["pull_request"]
    assert sorted(trigger["pull_request"]) == ["paths"]
    assert sorted(trigger["pull_request"]["paths"]) == sorted(
        [
            "training/**",
            "params.yaml",
            "dvc.yaml",
            "dvc.lock",
            # Data in git, and the .dvc file of data added or imported with DVC, in any folder.
            "data/**",
            "**.dvc",
            # A pretrained Pipeline (train.pretrained), and the contract every stage writes through.
            "models/**",
            "serving/app/bundle.py",
        ]
    )


@pytest.mark.parametrize(
    ("changed", "trains"),
    [
        ("data/raw/houses.csv.dvc", True),
        ("houses.csv.dvc", True),
        ("datasets/2026/houses.parquet.dvc", True),
        ("data/raw/penguins.csv", True),
        ("models/pipeline.joblib.dvc", True),
        ("training/stages/train.py", True),
        ("serving/app/bundle.py", True),
        ("serving/app/main.py", False),
        ("README.md", False),
        ("cicd/metric_gate.py", False),
    ],
)
def test_the_paths_filter_matches_what_retrains(changed: str, trains: bool) -> None:
    # GitHub's filter patterns: `**` matches any characters, `/` included; `*` any but `/`.
    patterns = workflow("train.yml")["on"]["pull_request"]["paths"]
    assert any(re.fullmatch(_glob(pattern), changed) for pattern in patterns) is trains


def _glob(pattern: str) -> str:
    return "".join(
        ".*" if part == "**" else "[^/]*" if part == "*" else re.escape(part)
        for part in re.split(r"(\*\*|\*)", pattern)
    )


def test_the_loop_guard_decides_before_the_training_job_starts() -> None:
    train = workflow("train.yml")["jobs"]["train"]
    assert train["needs"] == "guard"
    assert train["if"] == "needs.guard.outputs.train == 'true'"
    guard = workflow("train.yml")["jobs"]["guard"]
    assert guard["outputs"] == {"train": "${{ steps.guard.outputs.train }}"}
    assert guard["permissions"] == {"contents": "read"}
    for job in ("guard", "train"):
        step = steps("train.yml", job)[index_of("train.yml", job, "train-guard")]
        assert step["env"]["HEAD_REPOSITORY"] == "${{ github.event.pull_request.head.repo.full_name }}"
        # Set by an administrator, unlike a commit message: only this actor's [skip-train] is honoured.
        assert step["env"]["TRAIN_PUSH_ACTOR"] == "${{ vars.TRAIN_PUSH_ACTOR }}"


def test_the_report_comment_is_looked_for_under_the_identity_its_token_acts_as() -> None:
    step = steps("train.yml", "train")[index_of("train.yml", "train", "pr-comment")]
    assert step["env"]["GITHUB_TOKEN"] == "${{ github.token }}"
    assert step["env"]["PR_COMMENT_AUTHOR"] == "github-actions[bot]"


def test_the_training_job_publishes_only_when_allowed_and_always_trains_tests_and_gates() -> None:
    job = workflow("train.yml")["jobs"]["train"]
    assert job["permissions"] == {"contents": "write", "pull-requests": "write", "id-token": "write"}
    publish = "steps.scope.outputs.publish == 'true'"
    oidc = [step for step in job["steps"] if step.get("uses", "").startswith("aws-actions/configure-aws-credentials@")]
    assert [step.get("if") for step in oidc] == [publish]
    assert oidc[0]["with"]["role-to-assume"] == "${{ vars.AWS_PULL_REQUEST_ROLE_ARN }}"
    for target in ("dvc-pull", "dvc-push", "commit-back", "pr-comment"):
        assert job["steps"][index_of("train.yml", "train", target)].get("if") == publish, target
    for target in ("train-guard", "train", "test-service", "pr-report", "metric-gate"):
        assert "if" not in job["steps"][index_of("train.yml", "train", target)], target
    order = [index_of("train.yml", "train", target) for target in ("train-guard", "dvc-pull", "train", "test-service")]
    order += [index_of("train.yml", "train", target) for target in ("pr-report", "dvc-push", "commit-back")]
    assert order == sorted(order)
    # The gate comes last, so that a failing model is still pushed, committed and reported.
    assert index_of("train.yml", "train", "metric-gate") == len(job["steps"]) - 1


def test_the_training_job_works_on_the_branch_head_against_the_base() -> None:
    checkout = steps("train.yml", "train")[0]
    assert checkout["with"]["ref"] == "${{ github.event.pull_request.head.sha }}"
    assert checkout["with"]["fetch-depth"] == 0
    for target in ("pr-report", "metric-gate"):
        env = steps("train.yml", "train")[index_of("train.yml", "train", target)]["env"]
        assert env["BASE"] == "${{ github.event.pull_request.base.sha }}"
    commit = steps("train.yml", "train")[index_of("train.yml", "train", "commit-back")]
    assert commit["env"]["BRANCH"] == "${{ github.event.pull_request.head.ref }}"


def test_every_dvc_transfer_checks_the_bucket_variable() -> None:
    transfers = [step for _, step in all_steps() if make_command(step)[1:2] in (["dvc-pull"], ["dvc-push"])]
    assert len(transfers) == 3
    assert all(step["env"] == {"DVC_BUCKET": "${{ vars.DVC_BUCKET }}"} for step in transfers)


def test_pipenv_and_dvc_are_cached_where_nothing_is_deployed() -> None:
    for name, job in (("ci.yml", "test"), ("train.yml", "train")):
        cached = [
            step["with"]["path"] for step in steps(name, job) if step.get("uses", "").startswith("actions/cache@")
        ]
        assert cached == [".venv\n~/.cache/pip\n", ".dvc/cache"], name
    assert not [step for step in steps("deploy.yml", "deploy") if step.get("uses", "").startswith("actions/cache@")]


def test_deploy_runs_one_at_a_time_in_production_and_smoke_tests_what_it_deployed() -> None:
    document = workflow("deploy.yml")
    assert document["on"]["push"] == {"branches": ["main"]}
    assert document["concurrency"] == {"group": "deploy-production", "cancel-in-progress": False}
    job = document["jobs"]["deploy"]
    assert job["environment"]["name"] == "production"
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    oidc = [step for step in job["steps"] if step.get("uses", "").startswith("aws-actions/configure-aws-credentials@")]
    assert oidc[0]["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
    order = [index_of("deploy.yml", "deploy", target) for target in ("dvc-pull", "deploy-service-gated", "smoke-test")]
    assert order == sorted(order)
    deploy = job["steps"][order[1]]
    # The gate runs `make deploy-service` and smoke-tests a canary release before it takes traffic.
    assert make_command(deploy) == ["make", "deploy-service-gated", "SERVICE_ENVIRONMENT=production"]
