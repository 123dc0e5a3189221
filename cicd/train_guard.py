"""Decide what the train workflow does for a pull request: train at all, and publish the results or not.

    python -m cicd.train_guard --head-repository owner/fork --base-repository owner/name --actor someone

Writes `train` and `publish` ("true"/"false") to the step outputs; when it will not publish, it says why
in the log (as a warning) and in the job summary.

The loop guard's marker is honoured only when the run's actor, which GitHub sets, is the identity the
commit-back pushes as (--push-actor): anyone who can push to the branch can write the marker into a
commit message, and a commit that skipped training would skip the metric gate too.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cicd import _github

# Carried by the training job's own commit: that commit must not start another training run.
SKIP_MARKER = "[skip-train]"
# Who pushes the commit-back with GITHUB_TOKEN; such a push starts no workflow, so the marker matters only
# with TRAIN_PUSH_TOKEN, whose identity the workflow passes instead (repository variable TRAIN_PUSH_ACTOR).
DEFAULT_PUSH_ACTOR = "github-actions[bot]"
# Bots whose pull request runs get no secrets and a read-only token, like a fork's.
UNTRUSTED_ACTORS = frozenset({"dependabot[bot]"})


@dataclass(frozen=True)
class Decision:
    train: bool
    publish: bool
    reason: str


def decide(
    *, head_repository: str, base_repository: str, actor: str, head_message: str, push_actor: str = DEFAULT_PUSH_ACTOR
) -> Decision:
    if SKIP_MARKER in head_message and actor == push_actor:
        return Decision(
            train=False,
            publish=False,
            reason=f"the head commit carries {SKIP_MARKER} and {push_actor} pushed it: it is the training job's "
            "own commit of dvc.lock and the metrics, so there is nothing new to train",
        )
    if head_repository != base_repository:
        return Decision(
            train=True,
            publish=False,
            reason=f"this pull request comes from the fork {head_repository}; GitHub gives workflow runs of fork "
            "pull requests no secrets, no AWS OIDC token and a read-only GITHUB_TOKEN, so this run trains and "
            "tests the model from scratch but cannot pull from or push to the DVC remote, commit dvc.lock back "
            "or comment on the pull request (the report is in this run's summary). A maintainer can push the "
            "branch to this repository to publish the model",
        )
    if actor in UNTRUSTED_ACTORS:
        return Decision(
            train=True,
            publish=False,
            reason=f"this pull request run was started by {actor}; GitHub gives such runs no secrets, no AWS OIDC "
            "token and a read-only GITHUB_TOKEN, so this run trains and tests the model but cannot push it, "
            "commit dvc.lock back or comment (the report is in this run's summary)",
        )
    return Decision(train=True, publish=True, reason="a pull request from this repository: train, push and report")


def ignored_marker(*, actor: str, head_message: str, push_actor: str = DEFAULT_PUSH_ACTOR) -> str | None:
    """Why a marker in the head commit is not honoured, if there is one."""
    if SKIP_MARKER not in head_message or actor == push_actor:
        return None
    return (
        f"the head commit carries {SKIP_MARKER}, but {actor or 'an unknown actor'} pushed it, not {push_actor} "
        "(the commit-back's identity, repository variable TRAIN_PUSH_ACTOR): anyone can write the marker, "
        "so this run trains"
    )


def head_commit_message(cwd: Path) -> str:
    result = subprocess.run(
        ["git", "log", "-1", "--format=%B", "HEAD"],  # noqa: S607 - git from PATH
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Decide whether the train workflow trains and publishes.")
    parser.add_argument("--head-repository", required=True, help="owner/name the pull request's branch lives in")
    parser.add_argument("--base-repository", required=True, help="owner/name of this repository")
    parser.add_argument("--actor", default="", help="who started the run (GITHUB_ACTOR)")
    parser.add_argument(
        "--push-actor",
        default=DEFAULT_PUSH_ACTOR,
        help=f"who pushes the training job's own commits; only their {SKIP_MARKER} is honoured",
    )
    parser.add_argument("--message", help="the head commit's message (default: from `git log -1`)")
    parser.add_argument("--github-output", default=os.environ.get("GITHUB_OUTPUT"))
    parser.add_argument("--summary", default=os.environ.get("GITHUB_STEP_SUMMARY"))
    args = parser.parse_args(argv)
    message = args.message if args.message is not None else head_commit_message(Path())
    decision = decide(
        head_repository=args.head_repository,
        base_repository=args.base_repository,
        actor=args.actor,
        head_message=message,
        push_actor=args.push_actor,
    )
    ignored = ignored_marker(actor=args.actor, head_message=message, push_actor=args.push_actor)
    if ignored:
        print(_github.warning(f"{SKIP_MARKER} not honoured", ignored))
    _github.set_outputs(
        _github.optional_path(args.github_output),
        train=str(decision.train).lower(),
        publish=str(decision.publish).lower(),
    )
    if decision.train and not decision.publish:
        print(_github.warning("Training results are not published", decision.reason))
        _github.append_summary(
            _github.optional_path(args.summary), f"### Training results are not published\n\n{decision.reason}."
        )
    else:
        print(f"train={str(decision.train).lower()} publish={str(decision.publish).lower()}: {decision.reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
