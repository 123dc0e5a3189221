class ModelStartupError(Exception):
    """The model cannot be served. The message is one line, written to the log as the reason."""


class MetadataError(ModelStartupError):
    """metadata.json is missing, unreadable or inconsistent with the model."""


class IntegrityError(ModelStartupError):
    """The model file or the runtime is not the one the metadata describes."""


class GoldenReplayError(ModelStartupError):
    """The loaded model does not reproduce the predictions recorded at training time."""


class ModelLoadError(ModelStartupError):
    """The verified model file could not be loaded by its backend."""
