"""The model bundle: the folder training writes and everything else reads.

A bundle is `metadata.json` plus the files it names (the joblib Pipeline, the ONNX export),
each with its sha256. This module is the only writer and the only reader of that contract:
training builds a `BundleMetadata` and calls `write_metadata`; the service, batch scoring,
CI and the benchmark call `read_metadata`. It imports only pydantic and the standard
library, so that gunicorn's master can read a bundle without pandas or scikit-learn.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

METADATA_FILE = "metadata.json"
SCHEMA_VERSION: Literal[2] = 2
# A categorical gap in the model's input: the ONNX converter imputes strings only for a string
# marker, and a client's null category is sent as this.
MISSING_CATEGORY = ""
# The ONNX graph's output names, fixed by the convert stage.
ONNX_LABEL_OUTPUT, ONNX_PROBABILITIES_OUTPUT, ONNX_PREDICTION_OUTPUT = "label", "probabilities", "prediction"
# How close every reader (the service at start-up, the smoke test) must come to a golden record.
# onnxruntime computes in float32: its probabilities agree with scikit-learn's to about 1e-6.
GOLDEN_PROBABILITY_TOLERANCE = 1e-5
# A regression value, in standard deviations of the training target: ten times the ONNX parity
# bound training proves (1e-4 of the test split's deviation), so that the replay never fails on
# the two splits' deviations differing, while any other model still misses by far more.
GOLDEN_VALUE_TOLERANCE = 1e-3

Task = Literal["classification", "regression"]
# A class label keeps the type it had in the data: JSON true/false, an integer, or a string.
# Listed bool first: in pydantic's smart union JSON `true` is a bool, `1` an int.
Label = bool | int | str
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
# The largest width or height a model's image input may declare.
MAX_IMAGE_SIDE = 1024


def plain_label(label: Any) -> Label:
    """A class label from numpy (bool_, an integer, str_) or Python as the plain value JSON and
    the bundle carry: bool, int, or str for anything else (a float class label becomes "1.5")."""
    value = label.item() if hasattr(label, "item") and not isinstance(label, str) else label
    return value if isinstance(value, bool | int) else str(value)


def label_key(label: Label) -> str:
    """A label as a JSON object key (probabilities are keyed by class): "true", "1", "Adelie"."""
    return label if isinstance(label, str) else json.dumps(label)


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    """Hex digest of a file, read in 1 MiB blocks. Raises OSError when it cannot be read."""
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, algorithm).hexdigest()


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


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
    """A test-split record and what the model answered at training time.

    Classification records the label and every class's probability (keyed by `label_key`);
    regression records the predicted value.
    """

    record: dict[str, Any]
    label: Label | None = None
    probabilities: dict[str, float] | None = None
    value: float | None = None


class TargetStatistics(_Frozen):
    """The regression target on the training split: the baseline and the range seen."""

    mean: float
    std: float
    min: float
    max: float


def _inside_the_bundle(file: str) -> str:
    # Relative and downward only: metadata must not point a reader at files elsewhere.
    path = PurePosixPath(file)
    if not file or path.is_absolute() or any(part in ("", ".", "..") for part in file.split("/")):
        raise ValueError(f"must be a relative path inside the model folder, got {file!r}")
    return file


class ImageInput(_Frozen):
    """The model's features are the pixels of one grayscale picture (POST /predict/image).

    `pixel_columns` names the feature of each pixel, row by row from the top left: width *
    height of them, and every feature of the model. `value_range` is [low, high], the pixel
    values the model was trained on; `ink` says which end is a full stroke ("high": 0 is
    paper and 16 full ink in scikit-learn's digits). `margin` and `stroke_width` say how the
    training pictures were framed and drawn, as fractions of the drawn content's larger side:
    the empty border around it, and the typical stroke (a thinner one is thickened to it; 0
    leaves strokes as they are). app.images maps a picture onto this.
    """

    width: Annotated[int, Field(ge=1, le=MAX_IMAGE_SIDE)]
    height: Annotated[int, Field(ge=1, le=MAX_IMAGE_SIDE)]
    grayscale: Literal[True] = True
    value_range: tuple[FiniteFloat, FiniteFloat]
    ink: Literal["high", "low"] = "high"
    margin: Annotated[float, Field(ge=0, le=1)] = 0.0
    stroke_width: Annotated[float, Field(ge=0, le=0.5)] = 0.0
    pixel_columns: list[str]

    @model_validator(mode="after")
    def _shape(self) -> ImageInput:
        low, high = self.value_range
        if not low < high:
            raise ValueError(f"value_range must be [low, high] with low < high, got {list(self.value_range)}")
        if len(self.pixel_columns) != self.width * self.height:
            raise ValueError(
                f"{self.width}x{self.height} pixels need {self.width * self.height} pixel columns, "
                f"got {len(self.pixel_columns)}"
            )
        if len(set(self.pixel_columns)) != len(self.pixel_columns):
            raise ValueError("pixel_columns lists a column twice")
        return self


class Artifact(_Frozen):
    file: str
    sha256: Sha256

    @field_validator("file")
    @classmethod
    def _file_inside(cls, file: str) -> str:
        return _inside_the_bundle(file)


class OnnxArtifact(_Frozen):
    """The ONNX export: usable only when training proved it gives scikit-learn's answers."""

    available: bool
    reason: str | None = None
    file: str | None = None
    sha256: Sha256 | None = None
    # The graph's input names in feature order: the converter rewrites names that are not identifiers.
    inputs: list[str] | None = None
    # The proof behind `available`, and the converter's versions (reported by GET /model).
    parity: dict[str, Any] | None = None
    versions: dict[str, str] | None = None

    @field_validator("file")
    @classmethod
    def _file_inside(cls, file: str | None) -> str | None:
        return None if file is None else _inside_the_bundle(file)

    @model_validator(mode="after")
    def _usable_means_present(self) -> OnnxArtifact:
        if self.available and (self.file is None or self.sha256 is None or self.inputs is None):
            raise ValueError("an available ONNX artifact needs its file, sha256 and inputs")
        return self


class Picture(Artifact):
    """A PNG that evaluate drew from the test split for the model card: the confusion matrix (classification)
    or predicted against actual (regression)."""

    # What the picture shows, e.g. "Confusion matrix (test split)": the card's caption and alt text.
    title: str


class Artifacts(_Frozen):
    model: Artifact
    onnx: OnnxArtifact | None = None
    # Added within schema version 2, so optional: a bundle trained before it loads, and its card shows no picture.
    pictures: list[Picture] | None = None


class BundleMetadata(_Frozen):
    """metadata.json. Raises pydantic.ValidationError when built or read inconsistent."""

    schema_version: Literal[2]
    model_version: str
    task: Task
    # The estimator's import path, e.g. sklearn.linear_model.LogisticRegression.
    estimator: str
    hyperparameters: dict[str, Any]
    # True when the Pipeline was fitted elsewhere and passed through unchanged.
    pretrained: bool
    target: str
    # Classification: the labels in predict_proba's column order. Regression: None.
    classes: list[Label] | None = None
    # Regression: the training target's statistics. Classification: None.
    target_statistics: TargetStatistics | None = None
    features: Annotated[list[Feature], Field(min_length=1)]
    example: dict[str, Any]
    metrics: dict[str, Any]
    params: dict[str, Any]
    data: dict[str, Any]
    git_commit: str
    versions: dict[str, str]
    training: dict[str, Any]
    artifacts: Artifacts
    # Without them no reader could prove that it reproduces training.
    golden_records: Annotated[list[GoldenRecord], Field(min_length=1)]
    # Only for a model whose features are the pixels of a picture; absent otherwise (an
    # optional addition: bundles written before it existed read unchanged).
    image_input: ImageInput | None = None

    @model_validator(mode="after")
    def _consistent(self) -> BundleMetadata:
        names = [feature.name for feature in self.features]
        if len(set(names)) != len(names):
            raise ValueError(f"features lists a name twice: {names}")
        if self.image_input is not None:
            self._check_image_input(self.image_input)
        if self.task == "classification":
            self._check_classification()
        else:
            self._check_regression()
        return self

    def _check_image_input(self, image: ImageInput) -> None:
        numbers = {feature.name for feature in self.features if isinstance(feature, NumberFeature)}
        if set(image.pixel_columns) != numbers or len(numbers) != len(self.features):
            raise ValueError("image_input.pixel_columns must be exactly the features, all of them numbers")

    def _check_classification(self) -> None:
        if self.classes is None or len(self.classes) < 2:
            raise ValueError("a classification model needs at least 2 classes")
        if len({type(label) for label in self.classes}) != 1:
            raise ValueError(f"classes mix label types: {self.classes}")
        keys = {label_key(label) for label in self.classes}
        for position, golden in enumerate(self.golden_records):
            if golden.label is None or golden.probabilities is None or set(golden.probabilities) != keys:
                raise ValueError(f"golden record {position} needs a label and a probability for every class")

    def _check_regression(self) -> None:
        if self.target_statistics is None or self.classes is not None:
            raise ValueError("a regression model has target_statistics and no classes")
        for position, golden in enumerate(self.golden_records):
            if golden.value is None:
                raise ValueError(f"golden record {position} needs the predicted value")

    @property
    def class_keys(self) -> list[str]:
        return [label_key(label) for label in self.classes or []]

    def golden_tolerance(self) -> float:
        """The largest difference from a golden record: a probability, or a value in the target's unit."""
        if self.target_statistics is None:
            return GOLDEN_PROBABILITY_TOLERANCE
        # A constant target has no spread to be relative to.
        return GOLDEN_VALUE_TOLERANCE * (self.target_statistics.std or 1.0)


class BundleError(Exception):
    """metadata.json is missing, unreadable or inconsistent. The message is one line."""


def read_metadata(model_dir: Path) -> BundleMetadata:
    """The bundle's metadata; raises BundleError naming the file and the first problem."""
    path = model_dir / METADATA_FILE
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BundleError(f"{path}: cannot read the model metadata ({exc.strerror or exc})") from exc
    try:
        return BundleMetadata.model_validate_json(raw)
    except ValidationError as exc:
        raise BundleError(f"{path}: {_first_error(exc)} ({exc.error_count()} problem(s))") from exc


def write_metadata(model_dir: Path, metadata: BundleMetadata) -> Path:
    """Write metadata.json whole or not at all (a temporary file renamed into place)."""
    model_dir.mkdir(parents=True, exist_ok=True)
    path = model_dir / METADATA_FILE
    text = json.dumps(metadata.model_dump(mode="json", exclude_none=True), indent=2) + "\n"
    handle, temporary = tempfile.mkstemp(dir=model_dir, prefix=f".{METADATA_FILE}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _first_error(exc: ValidationError) -> str:
    error = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}" if where else error["msg"]
