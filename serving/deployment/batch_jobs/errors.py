class BatchJobError(Exception):
    """A run that cannot be submitted or watched: one line for the user, exit code 2."""

    exit_code = 2


class RunFailedError(BatchJobError):
    """The run was submitted, but a job of it failed or its output is incomplete: exit code 1."""

    exit_code = 1
