class CicdError(Exception):
    """A problem the user must fix, reported as one line and exit code 2 (not a traceback)."""
