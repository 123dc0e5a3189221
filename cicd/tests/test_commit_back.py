from __future__ import annotations

import base64
from pathlib import Path

import pytest

from cicd import commit_back as module
from cicd.commit_back import BOT_EMAIL, BOT_NAME, auth_env, commit_back
from cicd.errors import CicdError
from testkit.project import project_env, run

BRANCH = "feature/tune-c"


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A checkout of a pull request's branch, as the train job has it: detached at the head, origin a bare repo."""
    origin, work = tmp_path / "origin.git", tmp_path / "work"
    run(["git", "init", "--quiet", "--bare", "--initial-branch", "main", str(origin)], tmp_path)
    run(["git", "clone", "--quiet", str(origin), str(work)], tmp_path)
    (work / "reports").mkdir()
    (work / "dvc.lock").write_text("stages: {}\n")
    (work / "reports/metrics.json").write_text('{"macro_f1": 1.0}\n')
    (work / "params.yaml").write_text("train: {C: 1.0}\n")
    run(["git", "add", "--all"], work)
    run(["git", "commit", "--quiet", "--message", "Tune C"], work)
    run(["git", "push", "--quiet", "origin", f"HEAD:refs/heads/{BRANCH}"], work)
    run(["git", "checkout", "--quiet", "--detach"], work)
    return work


def origin_log(clone: Path) -> list[str]:
    return run(["git", "log", "--format=%an <%ae>|%s", f"origin/{BRANCH}"], clone).stdout.splitlines()


def retrain(clone: Path) -> None:
    (clone / "dvc.lock").write_text("stages: {train: {}}\n")
    (clone / "reports/metrics.json").write_text('{"macro_f1": 0.99}\n')


def test_changed_outputs_are_committed_by_the_bot_with_the_loop_guard_marker(clone: Path) -> None:
    retrain(clone)
    (clone / "params.yaml").write_text("train: {C: 2.0}\n")  # not ours to commit

    commit = commit_back(clone, paths=["dvc.lock", "reports"], branch=BRANCH, env=project_env())

    run(["git", "fetch", "--quiet", "origin"], clone)
    assert commit == run(["git", "rev-parse", f"origin/{BRANCH}"], clone).stdout.strip()
    assert origin_log(clone) == [
        f"{BOT_NAME} <{BOT_EMAIL}>|Update dvc.lock and metrics from the train workflow [skip-train]",
        "test <test@example.com>|Tune C",
    ]
    changed = run(["git", "show", "--name-only", "--format=", commit], clone).stdout.split()
    assert changed == ["dvc.lock", "reports/metrics.json"]


def test_nothing_changed_means_no_commit(clone: Path) -> None:
    assert commit_back(clone, paths=["dvc.lock", "reports"], branch=BRANCH, env=project_env()) is None
    assert len(origin_log(clone)) == 1


def test_a_branch_that_moved_on_is_not_overwritten(clone: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    run(["git", "clone", "--quiet", "--branch", BRANCH, str(tmp_path / "origin.git"), str(other)], tmp_path)
    run(["git", "commit", "--quiet", "--allow-empty", "--message", "newer work"], other)
    run(["git", "push", "--quiet", "origin", BRANCH], other)
    retrain(clone)

    with pytest.raises(CicdError, match=f"git push to {BRANCH} failed; {BRANCH} moved on since this run started"):
        commit_back(clone, paths=["dvc.lock", "reports"], branch=BRANCH, env=project_env())
    assert run(["git", "log", "-1", "--format=%s", BRANCH], other).stdout.strip() == "newer work"


def test_a_branch_name_that_git_refuses_is_refused(clone: Path) -> None:
    with pytest.raises(CicdError, match="is not a valid branch name"):
        commit_back(clone, paths=["dvc.lock"], branch="bad..name", env=project_env())


def test_the_token_travels_as_a_header_in_the_environment_only() -> None:
    env = auth_env("ghs_secret", "https://github.com/")
    assert env["GIT_CONFIG_KEY_0"] == "http.https://github.com/.extraheader"
    header = env["GIT_CONFIG_VALUE_0"].removeprefix("AUTHORIZATION: basic ")
    assert base64.b64decode(header) == b"x-access-token:ghs_secret"


def test_main_pushes_with_the_token_header_and_leaves_no_credentials_behind(
    clone: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    retrain(clone)
    for name, value in project_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_secret")
    monkeypatch.chdir(clone)
    assert module.main(["--branch", BRANCH, "dvc.lock", "reports"]) == 0
    assert capsys.readouterr().out.startswith("pushed ")
    assert "ghs_secret" not in (clone / ".git/config").read_text()
    assert "extraheader" not in (clone / ".git/config").read_text()
