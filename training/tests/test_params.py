from __future__ import annotations

from pathlib import Path

import pytest

from training.errors import ConfigError
from training.params import load_params, parse_params


def test_parses_every_section(raw_params: dict) -> None:
    params = parse_params(raw_params)
    assert params.data.features == ("bill_length_mm", "body_mass_g", "island")
    assert params.prepare.test_size == 0.25
    assert params.train.hyperparameters == {"C": 1.0, "max_iter": 500}
    assert params.evaluate.golden_records == 5
    assert params.raw is raw_params


def test_the_repository_params_file_is_valid() -> None:
    params = load_params(Path("params.yaml"))
    assert params.train.estimator == "logistic_regression"
    assert params.data.target not in params.data.features


def test_estimator_without_hyperparameters_gets_defaults(raw_params: dict) -> None:
    raw_params["train"]["estimator"] = "random_forest"
    assert parse_params(raw_params).train.hyperparameters == {}


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        ("prepare", "seed", "seven", "params.yaml: prepare.seed: expected int, got str 'seven'"),
        ("prepare", "seed", True, "params.yaml: prepare.seed: expected int, got bool True"),
        ("prepare", "test_size", 1.5, "params.yaml: prepare.test_size: 1.5 is outside [0.0, 1.0]"),
        ("prepare", "test_size", None, "params.yaml: prepare.test_size: expected a number, got null None"),
        ("data", "numeric", "bill_length_mm", "params.yaml: data.numeric: expected a list of column names"),
        ("train", "hyperparameters", [1], "params.yaml: train.hyperparameters: expected a mapping, got list"),
    ],
)
def test_wrong_values_name_the_key(raw_params: dict, section: str, key: str, value: object, message: str) -> None:
    raw_params[section][key] = value
    with pytest.raises(ConfigError) as error:
        parse_params(raw_params)
    assert str(error.value).startswith(message)


def test_missing_key_is_named(raw_params: dict) -> None:
    del raw_params["train"]["seed"]
    with pytest.raises(ConfigError, match=r"^params.yaml: train.seed: missing required key$"):
        parse_params(raw_params)


def test_missing_section_is_named(raw_params: dict) -> None:
    del raw_params["evaluate"]
    with pytest.raises(ConfigError, match=r"^params.yaml: evaluate: missing required key$"):
        parse_params(raw_params)


def test_a_column_listed_twice_is_refused(raw_params: dict) -> None:
    raw_params["data"]["categorical"] = ["island", "species"]
    with pytest.raises(ConfigError, match="column 'species' is listed twice"):
        parse_params(raw_params)


def test_unreadable_files_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_params(tmp_path / "absent.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("data: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_params(broken)
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    with pytest.raises(ConfigError, match="expected a mapping, got null"):
        load_params(empty)
