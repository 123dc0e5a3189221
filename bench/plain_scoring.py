"""The plain way to score a Parquet file, the batch-scoring benchmark's baseline.

    python bench/plain_scoring.py INPUT.parquet OUTPUT.parquet MODEL.joblib

What one would write without `make score`: the whole file into pandas, the joblib Pipeline's
predict and predict_proba, the input's columns plus the label and one probability column
per class, written with to_parquet. No validation, no streaming. Categorical gaps become ""
first, as the Pipeline expects (README, "Missing values"). joblib runs code when it loads a
file: load only files you trust.
"""

from __future__ import annotations

import sys

import joblib
import pandas as pd


def main(argv: list[str]) -> int:
    source, target, model_file = argv
    pipeline = joblib.load(model_file)
    frame = pd.read_parquet(source)
    features = frame[list(pipeline.feature_names_in_)]
    text = features.select_dtypes(exclude="number").columns
    features = features.astype({name: object for name in text}).fillna({name: "" for name in text})
    frame["prediction"] = pipeline.predict(features)
    probabilities = pipeline.predict_proba(features)
    for index, label in enumerate(pipeline.classes_):
        frame[f"probability_{label}"] = probabilities[:, index]
    frame.to_parquet(target, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
