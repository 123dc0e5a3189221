from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from training.errors import ConfigError
from training.params import DEFAULT_GATES, load_params, parse_params


def test_parses_every_section(raw_params: dict) -> None:
    params = parse_params(raw_params)
    assert params.data.features == ("bill_length_mm", "body_mass_g", "island")
    assert params.data.task == "classification"
    assert params.prepare.test_size == 0.25
    assert params.train.estimator == "sklearn.linear_model.LogisticRegression"
    assert params.train.hyperparameters == {"max_iter": 500}
    assert params.evaluate.golden_records == 5
    assert params.gate.metric == "macro_f1"
    assert params.raw is raw_params


def test_the_repository_params_file_is_valid() -> None:
    params = load_params(Path("params.yaml"))
    assert params.data.path == "data/raw/penguins.csv"
    assert params.train.estimator == "sklearn.linear_model.LogisticRegression"
    assert params.data.target not in params.data.features


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_the_gate_defaults_to_the_task_s(raw_params: dict, task: str) -> None:
    del raw_params["evaluate"]["gate"]
    raw_params["data"]["task"] = task
    assert parse_params(raw_params).gate == DEFAULT_GATES[task]


def test_a_pretrained_pipeline_replaces_the_estimator(raw_params: dict) -> None:
    raw_params["train"] = {"seed": 1, "pretrained": "models/pipeline.joblib"}
    assert parse_params(raw_params).train.pretrained == "models/pipeline.joblib"


def set_key(raw: dict, dotted: str, value: Any) -> None:
    *sections, key = dotted.split(".")
    for section in sections:
        raw = raw[section]
    if value is KeyError:
        del raw[key]
    else:
        raw[key] = value


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("prepare.seed", "seven", "params.yaml: prepare.seed: Input should be a valid integer, got str 'seven'"),
        ("prepare.seed", True, "params.yaml: prepare.seed: Input should be a valid integer, got bool True"),
        ("prepare.test_size", 1.5, "params.yaml: prepare.test_size: Input should be less than 1, got float 1.5"),
        ("prepare.test_size", None, "params.yaml: prepare.test_size: Input should be a valid number, got null"),
        ("data.numeric", "bill_length_mm", "params.yaml: data.numeric: Input should be a valid list, got str"),
        ("data.task", "clustering", "params.yaml: data.task: Input should be 'classification' or 'regression'"),
        ("data.path", "data.xlsx", "params.yaml: data: path 'data.xlsx' must end in one of .csv, .parquet, .pq"),
        ("data.numeric", ["species"], "params.yaml: data: column 'species' is listed twice"),
        ("train.hyperparameters", [1], "params.yaml: train.hyperparameters: Input should be a valid dictionary"),
        ("train.estimator", KeyError, "params.yaml: train: set exactly one of estimator (to train) and pretrained"),
        ("train.pretrained", "models/p.joblib", "params.yaml: train: set exactly one of estimator (to train) and"),
        ("train.seed", KeyError, "params.yaml: train.seed: missing required key"),
        ("train.estimater", "x", "params.yaml: train.estimater: unknown key (check the spelling)"),
        ("evaluate.gate.worse_if", "up", "params.yaml: evaluate.gate.worse_if: Input should be 'decrease' or"),
        ("evaluate.gate.tolerance", -1, "params.yaml: evaluate.gate.tolerance: Input should be greater than or"),
    ],
)
def test_wrong_values_name_the_key(raw_params: dict, key: str, value: object, message: str) -> None:
    set_key(raw_params, key, value)
    with pytest.raises(ConfigError) as error:
        parse_params(raw_params)
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


def test_a_misspelt_key_is_named_rather_than_the_key_it_hides(raw_params: dict) -> None:
    raw_params["data"]["traget"] = raw_params["data"].pop("target")
    with pytest.raises(ConfigError, match=r"^params.yaml: data.traget: unknown key \(check the spelling\)$"):
        parse_params(raw_params)


@pytest.mark.parametrize("path", ["pipeline.joblib", "elsewhere/pipeline.joblib", "models/../pipeline.joblib"])
def test_a_pretrained_pipeline_must_live_under_models(raw_params: dict, path: str) -> None:
    raw_params["train"] = {"seed": 1, "pretrained": path}
    with pytest.raises(ConfigError, match=r"^params.yaml: train: pretrained .* must be a file under models/"):
        parse_params(raw_params)


def test_missing_section_is_named(raw_params: dict) -> None:
    del raw_params["data"]
    with pytest.raises(ConfigError, match=r"^params.yaml: data: missing required key$"):
        parse_params(raw_params)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "params.yaml"
    path.write_text("data:\n  target: [species\n")
    with pytest.raises(ConfigError, match=r"^params.yaml: not valid YAML at line 3"):
        load_params(path)


def test_unreadable_files_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_params(tmp_path / "absent.yaml")
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    with pytest.raises(ConfigError, match="expected a mapping of sections, got null"):
        load_params(empty)
