"""train: fit the preprocessing + estimator Pipeline on the training split, or check a pretrained one."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib

from training import _cli
from training.dataset import read_dataset
from training.model import fit, load_pretrained
from training.params import load_params


def main(argv: list[str] | None = None) -> None:
    cli = _cli.parser(__doc__ or "")
    cli.add_argument("--train", type=Path, required=True, help="the training split")
    cli.add_argument("--model", type=Path, required=True, help="where to write the joblib Pipeline")
    cli.add_argument("--info", type=Path, required=True, help="where to write when and how long training ran")
    args = cli.parse_args(argv)
    params = load_params(args.params)
    train = read_dataset(args.train, params.data)
    started, clock = datetime.now(UTC), time.perf_counter()
    pipeline: Any
    if params.train.pretrained is not None:
        pipeline = load_pretrained(Path(params.train.pretrained), train, params.data)
    else:
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
