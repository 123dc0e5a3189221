"""metadata.json, as written by the training pipeline's evaluate stage, parsed into typed objects."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from app.predictor.errors import MetadataError

METADATA_FILE = "metadata.json"


class _Frozen(BaseModel):
    # Fields the service does not use are ignored, so that training may add some.
    model_config = ConfigDict(frozen=True, extra="ignore")


class NumberFeature(_Frozen):
    name: str
    type: Literal["number"]
    nullable: bool
    min: float
    max: float


class CategoryFeature(_Frozen):
    name: str
    type: Literal["category"]
    nullable: bool
    categories: list[str]


Feature = Annotated[NumberFeature | CategoryFeature, Field(discriminator="type")]


class GoldenRecord(_Frozen):
    record: dict[str, Any]
    label: str
    probabilities: dict[str, float]


Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


def _inside_the_model_dir(file: str) -> str:
    # Relative and downward only: metadata must not point the service at files elsewhere.
    path = PurePosixPath(file)
    if not file or path.is_absolute() or any(part in ("", ".", "..") for part in file.split("/")):
        raise ValueError(f"must be a relative path inside the model folder, got {file!r}")
    return file


class Artifact(_Frozen):
    file: str
    sha256: Sha256

    @field_validator("file")
    @classmethod
    def _file_inside(cls, file: str) -> str:
        return _inside_the_model_dir(file)


class OnnxArtifact(_Frozen):
    """The ONNX export: usable only when training proved it gives scikit-learn's answers."""

    available: bool
    reason: str | None = None
    file: str | None = None
    sha256: Sha256 | None = None
    # Reported by GET /model: the proof behind `available`, and the converter's versions.
    parity: dict[str, Any] | None = None
    versions: dict[str, str] | None = None

    @field_validator("file")
    @classmethod
    def _file_inside(cls, file: str | None) -> str | None:
        return None if file is None else _inside_the_model_dir(file)

    @model_validator(mode="after")
    def _usable_means_present(self) -> OnnxArtifact:
        if self.available and (self.file is None or self.sha256 is None):
            raise ValueError("an available ONNX artifact needs its file and sha256")
        return self


class Artifacts(BaseModel):
    # Other artifacts pass through untouched, for GET /model.
    model_config = ConfigDict(frozen=True, extra="allow")

    model: Artifact
    onnx: OnnxArtifact | None = None


class ModelMetadata(_Frozen):
    schema_version: Literal[1]
    model_version: str
    estimator: str
    target: str
    classes: Annotated[list[str], Field(min_length=2)]
    features: Annotated[list[Feature], Field(min_length=1)]
    example: dict[str, Any]
    metrics: dict[str, Any]
    params: dict[str, Any]
    data: dict[str, Any]
    git_commit: str
    versions: dict[str, str]
    training: dict[str, Any]
    artifacts: Artifacts
    # Without them the service could not prove that it reproduces training.
    golden_records: Annotated[list[GoldenRecord], Field(min_length=1)]

    @model_validator(mode="after")
    def _consistent(self) -> ModelMetadata:
        names = [feature.name for feature in self.features]
        if len(set(names)) != len(names):
            raise ValueError(f"features lists a name twice: {names}")
        return self


def read_metadata(model_dir: Path) -> ModelMetadata:
    path = model_dir / METADATA_FILE
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise MetadataError(f"{path}: cannot read the model metadata ({exc.strerror or exc})") from exc
    try:
        return ModelMetadata.model_validate_json(raw)
    except ValidationError as exc:
        raise MetadataError(f"{path}: {_first_error(exc)} ({exc.error_count()} problem(s))") from exc


def _first_error(exc: ValidationError) -> str:
    error = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}" if where else error["msg"]
