"""The one reader of params.yaml: typed, validated sections; every error names the dotted key."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, model_validator

from app.bundle import MAX_IMAGE_SIDE
from training.errors import ConfigError

Task = Literal["classification", "regression"]
PARAMS_FILE = "params.yaml"
# A pretrained Pipeline must live here: the train stage depends on this folder, so that DVC
# retrains when the file changes.
PRETRAINED_DIR = "models"
DATA_SUFFIXES = (".csv", ".parquet", ".pq")


class _Section(BaseModel):
    # A misspelt key is an error, not a silent default.
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class ImageParams(_Section):
    """data.image: the features are the pixels of one grayscale picture, so the service also takes pictures."""

    width: Annotated[StrictInt, Field(ge=1, le=MAX_IMAGE_SIDE)]
    height: Annotated[StrictInt, Field(ge=1, le=MAX_IMAGE_SIDE)]
    # Only grayscale (one value a pixel) is supported.
    grayscale: Literal[True] = True
    # [low, high]: the pixel values of the data; `ink` says which end is a full stroke.
    value_range: Annotated[list[Annotated[float, Field(allow_inf_nan=False)]], Field(min_length=2, max_length=2)]
    ink: Literal["high", "low"] = "high"
    # How the pictures were framed and drawn, as fractions of the drawn content's larger side.
    margin: Annotated[float, Field(ge=0, le=1)] = 0.0
    stroke_width: Annotated[float, Field(ge=0, le=0.5)] = 0.0
    # The feature of each pixel, row by row from the top left; default: data.numeric in order.
    pixel_columns: list[str] | None = None


class DataParams(_Section):
    # A CSV or Parquet file in the repository, relative to its root, tracked by git or DVC.
    path: str
    target: str
    task: Task
    numeric: list[str] = Field(default_factory=list)
    categorical: list[str] = Field(default_factory=list)
    image: ImageParams | None = None

    @property
    def features(self) -> tuple[str, ...]:
        return (*self.numeric, *self.categorical)

    @property
    def pixel_columns(self) -> tuple[str, ...]:
        """The image's pixel features, row-major; empty without data.image."""
        if self.image is None:
            return ()
        return tuple(self.numeric if self.image.pixel_columns is None else self.image.pixel_columns)

    @model_validator(mode="after")
    def _columns(self) -> DataParams:
        if not self.features:
            raise ValueError("lists no features: numeric and categorical are both empty")
        seen: set[str] = set()
        for name in (self.target, *self.features):
            if name in seen:
                raise ValueError(f"column {name!r} is listed twice")
            seen.add(name)
        if PurePosixPath(self.path).suffix.lower() not in DATA_SUFFIXES:
            raise ValueError(f"path {self.path!r} must end in one of {', '.join(DATA_SUFFIXES)}")
        if self.image is not None:
            self._check_image(self.image)
        return self

    def _check_image(self, image: ImageParams) -> None:
        # A picture is all the service gets: every feature must be one of its pixels.
        pixels = self.pixel_columns
        low, high = image.value_range
        if not low < high:
            raise ValueError(f"image.value_range must be [low, high] with low < high, got {image.value_range}")
        if self.categorical:
            raise ValueError("image: a model of pixels takes no categorical features; empty data.categorical")
        if sorted(pixels) != sorted(self.numeric):
            raise ValueError("image.pixel_columns must list every numeric feature, each once")
        if len(pixels) != image.width * image.height:
            raise ValueError(
                f"image: {image.width}x{image.height} pixels need {image.width * image.height} pixel columns, "
                f"got {len(pixels)}"
            )


class PrepareParams(_Section):
    seed: StrictInt
    test_size: Annotated[float, Field(gt=0, lt=1)]


class TrainParams(_Section):
    seed: StrictInt
    # The import path of a scikit-learn-compatible estimator, fitted after the automatic preprocessing.
    estimator: str | None = None
    # Keyword arguments of the estimator's constructor.
    hyperparameters: dict[str, Any] = Field(default_factory=dict)
    # Instead of estimator: a Pipeline fitted elsewhere (joblib), validated and passed on unchanged.
    pretrained: str | None = None
    # Scale numeric features: auto scales for every estimator but tree models.
    scale_numeric: bool | Literal["auto"] = "auto"

    @model_validator(mode="after")
    def _one_model(self) -> TrainParams:
        if (self.estimator is None) == (self.pretrained is None):
            raise ValueError("set exactly one of estimator (to train) and pretrained (a fitted Pipeline)")
        if self.pretrained is not None:
            if self.hyperparameters:
                raise ValueError("hyperparameters apply to estimator, not to a pretrained Pipeline")
            parts = PurePosixPath(self.pretrained).parts
            if len(parts) < 2 or parts[0] != PRETRAINED_DIR or ".." in parts:
                raise ValueError(
                    f"pretrained {self.pretrained!r} must be a file under {PRETRAINED_DIR}/ "
                    "(the train stage depends on that folder)"
                )
        return self


class GateParams(_Section):
    # A key of reports/metrics.json.
    metric: str
    # Which change of the metric counts as worse.
    worse_if: Literal["decrease", "increase"]
    # The largest change in the worse direction that still passes.
    tolerance: Annotated[float, Field(ge=0)]


DEFAULT_GATES: dict[str, GateParams] = {
    "classification": GateParams(metric="macro_f1", worse_if="decrease", tolerance=0.02),
    "regression": GateParams(metric="rmse", worse_if="increase", tolerance=0.0),
}


class EvaluateParams(_Section):
    # Test-split records stored in the model bundle to verify every reader reproduces training.
    golden_records: Annotated[StrictInt, Field(ge=1, le=1000)] = 20
    # The pull-request gate; the task's default when absent.
    gate: GateParams | None = None


class Params(_Section):
    data: DataParams
    prepare: PrepareParams
    train: TrainParams
    evaluate: EvaluateParams = Field(default_factory=EvaluateParams)
    # The file as written, recorded in the bundle.
    raw: dict[str, Any] = Field(default_factory=dict, exclude=True)

    @property
    def gate(self) -> GateParams:
        return self.evaluate.gate or DEFAULT_GATES[self.data.task]


def load_params(path: Path) -> Params:
    """Parse a params file; raises ConfigError with one line naming the file and the key."""
    source = path.name if path.name == PARAMS_FILE else str(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError as exc:
        raise ConfigError(f"{source}: file not found") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{source}: not valid YAML{where}: {getattr(exc, 'problem', None) or exc}") from exc
    return parse_params(raw, source=source)


def parse_params(raw: Any, *, source: str = PARAMS_FILE) -> Params:
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: expected a mapping of sections, got {_shown(raw)}")
    try:
        params = Params.model_validate({key: value for key, value in raw.items() if key != "raw"})
    except ValidationError as exc:
        raise ConfigError(f"{source}: {_describe(exc)}") from exc
    return params.model_copy(update={"raw": raw})


def _describe(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False)
    # A misspelt key also makes its intended key "missing": name the misspelling, the cause.
    error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    where = ".".join(str(part) for part in error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "missing":
        message = "missing required key"
    elif error["type"] == "extra_forbidden":
        message = "unknown key (check the spelling)"
    elif "input" in error and error["type"] not in ("value_error",):
        message = f"{message}, got {_shown(error['input'])}"
    return f"{where}: {message}" if where else message


def _shown(value: Any) -> str:
    return "null" if value is None else f"{type(value).__name__} {value!r}"
