from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from cicd import pr_comment
from cicd.errors import CicdError
from cicd.pr_comment import GitHubApi, upsert_report
from cicd.pr_report import MARKER

TOKEN = "ghs_test-token"
REPOSITORY = "owner/name"
COMMENTS = f"/repos/{REPOSITORY}/issues/7/comments"


class FakeGitHub(ThreadingHTTPServer):
    """The issue-comment endpoints of GitHub's REST API, for one pull request, on loopback."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.comments: list[dict[str, Any]] = []
        self.calls: list[str] = []
        # Who the token acts as: the author of the comments it creates.
        self.token_login = "github-actions[bot]"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def add(self, body: str, login: str = "someone") -> dict[str, Any]:
        # As GitHub does: `[bot]` logins belong to apps, which no person can sign up as.
        user = {"login": login, "type": "Bot" if login.endswith("[bot]") else "User"}
        comment = {"id": 1000 + len(self.comments), "body": body, "user": user}
        comment["html_url"] = f"https://github.example/{REPOSITORY}/pull/7#issuecomment-{comment['id']}"
        self.comments.append(comment)
        return comment


class _Handler(BaseHTTPRequestHandler):
    server: FakeGitHub

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, payload: Any) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _authorized(self) -> bool:
        self.server.calls.append(f"{self.command} {self.path}")
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._reply(401, {"message": "Bad credentials"})
            return False
        return True

    def _body(self) -> dict[str, Any]:
        payload: dict[str, Any] = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        return payload

    def do_GET(self) -> None:
        if not self._authorized():
            return
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        size, page = int(query["per_page"][0]), int(query["page"][0])
        self._reply(200, self.server.comments[(page - 1) * size : page * size])

    def do_POST(self) -> None:
        if self._authorized():
            self._reply(201, self.server.add(self._body()["body"], login=self.server.token_login))

    def do_PATCH(self) -> None:
        if not self._authorized():
            return
        comment_id = int(self.path.rsplit("/", 1)[1])
        comment = next(c for c in self.server.comments if c["id"] == comment_id)
        comment["body"] = self._body()["body"]
        self._reply(200, comment)


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    server = FakeGitHub()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def api(github: FakeGitHub, token: str = TOKEN) -> GitHubApi:
    return GitHubApi(url=github.url, token=token, timeout=5.0)


def report(text: str) -> str:
    return f"{MARKER}\n\n{text}\n"


def test_the_first_run_creates_the_comment_and_later_runs_update_it(github: FakeGitHub) -> None:
    github.add("LGTM")
    action, url = upsert_report(api(github), REPOSITORY, 7, report("run 1"))
    assert (action, url) == ("created", f"https://github.example/{REPOSITORY}/pull/7#issuecomment-1001")

    assert upsert_report(api(github), REPOSITORY, 7, report("run 2"))[0] == "updated"
    assert upsert_report(api(github), REPOSITORY, 7, report("run 3"))[0] == "updated"
    assert [c["body"] for c in github.comments] == ["LGTM", report("run 3")]
    assert github.calls[-2:] == [
        f"GET {COMMENTS}?per_page=100&page=1",
        f"PATCH /repos/{REPOSITORY}/issues/comments/1001",
    ]


def test_the_comment_is_found_beyond_the_first_page(github: FakeGitHub) -> None:
    for index in range(150):
        github.add(f"comment {index}")
    ours = github.add(report("old"), login="github-actions[bot]")
    assert upsert_report(api(github), REPOSITORY, 7, report("new"))[0] == "updated"
    assert ours["body"] == report("new")
    assert len(github.comments) == 151
    assert f"GET {COMMENTS}?per_page=100&page=2" in github.calls


def test_a_reply_quoting_the_report_is_not_taken_for_it(github: FakeGitHub) -> None:
    quoted = github.add("> " + report("old"))
    assert upsert_report(api(github), REPOSITORY, 7, report("new"))[0] == "created"
    assert quoted["body"] == "> " + report("old")


def test_a_persons_comment_that_starts_with_the_marker_is_neither_taken_nor_edited(github: FakeGitHub) -> None:
    forged = github.add(report("not the report"), login="mallory")
    assert upsert_report(api(github), REPOSITORY, 7, report("run 1"))[0] == "created"
    ours = github.comments[-1]

    assert upsert_report(api(github), REPOSITORY, 7, report("run 2"))[0] == "updated"
    assert (forged["body"], ours["body"]) == (report("not the report"), report("run 2"))
    assert f"PATCH /repos/{REPOSITORY}/issues/comments/{forged['id']}" not in github.calls


@pytest.mark.parametrize(
    ("login", "kind", "taken"),
    [
        ("github-actions[bot]", "Bot", True),
        ("github-actions[bot]", "User", False),
        ("github-actions", "User", False),
        ("someone", "User", False),
    ],
)
def test_only_the_authors_own_comment_counts(login: str, kind: str, taken: bool) -> None:
    comment = {"body": report("x"), "user": {"login": login, "type": kind}}
    assert (pr_comment.find_report(iter([comment])) is comment) is taken


def test_the_author_is_configurable_to_the_identity_the_token_acts_as(
    github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    github.token_login = "penguins-report[bot]"
    other = github.add(report("by another bot"), login="github-actions[bot]")
    ours = github.add(report("old"), login="penguins-report[bot]")
    body = tmp_path / "report.md"
    body.write_text(report("new"))
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    argv = ["--repository", REPOSITORY, "--pull-request", "7", "--body-file", str(body), "--api-url", github.url]

    assert pr_comment.main([*argv, "--author", "penguins-report[bot]"]) == 0
    assert (other["body"], ours["body"]) == (report("by another bot"), report("new"))


def test_a_body_without_the_marker_is_refused_before_any_call(github: FakeGitHub) -> None:
    with pytest.raises(CicdError, match="must start with the marker"):
        upsert_report(api(github), REPOSITORY, 7, "no marker")
    assert github.calls == []


def test_a_refused_token_is_a_one_line_error(
    github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    body = tmp_path / "report.md"
    body.write_text(report("x"))
    monkeypatch.setenv("GITHUB_TOKEN", "wrong")
    argv = ["--repository", REPOSITORY, "--pull-request", "7", "--body-file", str(body), "--api-url", github.url]
    assert pr_comment.main(argv) == 2
    assert capsys.readouterr().err == (
        f'error: GitHub API GET {COMMENTS}?per_page=100&page=1: HTTP 401: {{"message": "Bad credentials"}}\n'
    )

    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    assert pr_comment.main(argv) == 0
    assert capsys.readouterr().out == (
        f"created the model report comment: https://github.example/{REPOSITORY}/pull/7#issuecomment-1000\n"
    )


def test_without_a_token_nothing_is_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    body = tmp_path / "report.md"
    body.write_text(report("x"))
    assert pr_comment.main(["--repository", REPOSITORY, "--pull-request", "7", "--body-file", str(body)]) == 2
    assert capsys.readouterr().err == "error: GITHUB_TOKEN is not set\n"


def test_only_http_urls_are_accepted() -> None:
    with pytest.raises(CicdError, match="must be http"):
        GitHubApi(url="file:///etc/passwd", token=TOKEN)
