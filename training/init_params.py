"""Write params.yaml for a new data file: infer the feature columns and the task from the data.

    python -m training.init_params --data data/raw/houses.csv --target price [--params params.yaml]

The data section is written from the file; prepare and evaluate.golden_records are kept; the
estimator and the gate are kept when they suit the inferred task, else replaced by the task's
defaults. Notes (an ambiguous task, each column left out and why) go to stdout and into the file.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from training import _cli
from training.dataset import read_table
from training.errors import ConfigError
from training.estimators import check_task
from training.params import DEFAULT_GATES, PARAMS_FILE, Task

# A text column with more distinct values than this is free text or an identifier, not a category.
MAX_CATEGORIES = 50
# Text this long on average is prose, not a category.
FREE_TEXT_LENGTH = 20
# An integer target with at most this many distinct values is taken for class labels.
MAX_INTEGER_CLASSES = 20
DEFAULT_ESTIMATORS: dict[str, tuple[str, dict[str, Any]]] = {
    "classification": ("sklearn.linear_model.LogisticRegression", {"C": 1.0, "max_iter": 1000}),
    "regression": ("sklearn.linear_model.Ridge", {"alpha": 1.0}),
}


@dataclass
class Inference:
    task: Task
    numeric: list[str] = field(default_factory=list)
    categorical: list[str] = field(default_factory=list)
    # Column (or "task") -> why.
    notes: list[str] = field(default_factory=list)


def infer_task(target: pd.Series, name: str) -> tuple[Task, str | None]:
    """The task a target column suggests, and a note when the choice is a guess."""
    values = target.dropna()
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return "classification", None
    distinct = values.nunique()
    integral = bool((values == values.round()).all())
    if integral and distinct <= MAX_INTEGER_CLASSES:
        return "classification", (
            f"task: {name!r} holds {distinct} distinct whole numbers, taken for class labels; "
            "set data.task: regression if it is a quantity"
        )
    if integral:
        return "regression", (
            f"task: {name!r} holds {distinct} distinct whole numbers, taken for a quantity; "
            "set data.task: classification if they are labels"
        )
    return "regression", None


def classify_column(column: pd.Series, name: str) -> tuple[str | None, str | None]:
    """("numeric" | "categorical" | None, why it was left out)."""
    values = column.dropna()
    if values.empty:
        return None, f"{name!r}: left out, empty"
    distinct = values.nunique()
    if distinct == 1:
        return None, f"{name!r}: left out, constant ({values.iloc[0]!r})"
    if pd.api.types.is_bool_dtype(values):
        return "categorical", None
    if pd.api.types.is_datetime64_any_dtype(values):
        return None, f"{name!r}: left out, a date/time: derive numeric features from it (e.g. day of week)"
    if pd.api.types.is_numeric_dtype(values):
        if pd.api.types.is_integer_dtype(values) and distinct == len(values) and _looks_like_id(name, values):
            return None, f"{name!r}: left out, identifier-like (a distinct whole number in every row)"
        return "numeric", None
    if values.astype(str).str.len().mean() > FREE_TEXT_LENGTH:
        return None, f"{name!r}: left out, free text (values of {FREE_TEXT_LENGTH}+ characters on average)"
    if distinct == len(values) and len(values) > MAX_CATEGORIES:
        return None, f"{name!r}: left out, identifier-like (a distinct value in every row)"
    if distinct > MAX_CATEGORIES:
        return (
            None,
            f"{name!r}: left out, free text ({distinct} distinct values; at most {MAX_CATEGORIES} make a category)",
        )
    return "categorical", None


def _looks_like_id(name: str, values: pd.Series) -> bool:
    lowered = name.lower()
    consecutive = bool((values.sort_values().diff().dropna() == 1).all())
    return consecutive or lowered == "id" or lowered.endswith(("_id", " id", "id_"))


def infer(frame: pd.DataFrame, target: str) -> Inference:
    """Raises ConfigError when the target is not a column or has no values."""
    frame = frame.rename(columns=str)
    if target not in frame.columns:
        raise ConfigError(f"TARGET: column {target!r} is not in the data (it has: {', '.join(frame.columns)})")
    if frame[target].dropna().empty:
        raise ConfigError(f"TARGET: column {target!r} has no values")
    task, note = infer_task(frame[target], target)
    inference = Inference(task=task, notes=[note] if note else [])
    for name in frame.columns:
        if name == target:
            continue
        kind, why = classify_column(frame[name], name)
        if kind == "numeric":
            inference.numeric.append(name)
        elif kind == "categorical":
            inference.categorical.append(name)
        if why:
            inference.notes.append(why)
    if not inference.numeric and not inference.categorical:
        raise ConfigError(f"DATA: no usable feature column besides {target!r}: {'; '.join(inference.notes)}")
    return inference


def render(data_path: str, target: str, inference: Inference, current: dict[str, Any]) -> tuple[str, list[str]]:
    """The new params.yaml text, and what changed besides the data section."""
    changes: list[str] = []
    prepare = current.get("prepare") or {"seed": 42, "test_size": 0.25}
    train = dict(current.get("train") or {"seed": 42})
    if not _suits(train, inference.task):
        estimator, hyperparameters = DEFAULT_ESTIMATORS[inference.task]
        changes.append(f"train.estimator: {train.get('estimator') or train.get('pretrained')} -> {estimator}")
        train = {"seed": train.get("seed", 42), "estimator": estimator, "hyperparameters": hyperparameters}
    evaluate = dict(current.get("evaluate") or {})
    gate = DEFAULT_GATES[inference.task].model_dump()
    if current.get("data", {}).get("task") != inference.task or "gate" not in evaluate:
        if "gate" in evaluate and evaluate["gate"] != gate:
            changes.append(f"evaluate.gate -> the {inference.task} default ({gate['metric']})")
        evaluate["gate"] = gate
    evaluate.setdefault("golden_records", 20)
    data = {
        "path": data_path,
        "target": target,
        "task": inference.task,
        "numeric": inference.numeric,
        "categorical": inference.categorical,
    }
    notes = "".join(f"# - {note}\n" for note in inference.notes)
    text = (
        "# One section per stage; every stage reads this file through training/params.py.\n"
        f"# data: written by `make init-params` from {data_path}; check it, then `make train`.\n"
        + (f"# Notes:\n{notes}" if notes else "")
        + _dump({"data": data})
        + "\n"
        + _dump({"prepare": prepare})
        + "\n# train.estimator: the import path of any scikit-learn-compatible estimator; hyperparameters: its\n"
        "# constructor's keyword arguments. Or train.pretrained: models/<file>.joblib, a Pipeline fitted elsewhere.\n"
        + _dump({"train": train})
        + "\n# The pull-request gate: fail when the metric gets worse (worse_if) by more than the tolerance.\n"
        + _dump({"evaluate": evaluate})
    )
    return text, changes


def _suits(train: dict[str, Any], task: Task) -> bool:
    if "pretrained" in train:
        return True  # checked against the data when it is loaded
    from training.estimators import import_estimator

    try:
        check_task(import_estimator(str(train.get("estimator")))(), task, name=str(train.get("estimator")))
    except (ConfigError, TypeError):
        return False
    return True


def _dump(section: dict[str, Any]) -> str:
    return yaml.safe_dump(section, sort_keys=False, allow_unicode=True, default_flow_style=None, width=1000)


def main(argv: list[str] | None = None) -> None:
    cli = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    cli.add_argument("--data", type=Path, required=True, help="the CSV or Parquet file, inside the repository")
    cli.add_argument("--target", required=True, help="the column to predict")
    cli.add_argument("--params", type=Path, default=Path(PARAMS_FILE), help="the params file to write")
    args = cli.parse_args(argv)
    if args.data.suffix.lower() not in (".csv", ".parquet", ".pq"):
        raise ConfigError(f"DATA: {args.data} must be a .csv, .parquet or .pq file")
    if args.data.is_absolute() or ".." in args.data.parts:
        try:
            args.data = args.data.resolve().relative_to(Path.cwd())
        except ValueError:
            raise ConfigError(
                f"DATA: {args.data} is outside the repository; copy it under data/raw/ and `dvc add` it, "
                "or `dvc import-url` it"
            ) from None
    inference = infer(read_table(args.data), args.target)
    current = yaml.safe_load(args.params.read_text()) if args.params.is_file() else {}
    text, changes = render(args.data.as_posix(), args.target, inference, current or {})
    temporary = args.params.with_name(f".{args.params.name}.tmp")
    temporary.write_text(text)
    temporary.replace(args.params)
    print(
        f"wrote {args.params}: {inference.task}, target {args.target!r}, "
        f"{len(inference.numeric)} numeric and {len(inference.categorical)} categorical feature(s)"
    )
    for line in [*inference.notes, *changes]:
        print(f"  note: {line}")
    print("next: `make train` (or `make serve`); track a large file with `dvc add`")


if __name__ == "__main__":
    sys.exit(_cli.run(main))
