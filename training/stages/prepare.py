"""prepare: snapshot the embedded dataset, then make a seeded, stratified train/test split."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
from sklearn.model_selection import train_test_split

from training import _cli
from training.dataset import embedded_dataset, read_csv
from training.errors import ConfigError
from training.params import DataParams, PrepareParams, load_params


def split(frame: pd.DataFrame, data: DataParams, prepare: PrepareParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    counts = frame[data.target].value_counts()
    if len(counts) < 2:
        raise ConfigError(f"target {data.target!r} has {len(counts)} class(es); a classifier needs at least 2")
    if counts.min() < 2:
        raise ConfigError(f"class {counts.idxmin()!r} of {data.target!r} has one row; a stratified split needs 2")
    train, test = train_test_split(
        frame, test_size=prepare.test_size, random_state=prepare.seed, stratify=frame[data.target]
    )
    return train.reset_index(drop=True), test.reset_index(drop=True)


def main(argv: list[str] | None = None) -> None:
    cli = _cli.parser(__doc__ or "")
    cli.add_argument("--raw", type=Path, required=True, help="where to write the raw snapshot (CSV)")
    cli.add_argument("--out", type=Path, required=True, help="folder for train.csv and test.csv")
    args = cli.parse_args(argv)
    params = load_params(args.params)
    args.raw.parent.mkdir(parents=True, exist_ok=True)
    args.raw.write_bytes(embedded_dataset())
    train, test = split(read_csv(args.raw, params.data), params.data, params.prepare)
    args.out.mkdir(parents=True, exist_ok=True)
    train.to_csv(args.out / "train.csv", index=False)
    test.to_csv(args.out / "test.csv", index=False)


if __name__ == "__main__":
    sys.exit(_cli.run(main))
