from __future__ import annotations

from pathlib import Path

import pytest

from cicd import train_guard
from cicd.train_guard import DEFAULT_PUSH_ACTOR, SKIP_MARKER, decide

BASE = "owner/name"


def test_a_pull_request_from_this_repository_trains_and_publishes() -> None:
    decision = decide(head_repository=BASE, base_repository=BASE, actor="alice", head_message="Tune C\n")
    assert (decision.train, decision.publish) == (True, True)


@pytest.mark.parametrize(
    ("actor", "push_actor"), [(DEFAULT_PUSH_ACTOR, None), ("penguins-train[bot]", "penguins-train[bot]")]
)
def test_the_training_jobs_own_commit_does_not_train_again(actor: str, push_actor: str | None) -> None:
    message = f"Update dvc.lock and metrics from the train workflow {SKIP_MARKER}\n"
    pushed_by = {} if push_actor is None else {"push_actor": push_actor}
    decision = decide(head_repository=BASE, base_repository=BASE, actor=actor, head_message=message, **pushed_by)
    assert (decision.train, decision.publish) == (False, False)
    assert "training job's own commit" in decision.reason


def test_a_persons_commit_carrying_the_marker_still_trains() -> None:
    message = f"Tune C {SKIP_MARKER}\n"
    decision = decide(head_repository=BASE, base_repository=BASE, actor="mallory", head_message=message)
    assert (decision.train, decision.publish) == (True, True)


def test_an_ignored_marker_is_a_warning_naming_who_pushed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = tmp_path / "output"
    argv = ["--head-repository", BASE, "--base-repository", BASE, "--github-output", str(outputs)]
    argv += ["--actor", "mallory", "--push-actor", "penguins-train[bot]", "--message", f"Tune C {SKIP_MARKER}"]
    assert train_guard.main(argv) == 0

    assert outputs.read_text() == "train=true\npublish=true\n"
    assert capsys.readouterr().out.startswith(
        f"::warning title={SKIP_MARKER} not honoured::the head commit carries {SKIP_MARKER}, but mallory pushed it, "
        "not penguins-train[bot]"
    )


@pytest.mark.parametrize(
    ("head", "actor", "who"),
    [("fork/name", "mallory", "the fork fork/name"), (BASE, "dependabot[bot]", "dependabot[bot]")],
)
def test_forks_and_dependabot_train_and_test_but_do_not_publish(head: str, actor: str, who: str) -> None:
    decision = decide(head_repository=head, base_repository=BASE, actor=actor, head_message="change")
    assert (decision.train, decision.publish) == (True, False)
    assert who in decision.reason
    assert "no secrets, no AWS OIDC token and a read-only GITHUB_TOKEN" in decision.reason
    assert "the report is in this run's summary" in decision.reason


def test_a_fork_gets_the_reason_in_the_log_and_the_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outputs, summary = tmp_path / "output", tmp_path / "summary"
    argv = ["--head-repository", "fork/name", "--base-repository", BASE, "--actor", "mallory", "--message", "x"]
    assert train_guard.main([*argv, "--github-output", str(outputs), "--summary", str(summary)]) == 0

    assert outputs.read_text() == "train=true\npublish=false\n"
    log = capsys.readouterr().out
    assert log.startswith("::warning title=Training results are not published::this pull request comes from the fork")
    assert summary.read_text().startswith("### Training results are not published\n\nthis pull request comes from")


def test_the_head_commit_message_is_read_from_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from testkit.project import run

    run(["git", "init", "--quiet"], tmp_path)
    run(["git", "commit", "--quiet", "--allow-empty", "--message", f"retrained {SKIP_MARKER}"], tmp_path)
    monkeypatch.chdir(tmp_path)
    outputs = tmp_path / "output"
    argv = ["--head-repository", BASE, "--base-repository", BASE, "--github-output", str(outputs)]
    argv += ["--actor", "penguins-train[bot]", "--push-actor", "penguins-train[bot]"]
    assert train_guard.main(argv) == 0
    assert outputs.read_text() == "train=false\npublish=false\n"
