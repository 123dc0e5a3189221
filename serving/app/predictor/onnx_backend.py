"""The ONNX backend: onnxruntime on the graph exported by the convert stage.

Nothing here imports pandas or scikit-learn, and loading never unpickles: an ONNX file is
a protobuf graph of standard operators, not code.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime

from app.predictor.errors import MetadataError, ModelLoadError
from app.predictor.metadata import Feature, NumberFeature
from app.predictor.records import Record

# The convert stage's output names (training/onnx_export.py).
PROBABILITIES_OUTPUT = "probabilities"
# How training marks a categorical gap (training/dataset.py MISSING_CATEGORY).
MISSING_CATEGORY = ""


class OnnxBackend:
    name = "onnx"
    # Tens of microseconds a row: cheaper inline than a thread hop.
    blocking = False

    def __init__(self, session: onnxruntime.InferenceSession, features: Sequence[Feature], classes: Sequence[str]):
        self._session = session
        self._numeric = [f.name for f in features if isinstance(f, NumberFeature)]
        self._categorical = [f.name for f in features if not isinstance(f, NumberFeature)]
        inputs = sorted(i.name for i in session.get_inputs())
        if inputs != sorted(f.name for f in features):
            raise MetadataError(
                f"the ONNX model takes inputs {inputs}, the metadata describes {[f.name for f in features]}"
            )
        # Column order of the probabilities: the Pipeline's classes_, which the metadata lists
        # and the golden replay confirms.
        self._classes = tuple(classes)

    @classmethod
    def load(cls, path: Path, features: Sequence[Feature], classes: Sequence[str]) -> OnnxBackend:
        options = onnxruntime.SessionOptions()
        # One thread per worker: gunicorn runs a worker per core, and more threads only contend.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        try:
            session = onnxruntime.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types for a bad graph
            raise ModelLoadError(f"{path}: cannot load the ONNX model ({type(exc).__name__}: {exc})") from exc
        return cls(session, features, classes)

    @property
    def classes(self) -> tuple[str, ...]:
        return self._classes

    def predict_proba(self, records: Sequence[Record]) -> npt.NDArray[np.float64]:
        (probabilities,) = self._session.run([PROBABILITIES_OUTPUT], self.inputs(records))
        return np.asarray(probabilities, dtype=np.float64)

    def inputs(self, records: Sequence[Record]) -> dict[str, npt.NDArray[np.generic]]:
        """One [n, 1] column per feature, straight from the validated records: no DataFrame."""
        columns: dict[str, npt.NDArray[np.generic]] = {}
        for name in self._numeric:
            values = [np.nan if record[name] is None else record[name] for record in records]
            columns[name] = np.array(values, dtype=np.float32).reshape(-1, 1)
        for name in self._categorical:
            labels = [MISSING_CATEGORY if record[name] is None else record[name] for record in records]
            columns[name] = np.array(labels, dtype=object).reshape(-1, 1)
        return columns
