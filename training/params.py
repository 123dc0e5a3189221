"""The one reader of params.yaml: parses it into typed, validated sections."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from training.errors import ConfigError


@dataclass(frozen=True)
class DataParams:
    target: str
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]

    @property
    def features(self) -> tuple[str, ...]:
        return self.numeric + self.categorical


@dataclass(frozen=True)
class PrepareParams:
    seed: int
    test_size: float


@dataclass(frozen=True)
class TrainParams:
    seed: int
    estimator: str
    hyperparameters: dict[str, Any]


@dataclass(frozen=True)
class EvaluateParams:
    golden_records: int
    max_macro_f1_drop: float


@dataclass(frozen=True)
class Params:
    data: DataParams
    prepare: PrepareParams
    train: TrainParams
    evaluate: EvaluateParams
    # The file as written, recorded in the model metadata.
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


def load_params(path: Path) -> Params:
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', None) or exc}") from exc
    return parse_params(raw, source=str(path))


def parse_params(raw: Any, *, source: str = "params.yaml") -> Params:
    root = _Section(raw, source)
    data, prepare, train, evaluate = (root.section(n) for n in ("data", "prepare", "train", "evaluate"))
    params = Params(
        data=DataParams(
            target=data.get("target", str),
            numeric=tuple(data.string_list("numeric")),
            categorical=tuple(data.string_list("categorical")),
        ),
        prepare=PrepareParams(
            seed=prepare.get("seed", int),
            test_size=prepare.number("test_size", low=0.0, high=1.0),
        ),
        train=_parse_train(train),
        evaluate=EvaluateParams(
            golden_records=evaluate.get("golden_records", int),
            max_macro_f1_drop=evaluate.number("max_macro_f1_drop", low=0.0, high=1.0),
        ),
        raw=root.values,
    )
    _check_features(params.data, source)
    return params


def _parse_train(train: _Section) -> TrainParams:
    estimator = train.get("estimator", str)
    table = train.section("hyperparameters")
    hyperparameters = table.section(estimator).values if estimator in table.values else {}
    return TrainParams(seed=train.get("seed", int), estimator=estimator, hyperparameters=hyperparameters)


def _check_features(data: DataParams, source: str) -> None:
    if not data.features:
        raise ConfigError(f"{source}: data lists no features (numeric and categorical are both empty)")
    seen: set[str] = set()
    for name in (data.target, *data.features):
        if name in seen:
            raise ConfigError(f"{source}: column {name!r} is listed twice in data")
        seen.add(name)


class _Section:
    """A mapping from the YAML file whose errors name the file and the dotted key."""

    def __init__(self, values: Any, source: str, key: str = "") -> None:
        self.source, self.key = source, key
        if not isinstance(values, dict):
            raise ConfigError(f"{self._where()}: expected a mapping, got {_type_name(values)}")
        self.values: dict[str, Any] = values

    def _where(self, child: str = "") -> str:
        dotted = ".".join(part for part in (self.key, child) if part)
        return f"{self.source}: {dotted}" if dotted else self.source

    def _require(self, key: str) -> Any:
        if key not in self.values:
            raise ConfigError(f"{self._where(key)}: missing required key")
        return self.values[key]

    def section(self, key: str) -> _Section:
        return _Section(self._require(key), self.source, ".".join(p for p in (self.key, key) if p))

    def get(self, key: str, kind: type) -> Any:
        value = self._require(key)
        # bool is an int subclass; a seed of `true` is a typo, not a number.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ConfigError(f"{self._where(key)}: expected {kind.__name__}, got {_type_name(value)} {value!r}")
        return value

    def number(self, key: str, *, low: float, high: float) -> float:
        value = self._require(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{self._where(key)}: expected a number, got {_type_name(value)} {value!r}")
        if not low <= value <= high:
            raise ConfigError(f"{self._where(key)}: {value} is outside [{low}, {high}]")
        return float(value)

    def string_list(self, key: str) -> list[str]:
        value = self._require(key)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ConfigError(f"{self._where(key)}: expected a list of column names, got {value!r}")
        return value


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__
