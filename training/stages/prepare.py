"""prepare: read the dataset named by params.yaml data.path and make a seeded train/test split."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from training import _cli
from training.dataset import read_dataset
from training.params import load_params
from training.split import split

TRAIN_FILE, TEST_FILE = "train.parquet", "test.parquet"


def write_split(frame: pd.DataFrame, path: Path) -> None:
    # Parquet keeps what CSV would lose: label types (bool, int, "01"), column names as written.
    frame.to_parquet(path, index=False)


def main(argv: list[str] | None = None) -> None:
    cli = _cli.parser(__doc__ or "")
    cli.add_argument("--out", type=Path, required=True, help=f"folder for {TRAIN_FILE} and {TEST_FILE}")
    args = cli.parse_args(argv)
    params = load_params(args.params)
    train, test = split(read_dataset(Path(params.data.path), params.data), params.data, params.prepare)
    args.out.mkdir(parents=True, exist_ok=True)
    write_split(train, args.out / TRAIN_FILE)
    write_split(test, args.out / TEST_FILE)


if __name__ == "__main__":
    sys.exit(_cli.run(main))
