"""The diabetes progression data shipped with scikit-learn: 442 patients, 10 baseline measurements.

The target is a quantitative measure of disease progression one year after baseline. The
measurements are as scikit-learn ships them (mean-centred and scaled); sex is written as a
category so that the example has one.
"""

from __future__ import annotations

from pathlib import Path

from sklearn.datasets import load_diabetes

FILE = "data/raw/diabetes.csv"


def write(folder: Path) -> Path:
    frame = load_diabetes(as_frame=True).frame.rename(columns={"target": "progression"})
    # Two values in the scaled data: the lower one is one sex, the higher the other.
    frame["sex"] = ["a" if value < 0 else "b" for value in frame["sex"]]
    path = folder / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path
