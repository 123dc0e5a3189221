"""What stops a scoring run: each error is one line, and carries its process exit code."""

from __future__ import annotations


class ScoringError(Exception):
    """The command, the input or the output is wrong: exit code 2, nothing published."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        # One line, whatever the cause said: batch logs and alerts quote it.
        super().__init__(" ".join(message.split()))


class ErrorRateError(ScoringError):
    """More rows failed than `--max-error-rate` allows: exit code 1, nothing published."""

    exit_code = 1


class IncompleteOutputError(ScoringError):
    """`finalize` found a shard missing or inconsistent: exit code 1, no `_SUCCESS`."""

    exit_code = 1
