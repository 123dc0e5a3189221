"""A rehearsal of the pull-request loop, offline, with the make targets the workflows call.

A developer changes a param on a branch; the train job's steps run in a fresh checkout of that branch against
moto's S3 server (pull, repro, report, push, commit back, gate); then a fresh clone pulls the model the branch
now names, the service serves it, and the smoke test replays its golden records.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.bundle import read_metadata, write_metadata
from testkit.processes import VENV_BIN
from testkit.project import REPOSITORY, project_env, run
from testkit.s3 import S3Server

pytestmark = pytest.mark.slow

BUCKET = "cicd-rehearsal"
BRANCH = "tune-regularisation"
MODEL_DIR = "serving/app/model"
API_KEY = "rehearsal-key-0123456789"
CI_FILES = ("Makefile", "Pipfile", "Pipfile.lock")


def make(project: Path, env: dict[str, str], *args: str, check: bool = True) -> str:
    result = run(["make", "--no-print-directory", f"VENV={VENV_BIN.parent}", *args], project, env=env, check=check)
    return result.stdout + result.stderr if not check else result.stdout


def git(project: Path, *args: str) -> str:
    return run(["git", *args], project).stdout.strip()


@dataclass(frozen=True)
class Loop:
    origin: Path
    base: str  # the base branch's commit
    head: str  # the pull request's commit, before the train job
    ci: Path  # the train job's checkout
    env: dict[str, str]
    outputs: dict[str, str]  # what each make target printed, by target


@pytest.fixture(scope="module")
def loop(trained_project: Path, s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory) -> Loop:
    root = tmp_path_factory.mktemp("pr-loop")
    env = project_env(**{k: v for k, v in s3_server.env.items() if k.startswith("AWS_")})
    env.pop("GITHUB_TOKEN", None)
    dvc = str(VENV_BIN / "dvc")

    # main: the trained pipeline with the make targets and scripts, its model in the remote.
    project = root / "developer"
    shutil.copytree(trained_project, project, symlinks=True)
    for name in CI_FILES:
        shutil.copy2(REPOSITORY / name, project / name)
    shutil.copytree(REPOSITORY / "make", project / "make")
    shutil.copytree(REPOSITORY / "cicd", project / "cicd", ignore=shutil.ignore_patterns("tests", "__pycache__", "out"))
    s3_server.create_bucket(BUCKET)
    run([dvc, "remote", "modify", "s3", "url", f"s3://{BUCKET}/dvc"], project)
    run([dvc, "remote", "modify", "s3", "endpointurl", s3_server.endpoint], project)
    origin = root / "origin.git"
    run(["git", "init", "--quiet", "--bare", "--initial-branch", "main", str(origin)], root)
    run(["git", "remote", "add", "origin", str(origin)], project)
    run(["git", "add", "--all"], project)
    run(["git", "commit", "--quiet", "--message", "Trained model"], project)
    make(project, env, "dvc-push")
    run(["git", "push", "--quiet", "origin", "main"], project)
    base = git(project, "rev-parse", "HEAD")

    # The pull request: a stronger regularisation, nothing retrained by hand.
    run(["git", "checkout", "--quiet", "-b", BRANCH], project)
    params = project / "params.yaml"
    params.write_text(re.sub(r"(hyperparameters: \{C: )1\.0", r"\g<1>0.05", params.read_text()))
    run(["git", "commit", "--quiet", "--all", "--message", "Regularise more"], project)
    run(["git", "push", "--quiet", "origin", BRANCH], project)
    head = git(project, "rev-parse", "HEAD")

    # The train job: a fresh checkout of the branch's head, then the same make targets as train.yml.
    ci = root / "runner"
    run(["git", "clone", "--quiet", str(origin), str(ci)], root)
    run(["git", "checkout", "--quiet", "--detach", head], ci)
    job_env = {**env, "BASE": base, "BASE_NAME": "main", "BRANCH": BRANCH, "DVC_BUCKET": BUCKET}
    outputs = {
        "dvc-pull": make(ci, job_env, "dvc-pull", "DVC_PULL_FLAGS=--allow-missing"),
        "train": make(ci, job_env, "train"),
        "pr-report": make(ci, job_env, "pr-report"),
        "dvc-push": make(ci, job_env, "dvc-push"),
        "commit-back": make(ci, job_env, "commit-back"),
        "metric-gate": make(ci, job_env, "metric-gate"),
    }
    return Loop(origin=origin, base=base, head=head, ci=ci, env=env, outputs=outputs)


def test_the_train_job_retrains_only_what_the_param_change_touches(loop: Loop) -> None:
    trained = loop.outputs["train"]
    assert "Stage 'prepare' didn't change, skipping" in trained
    for stage in ("train", "convert", "evaluate"):
        assert f"Running stage '{stage}'" in trained


def test_the_report_compares_metrics_and_params_with_the_base_and_passes_the_gate(loop: Loop) -> None:
    report = (loop.ci / "cicd/out/pr-report.md").read_text()
    assert report.startswith("<!-- model-report -->\n")
    assert (
        "✅ **Metric gate passed: macro_f1 dropped by 0.01443 (1 → 0.98557), within the allowed 0.02 "
        "(params.yaml evaluate.gate of the base)**"
    ) in report
    assert f"compared with `main` (`{loop.base[:12]}`)" in report
    assert "| macro_f1 | 1 | 0.98557 | -0.01443 |" in report
    assert "| train.hyperparameters.C | 1 | 0.05 |" in report
    assert "| actual ╲ predicted | Adelie | Chinstrap | Gentoo |" in report
    assert (
        loop.outputs["metric-gate"]
        .strip()
        .endswith(
            "Metric gate passed: macro_f1 dropped by 0.01443 (1 → 0.98557), within the allowed 0.02 "
            "(params.yaml evaluate.gate of the base)"
        )
    )


def test_the_commit_back_lands_on_the_branch_and_does_not_train_again(loop: Loop, tmp_path: Path) -> None:
    assert loop.outputs["commit-back"].strip().endswith(f"to {BRANCH}")
    log = run(["git", "log", "--format=%an|%s", f"{loop.base}..{BRANCH}"], loop.origin).stdout.splitlines()
    assert log == [
        "github-actions[bot]|Update dvc.lock and metrics from the train workflow [skip-train]",
        "test|Regularise more",
    ]
    changed = run(["git", "diff", "--name-only", loop.head, BRANCH], loop.origin).stdout.split()
    assert changed == ["dvc.lock", "reports/metrics.json", *sorted(c for c in changed if c.startswith("reports/plots"))]

    # The workflow's next run, on the bot's commit pushed with TRAIN_PUSH_TOKEN, is skipped by the loop guard.
    run(["git", "fetch", "--quiet", "origin", BRANCH], loop.ci)
    run(["git", "checkout", "--quiet", "--detach", "FETCH_HEAD"], loop.ci)
    guard_env = {
        **loop.env,
        "HEAD_REPOSITORY": "owner/name",
        "GITHUB_REPOSITORY": "owner/name",
        "TRAIN_PUSH_ACTOR": "penguins-train[bot]",
    }
    for actor, decided in (("penguins-train[bot]", "false"), ("mallory", "true")):
        # Had a person pushed a commit with the same message, it would train: anyone can write the marker.
        outputs = tmp_path / f"outputs-{actor}"
        make(loop.ci, {**guard_env, "GITHUB_ACTOR": actor, "GITHUB_OUTPUT": str(outputs)}, "train-guard")
        assert outputs.read_text() == f"train={decided}\npublish={decided}\n", actor


def smoke_test(url: str, model_dir: Path, env: dict[str, str]) -> str:
    command = [str(VENV_BIN / "python"), "-m", "cicd.smoke_test", "--url", url, "--model-dir", str(model_dir)]
    result = run(command, REPOSITORY, env={**env, "SMOKE_TEST_API_KEY": API_KEY}, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    return result.stdout


def test_a_fresh_clone_pulls_the_new_model_and_the_service_replays_its_golden_records(
    loop: Loop, trained_project: Path, tmp_path: Path, serve: Callable[..., AbstractContextManager[str]]
) -> None:
    fresh = tmp_path / "clone"
    run(["git", "clone", "--quiet", "--branch", BRANCH, str(loop.origin), str(fresh)], tmp_path)
    make(fresh, loop.env, "dvc-pull")
    assert "Data and pipelines are up to date." in run([str(VENV_BIN / "dvc"), "status"], fresh).stdout
    pulled = read_metadata(fresh / MODEL_DIR)
    assert pulled.hyperparameters["C"] == 0.05
    base = read_metadata(trained_project / MODEL_DIR)
    assert base.model_version != pulled.model_version

    with serve(fresh / MODEL_DIR, api_key=API_KEY) as url:
        passed = make(fresh, {**loop.env, "SMOKE_TEST_API_KEY": API_KEY}, "smoke-test", f"URL={url}")
        assert passed.strip().endswith(
            f"smoke test passed: {url} serves model {pulled.model_version}; 20 golden records matched via "
            "/predict and /predict/batch within 1e-05"
        )

        without_key = make(fresh, loop.env, "smoke-test", f"URL={url}", check=False)
        assert f"smoke test failed: {url}: 2 problem(s)" in without_key
        assert "  golden record 0: POST /predict answered 401: " in without_key

        # The base branch's model, expected of a service that serves the pull request's.
        assert smoke_test(url, trained_project / MODEL_DIR, loop.env) == (
            f"smoke test failed: {url}: 1 problem(s)\n"
            f"  GET /health: the service serves model {pulled.model_version}, "
            f"the metadata describes {base.model_version}\n"
        )
        # Even under the right version, the base model's golden records do not come back.
        write_metadata(tmp_path / "relabelled", base.model_copy(update={"model_version": pulled.model_version}))
        lines = smoke_test(url, tmp_path / "relabelled", loop.env).splitlines()
        assert lines[0] == f"smoke test failed: {url}: {len(lines) - 1} problem(s)"
        assert lines[1].startswith("  golden record 0 via /predict: probabilities differ by up to ")
        assert any(line.startswith("  golden record 19 via /predict/batch: ") for line in lines)
