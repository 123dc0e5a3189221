"""scikit-learn's handwritten digits: 1,797 pictures of 8x8 pixels, ink counted 0..16 per pixel (no network).

Each row is one picture: `pixel_<row>_<column>` from the top left, then the `digit` drawn.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sklearn.datasets import load_digits

FILE = "data/raw/digits.csv"
SIDE = 8


def frame() -> pd.DataFrame:
    bunch = load_digits(as_frame=True)
    pixels: pd.DataFrame = bunch.data.astype(int)
    pixels.columns = [f"pixel_{row}_{column}" for row in range(SIDE) for column in range(SIDE)]
    pixels["digit"] = bunch.target
    return pixels


def write(folder: Path) -> Path:
    path = folder / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    frame().to_csv(path, index=False)
    return path
