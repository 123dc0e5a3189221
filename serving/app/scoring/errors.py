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


class StorageError(ScoringError):
    """Reading or publishing failed under a run that had started (network, throttling, a bucket
    or permission gone): exit code 3, nothing published. Unlike 1 and 2, which a rerun of the
    same data repeats, a rerun may succeed: AWS Batch retries this code."""

    exit_code = 3


def storage_failed(where: str | object, exc: BaseException) -> StorageError:
    """The StorageError for an OSError at `where` (a URI, or a Location) once a run has started."""
    uri = getattr(where, "uri", where)
    text = str(exc).strip()
    cause = text.splitlines()[0] if text else type(exc).__name__
    return StorageError(f"{uri}: storage failed during the run ({cause}); nothing was published; a rerun may succeed")
