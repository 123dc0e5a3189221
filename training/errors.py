class ConfigError(Exception):
    """A problem with params.yaml or the data that the user must fix; reported as one line."""
