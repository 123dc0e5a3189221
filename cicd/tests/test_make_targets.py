"""make/cicd.mk, run as the workflows and developers run it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from testkit.processes import VENV_BIN
from testkit.project import REPOSITORY, run

TARGETS = (
    "lint-workflows",
    "train-guard",
    "dvc-check-remote",
    "dvc-pull",
    "dvc-push",
    "test-service",
    "pr-report",
    "metric-gate",
    "pr-comment",
    "commit-back",
    "smoke-test",
)


def make(project: Path, *args: str, check: bool = True) -> str:
    result = run(["make", "--no-print-directory", f"VENV={VENV_BIN.parent}", *args], project, check=check)
    return result.stdout + result.stderr


def test_help_lists_every_target_with_its_description() -> None:
    listed = {line.split()[0] for line in make(REPOSITORY, "help").splitlines() if line.startswith("  ")}
    assert set(TARGETS) <= listed


def test_a_missing_variable_is_named_before_anything_runs() -> None:
    output = make(REPOSITORY, "metric-gate", check=False)
    assert "BASE: set BASE=<git revision>" in output


def test_a_dvc_remote_outside_the_configured_bucket_stops_before_any_transfer() -> None:
    remote = run([str(VENV_BIN / "dvc"), "config", "remote.s3.url"], REPOSITORY).stdout.strip()
    bucket = remote.removeprefix("s3://").split("/")[0]
    assert make(REPOSITORY, "dvc-check-remote", f"DVC_BUCKET={bucket}") == ""
    assert make(REPOSITORY, "dvc-check-remote") == ""  # the variable is optional
    output = make(REPOSITORY, "dvc-pull", "DVC_BUCKET=another-bucket", check=False)
    assert output.startswith(
        f"error: the DVC remote 's3' is {remote}, but DVC_BUCKET is another-bucket; make .dvc/config and the "
        "repository variable agree"
    )


@pytest.mark.slow
def test_lint_workflows_passes_on_the_repository() -> None:
    output = make(REPOSITORY, "lint-workflows")
    assert "ok -- validation done" in output
    assert "No findings to report." in output


@pytest.fixture
def workflows_copy(tmp_path: Path) -> Path:
    """The make targets, scripts and workflows in a throw-away git repository."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("Makefile", "Pipfile.lock"):
        shutil.copy2(REPOSITORY / name, project / name)
    for tree in ("make", ".github", "cicd"):
        shutil.copytree(REPOSITORY / tree, project / tree, ignore=shutil.ignore_patterns("tests", "__pycache__", "out"))
    run(["git", "init", "--quiet"], project)
    return project


def test_a_branch_name_is_never_run_as_shell_code(workflows_copy: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    branch = f"BRANCH=$$(touch${{IFS}}{marker})"  # make reads $$ as $; git accepts the name
    output = make(workflows_copy, "commit-back", branch, "COMMIT_BACK_PATHS=reports", check=False)
    assert "error: none of reports exists" in output
    assert not marker.exists()


@pytest.mark.slow
def test_lint_workflows_fails_on_an_action_pinned_by_tag(workflows_copy: Path) -> None:
    ci = workflows_copy / ".github/workflows/ci.yml"
    ci.write_text(ci.read_text().replace("@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2", "@v4", 1))
    output = make(workflows_copy, "lint-workflows", check=False)
    assert "unpinned-uses" in output
    assert "make: *** [make/cicd.mk" in output


@pytest.mark.slow
def test_lint_workflows_fails_on_a_workflow_github_would_reject(workflows_copy: Path) -> None:
    ci = workflows_copy / ".github/workflows/ci.yml"
    ci.write_text(ci.read_text().replace("timeout-minutes: 15", "timeout-minutes: soon"))
    output = make(workflows_copy, "lint-workflows", check=False)
    assert "Schema validation errors were encountered." in output
    assert "ci.yml::$.jobs.lint" in output


def test_every_make_target_the_readme_names_exists() -> None:
    readme = (REPOSITORY / "cicd/README.md").read_text()
    named = set(re.findall(r"(?:`|^)make ([a-z][a-z0-9-]+)", readme, flags=re.MULTILINE))
    listed = {line.split()[0] for line in make(REPOSITORY, "help").splitlines() if line.startswith("  ")}
    assert {"lint-workflows", "pr-report", "metric-gate", "smoke-test", "dvc-pull", "commit-back"} <= named
    assert named - listed == set()
