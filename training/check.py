"""Check params.yaml, the data and the model choice before `dvc repro` runs, writing nothing.

    python -m training.check [--params params.yaml]      # exit 0, or 2 with one line naming the key

DVC stops on a missing dependency in its own words before any stage runs, and deletes a
stage's outputs before running it: this says which key to fix (and `dvc pull` when DVC tracks
the file) while the last good outputs are still there. It reads and splits the data as
prepare does, and fits the estimator on a sample of the training split (scikit-learn checks
hyperparameter values when fitting) or checks the pretrained Pipeline as train does. The
stages check the same things again, for runs without make.
"""

from __future__ import annotations

import sys
from pathlib import Path

from training import _cli
from training.dataset import read_dataset
from training.model import fit, load_pretrained
from training.params import load_params
from training.split import split

# Enough rows for scikit-learn to check every hyperparameter value, few enough to fit in moments.
SAMPLE_ROWS = 1000


def check(params_file: Path) -> None:
    """Raises ConfigError at the first problem."""
    params = load_params(params_file)
    train, _ = split(read_dataset(Path(params.data.path), params.data), params.data, params.prepare)
    if params.train.pretrained is not None:
        load_pretrained(Path(params.train.pretrained), train, params.data)
    else:
        fit(train.head(SAMPLE_ROWS), params.data, params.train)


def main(argv: list[str] | None = None) -> None:
    args = _cli.parser(__doc__ or "").parse_args(argv)
    check(args.params)


if __name__ == "__main__":
    sys.exit(_cli.run(main))
