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

from app.bundle import (
    ONNX_PREDICTION_OUTPUT,
    ONNX_PROBABILITIES_OUTPUT,
    BundleMetadata,
    Label,
    NumberFeature,
)
from app.predictor.columns import Columns, record_columns
from app.predictor.errors import MetadataError, ModelLoadError
from app.predictor.records import Record


class OnnxBackend:
    name = "onnx"
    # Tens of microseconds a row: cheaper inline than a thread hop.
    blocking = False

    def __init__(self, session: onnxruntime.InferenceSession, metadata: BundleMetadata) -> None:
        self._session = session
        onnx = metadata.artifacts.onnx
        inputs = list(onnx.inputs or []) if onnx is not None else []
        graph_inputs = [graph_input.name for graph_input in session.get_inputs()]
        names = [feature.name for feature in metadata.features]
        # By position: the converter rewrites names that are not identifiers ("body mass (g)" -> "body_mass__g_").
        if graph_inputs != inputs or len(inputs) != len(names):
            raise MetadataError(
                f"the ONNX model takes inputs {graph_inputs}, the metadata lists inputs {inputs} "
                f"for the features {names}"
            )
        # (feature name, graph input name) pairs, numbers first: the order columns are built in.
        pairs = list(zip(metadata.features, inputs, strict=True))
        self._numeric = [(f.name, graph_input) for f, graph_input in pairs if isinstance(f, NumberFeature)]
        self._categorical = [(f.name, graph_input) for f, graph_input in pairs if not isinstance(f, NumberFeature)]
        self._features = tuple(metadata.features)
        # Column order of the probabilities: the Pipeline's classes_, which the metadata lists
        # and the golden replay confirms.
        self._classes: tuple[Label, ...] = tuple(metadata.classes or ())
        self._regression = metadata.task == "regression"
        self._output = ONNX_PREDICTION_OUTPUT if self._regression else ONNX_PROBABILITIES_OUTPUT

    @classmethod
    def load(cls, path: Path, metadata: BundleMetadata) -> OnnxBackend:
        options = onnxruntime.SessionOptions()
        # One thread per worker: gunicorn runs a worker per core, and more threads only contend.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        try:
            session = onnxruntime.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types for a bad graph
            raise ModelLoadError(f"{path}: cannot load the ONNX model ({type(exc).__name__}: {exc})") from exc
        return cls(session, metadata)

    @property
    def classes(self) -> tuple[Label, ...]:
        return self._classes

    def predict(self, records: Sequence[Record]) -> npt.NDArray[np.float64]:
        return self.predict_columns(record_columns(self._features, records))

    def predict_columns(self, columns: Columns) -> npt.NDArray[np.float64]:
        (output,) = self._session.run([self._output], self.inputs(columns))
        result = np.asarray(output, dtype=np.float64)
        # Regression gives an [n, 1] tensor: one value per record.
        return result.reshape(-1) if self._regression else result

    def inputs(self, columns: Columns) -> dict[str, npt.NDArray[np.generic]]:
        """One [n, 1] array per graph input, straight from the columns: no DataFrame."""
        inputs: dict[str, npt.NDArray[np.generic]] = {}
        for name, graph_input in self._numeric:
            inputs[graph_input] = columns[name].astype(np.float32).reshape(-1, 1)
        for name, graph_input in self._categorical:
            inputs[graph_input] = columns[name].reshape(-1, 1)
        return inputs
