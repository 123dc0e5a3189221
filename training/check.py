"""Check params.yaml, the data file's columns and the model choice before `dvc repro` runs.

    python -m training.check [--params params.yaml]      # exit 0, or 2 with one line naming the key

DVC stops on a missing dependency with its own words before any stage runs; this says which
key to fix and what to do (`dvc pull` when DVC tracks the file). The stages check the same
things again, for runs without make.
"""

from __future__ import annotations

import sys
from pathlib import Path

from training import _cli
from training.dataset import check_columns, read_table
from training.errors import missing_file
from training.estimators import build_estimator
from training.params import load_params


def check(params_file: Path) -> None:
    """Raises ConfigError at the first problem."""
    params = load_params(params_file)
    path = Path(params.data.path)
    check_columns([str(name) for name in read_table(path, header_only=True).columns], params.data, str(path))
    if params.train.estimator is not None:
        build_estimator(params.train, params.data.task)
    elif params.train.pretrained is not None and not Path(params.train.pretrained).is_file():
        raise missing_file("train.pretrained", params.train.pretrained)


def main(argv: list[str] | None = None) -> None:
    args = _cli.parser(__doc__ or "").parse_args(argv)
    check(args.params)


if __name__ == "__main__":
    sys.exit(_cli.run(main))
