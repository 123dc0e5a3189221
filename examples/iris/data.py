"""Fisher's iris, as shipped with scikit-learn: 150 flowers, 4 measurements, 3 species (no network)."""

from __future__ import annotations

from pathlib import Path

from sklearn.datasets import load_iris

FILE = "data/raw/iris.csv"


def write(folder: Path) -> Path:
    bunch = load_iris(as_frame=True)
    frame = bunch.frame.rename(columns={name: name.replace(" (cm)", "_cm").replace(" ", "_") for name in bunch.frame})
    frame["species"] = [str(bunch.target_names[code]) for code in frame.pop("target")]
    path = folder / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path
