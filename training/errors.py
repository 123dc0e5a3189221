from pathlib import Path


class ConfigError(Exception):
    """A problem with params.yaml or the data that the user must fix; reported as one line."""


def missing_file(key: str, path: Path | str) -> ConfigError:
    """The error for a file params.yaml names but the workspace lacks: `dvc pull` when DVC tracks it."""
    hint = f"; run `dvc pull {path}.dvc`" if Path(f"{path}.dvc").is_file() else ""
    return ConfigError(f"params.yaml: {key}: {path} does not exist{hint}")
