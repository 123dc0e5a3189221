"""train: fit the preprocessing + estimator Pipeline on the training split and save it."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import joblib
import pandas as pd
from sklearn.pipeline import Pipeline

from training import _cli
from training.dataset import read_csv
from training.model import build_estimator, build_model
from training.params import DataParams, TrainParams, load_params


def fit(train: pd.DataFrame, data: DataParams, params: TrainParams) -> Pipeline:
    pipeline = build_model(data, params.estimator, params.hyperparameters, seed=params.seed)
    return pipeline.fit(train[list(data.features)], train[data.target])


def main(argv: list[str] | None = None) -> None:
    cli = _cli.parser(__doc__ or "")
    cli.add_argument("--train", type=Path, required=True, help="the training split (CSV)")
    cli.add_argument("--model", type=Path, required=True, help="where to write the joblib Pipeline")
    cli.add_argument("--info", type=Path, required=True, help="where to write when and how long training ran")
    args = cli.parse_args(argv)
    params = load_params(args.params)
    # Validate the estimator before reading data, so a typo fails fast.
    build_estimator(params.train.estimator, params.train.hyperparameters, seed=params.train.seed)
    train = read_csv(args.train, params.data)
    started, clock = datetime.now(UTC), time.perf_counter()
    pipeline = fit(train, params.data, params.train)
    seconds = time.perf_counter() - clock
    args.model.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(pipeline, args.model)
    _cli.write_json(
        args.info,
        {
            "trained_at": started.isoformat(timespec="seconds"),
            "training_seconds": round(seconds, 3),
            "rows": len(train),
        },
    )


if __name__ == "__main__":
    sys.exit(_cli.run(main))
