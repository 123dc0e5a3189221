"""Commit what training changed (dvc.lock, metrics, plots) and push it to the pull request's branch.

    GITHUB_TOKEN=... python -m cicd.commit_back --branch my-feature dvc.lock reports

The commit message carries the loop guard's marker, so that this commit does not train again (the guard
honours it only on runs the pushing identity started: cicd.train_guard). Nothing is
committed when nothing changed. The token goes to git as an HTTP header in the environment: it is never
written to .git/config nor put on a command line.
"""

from __future__ import annotations

import argparse
import base64
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from cicd.errors import CicdError
from cicd.train_guard import SKIP_MARKER

BOT_NAME = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"
DEFAULT_SUBJECT = "Update dvc.lock and metrics from the train workflow"


def git(repo: Path, *args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - a fixed program; arguments are never parsed by a shell
        ["git", *args],  # noqa: S607 - git from PATH
        cwd=repo,
        env=None if env is None else dict(env),
        capture_output=True,
        text=True,
        check=False,
    )


def auth_env(token: str, server_url: str) -> dict[str, str]:
    """Git configuration through the environment: an Authorization header for the server, like actions/checkout's."""
    credentials = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    return {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"http.{server_url.rstrip('/')}/.extraheader",
        "GIT_CONFIG_VALUE_0": f"AUTHORIZATION: basic {credentials}",
    }


def commit_back(
    repo: Path,
    *,
    paths: Sequence[str],
    branch: str,
    subject: str = DEFAULT_SUBJECT,
    remote: str = "origin",
    env: Mapping[str, str] | None = None,
) -> str | None:
    """Commit the changed paths and push to `branch`; returns the new commit, or None when nothing changed."""
    base_env = dict(os.environ if env is None else env)
    if git(repo, "check-ref-format", "--branch", branch).returncode != 0:
        raise CicdError(f"{branch!r} is not a valid branch name")
    present = [path for path in paths if (repo / path).exists() or _tracked(repo, path)]
    if not present:
        raise CicdError(f"none of {', '.join(paths)} exists in {repo}")
    _checked(git(repo, "add", "--all", "--", *present, env=base_env), "git add")
    if git(repo, "diff", "--cached", "--quiet", env=base_env).returncode == 0:
        return None
    identity = {
        "GIT_AUTHOR_NAME": BOT_NAME,
        "GIT_AUTHOR_EMAIL": BOT_EMAIL,
        "GIT_COMMITTER_NAME": BOT_NAME,
        "GIT_COMMITTER_EMAIL": BOT_EMAIL,
    }
    message = subject if SKIP_MARKER in subject else f"{subject} {SKIP_MARKER}"
    _checked(git(repo, "commit", "--quiet", "--message", message, env={**base_env, **identity}), "git commit")
    pushed = git(repo, "push", "--porcelain", remote, f"HEAD:refs/heads/{branch}", env=base_env)
    if pushed.returncode != 0:
        rejected = "rejected" in pushed.stdout + pushed.stderr
        hint = (
            f"; {branch} moved on since this run started, and the run for its newer commit publishes instead"
            if rejected
            else ""
        )
        raise CicdError(f"git push to {branch} failed{hint}: {' '.join(pushed.stderr.split())}")
    return git(repo, "rev-parse", "HEAD").stdout.strip()


def _tracked(repo: Path, path: str) -> bool:
    return bool(git(repo, "ls-files", "--", path).stdout.strip())


def _checked(result: subprocess.CompletedProcess[str], what: str) -> None:
    if result.returncode != 0:
        raise CicdError(f"{what} failed: {' '.join((result.stderr or result.stdout).split())}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Commit training's small outputs and push them to the PR branch.")
    parser.add_argument("paths", nargs="+", help="files and folders to commit, e.g. dvc.lock reports")
    parser.add_argument("--branch", required=True, help="the pull request's head branch")
    parser.add_argument("--subject", default=DEFAULT_SUBJECT, help=f"the commit subject ({SKIP_MARKER} is added)")
    parser.add_argument("--remote", default="origin")
    parser.add_argument("--server-url", default=os.environ.get("GITHUB_SERVER_URL", "https://github.com"))
    args = parser.parse_args(argv)
    token = os.environ.get("GITHUB_TOKEN")
    env = {**os.environ, **(auth_env(token, args.server_url) if token else {})}
    try:
        commit = commit_back(
            Path(), paths=args.paths, branch=args.branch, subject=args.subject, remote=args.remote, env=env
        )
    except CicdError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"pushed {commit} to {args.branch}" if commit else "nothing changed: no commit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
