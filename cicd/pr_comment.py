"""Post the model report on the pull request, or update the one posted before: one comment, kept current.

    GITHUB_TOKEN=... python -m cicd.pr_comment --repository owner/name --pull-request 7 --body-file report.md

The comment is the first one written by the identity the token acts as (--author, by default
github-actions[bot], which GITHUB_TOKEN acts as in Actions) whose body starts with the hidden marker
(cicd.pr_report.MARKER). Anyone can write the marker; only that identity can write as itself.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cicd.errors import CicdError
from cicd.pr_report import MARKER

# The identity GITHUB_TOKEN acts as in GitHub Actions.
DEFAULT_AUTHOR = "github-actions[bot]"
PAGE_SIZE = 100
# GitHub refuses comment bodies over 65536 characters.
MAX_BODY = 65_536


@dataclass(frozen=True)
class GitHubApi:
    """The few REST calls needed, with urllib: the step runs before any dependency could be trusted."""

    url: str
    token: str
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if urlsplit(self.url).scheme not in ("https", "http"):
            raise CicdError(f"GitHub API URL must be http(s), got {self.url!r}")

    def request(self, method: str, path: str, payload: Mapping[str, Any] | None = None) -> Any:
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __post_init__
            self.url.rstrip("/") + path,
            method=method,
            data=None if payload is None else json.dumps(payload).encode(),
            headers={
                "Accept": "application/vnd.github+json",
                "Authorization": f"Bearer {self.token}",
                "X-GitHub-Api-Version": "2022-11-28",
                "Content-Type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - checked scheme
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:300]
            raise CicdError(f"GitHub API {method} {path}: HTTP {exc.code}: {detail}") from exc
        except urllib.error.URLError as exc:
            raise CicdError(f"GitHub API {method} {path}: {exc.reason}") from exc


def comments(api: GitHubApi, repository: str, number: int) -> Iterator[dict[str, Any]]:
    page = 1
    while True:
        batch = api.request("GET", f"/repos/{repository}/issues/{number}/comments?per_page={PAGE_SIZE}&page={page}")
        yield from batch
        if len(batch) < PAGE_SIZE:
            return
        page += 1


def written_by(comment: Mapping[str, Any], author: str) -> bool:
    """Whether `author` wrote the comment: a `[bot]` login, which no person can register, must be a Bot too."""
    user = comment.get("user") or {}
    return bool(user.get("login") == author and (user.get("type") == "Bot") == author.endswith("[bot]"))


def find_report(existing: Iterator[dict[str, Any]], author: str = DEFAULT_AUTHOR) -> dict[str, Any] | None:
    """The first comment by `author` whose body starts with the marker (a reply quoting it starts with '>')."""
    return next(
        (c for c in existing if written_by(c, author) and str(c.get("body", "")).startswith(MARKER)),
        None,
    )


def upsert_report(
    api: GitHubApi, repository: str, number: int, body: str, *, author: str = DEFAULT_AUTHOR
) -> tuple[str, str]:
    """Update `author`'s report comment in place, or create it; returns ("updated" | "created", its URL).

    `author` must be the identity the token acts as: the comment it creates is the one found next time.
    """
    if not body.startswith(MARKER):
        raise CicdError("the report must start with the marker, or the next run could not find it")
    if len(body) > MAX_BODY:
        raise CicdError(f"the report has {len(body)} characters; GitHub accepts at most {MAX_BODY}")
    previous = find_report(comments(api, repository, number), author)
    if previous is None:
        created = api.request("POST", f"/repos/{repository}/issues/{number}/comments", {"body": body})
        return "created", str(created.get("html_url", ""))
    updated = api.request("PATCH", f"/repos/{repository}/issues/comments/{previous['id']}", {"body": body})
    return "updated", str(updated.get("html_url", ""))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Create or update the model report comment on a pull request.")
    parser.add_argument("--repository", required=True, help="owner/name")
    parser.add_argument("--pull-request", type=int, required=True, help="the pull request's number")
    parser.add_argument("--body-file", type=Path, required=True, help="the report (markdown)")
    parser.add_argument(
        "--author",
        default=DEFAULT_AUTHOR,
        help=f"the login the token acts as; only its comments are updated (default: {DEFAULT_AUTHOR})",
    )
    parser.add_argument("--api-url", default=os.environ.get("GITHUB_API_URL", "https://api.github.com"))
    args = parser.parse_args(argv)
    token = os.environ.get("GITHUB_TOKEN", "")
    try:
        if not token:
            raise CicdError("GITHUB_TOKEN is not set")
        api = GitHubApi(url=args.api_url, token=token)
        action, url = upsert_report(
            api, args.repository, args.pull_request, args.body_file.read_text(), author=args.author
        )
    except (CicdError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{action} the model report comment: {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
