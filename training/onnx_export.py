"""The fitted Pipeline as ONNX, and the proof that both give the same answers."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata as package_metadata
from typing import Any

import numpy as np
import pandas as pd

from app.bundle import ONNX_LABEL_OUTPUT, ONNX_PREDICTION_OUTPUT, ONNX_PROBABILITIES_OUTPUT
from training.params import DataParams, Task

# Largest difference allowed between scikit-learn and onnxruntime (float32): a probability, or
# for regression a value relative to the target's spread (its standard deviation).
PARITY_TOLERANCE = 1e-5
REGRESSION_RELATIVE_TOLERANCE = 1e-4
LIBRARIES = ("onnx", "onnxruntime", "skl2onnx")


class ConversionError(Exception):
    """skl2onnx cannot express this Pipeline; it is then served with scikit-learn."""


def expected_outputs(task: Task) -> list[str]:
    if task == "classification":
        return [ONNX_LABEL_OUTPUT, ONNX_PROBABILITIES_OUTPUT]
    return [ONNX_PREDICTION_OUTPUT]


def convert(pipeline: Any, data: DataParams) -> bytes:
    """One ONNX input per feature ([n, 1]: float for numbers, string for categories), in feature order.

    skl2onnx rewrites names that are not identifiers ("body mass (g)" -> "body_mass__g_"): readers
    map features to inputs by position (`input_names`). Raises ConversionError.
    """
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    initial_types: list[tuple[str, Any]] = [(name, FloatTensorType([None, 1])) for name in data.numeric]
    initial_types += [(name, StringTensorType([None, 1])) for name in data.categorical]
    estimator = pipeline.steps[-1][1] if hasattr(pipeline, "steps") else pipeline
    options: dict[Any, Any] = {}
    final_types = None
    if data.task == "classification":
        # zipmap off: probabilities as a plain [n, classes] tensor, not a list of dicts.
        options = {id(estimator): {"zipmap": False}}
    else:
        final_types = [(ONNX_PREDICTION_OUTPUT, FloatTensorType([None, 1]))]
    try:
        model = to_onnx(pipeline, initial_types=initial_types, options=options, final_types=final_types)
    except Exception as exc:  # skl2onnx raises many types; any failure means "serve with scikit-learn"
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise ConversionError(f"skl2onnx cannot convert {type(estimator).__name__}: {first_line}") from exc
    outputs = [output.name for output in model.graph.output]
    if outputs != expected_outputs(data.task):
        raise ConversionError(f"unexpected ONNX outputs {outputs}, expected {expected_outputs(data.task)}")
    if len(model.graph.input) != len(data.features):
        raise ConversionError(f"the ONNX graph has {len(model.graph.input)} inputs for {len(data.features)} features")
    _sort_opset_imports(model)
    return bytes(model.SerializeToString())


def input_names(onnx_model: bytes) -> list[str]:
    """The graph's input names, in feature order."""
    import onnx

    return [graph_input.name for graph_input in onnx.load_from_string(onnx_model).graph.input]


def _sort_opset_imports(model: Any) -> None:
    """skl2onnx lists opsets in set order, which varies per process: fix it so the bytes are reproducible."""
    imports = sorted((entry.domain, entry.version) for entry in model.opset_import)
    del model.opset_import[:]
    for domain, version in imports:
        model.opset_import.add(domain=domain, version=version)


def onnx_inputs(frame: pd.DataFrame, data: DataParams, names: list[str]) -> dict[str, np.ndarray]:
    columns = [frame[name].to_numpy(dtype=np.float32) for name in data.numeric]
    columns += [frame[name].to_numpy(dtype=object) for name in data.categorical]
    return {name: column.reshape(-1, 1) for name, column in zip(names, columns, strict=True)}


@dataclass(frozen=True)
class Parity:
    rows: int
    # Classification: labels identical; regression: always True.
    labels_identical: bool
    max_abs_difference: float
    tolerance: float

    @property
    def passed(self) -> bool:
        return self.labels_identical and self.max_abs_difference <= self.tolerance

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "labels_identical": self.labels_identical,
            "max_abs_difference": self.max_abs_difference,
            "tolerance": self.tolerance,
            "passed": self.passed,
        }


def check_parity(pipeline: Any, onnx_model: bytes, frame: pd.DataFrame, data: DataParams) -> Parity:
    """scikit-learn and onnxruntime on the same rows: probabilities (or values) within the tolerance."""
    import onnxruntime

    session = onnxruntime.InferenceSession(onnx_model, providers=["CPUExecutionProvider"])
    inputs = onnx_inputs(frame, data, [graph_input.name for graph_input in session.get_inputs()])
    features = frame[list(data.features)]
    if data.task == "regression":
        (values,) = session.run([ONNX_PREDICTION_OUTPUT], inputs)
        expected = np.asarray(pipeline.predict(features), dtype=np.float64)
        spread = float(np.std(frame[data.target])) or 1.0
        return Parity(
            rows=len(frame),
            labels_identical=True,
            max_abs_difference=float(np.abs(np.asarray(values, dtype=np.float64).ravel() - expected).max()),
            tolerance=REGRESSION_RELATIVE_TOLERANCE * spread,
        )
    _, probabilities = session.run([ONNX_LABEL_OUTPUT, ONNX_PROBABILITIES_OUTPUT], inputs)
    expected = pipeline.predict_proba(features)
    classes = np.asarray(pipeline.classes_)
    # Compared through the probabilities' argmax: ONNX gives bool labels as 0/1.
    onnx_labels = classes[np.asarray(probabilities).argmax(axis=1)]
    return Parity(
        rows=len(frame),
        labels_identical=bool(np.array_equal(onnx_labels, pipeline.predict(features))),
        max_abs_difference=float(np.abs(np.asarray(probabilities) - expected).max()),
        tolerance=PARITY_TOLERANCE,
    )


def library_versions() -> dict[str, str]:
    return {name: package_metadata.version(name) for name in LIBRARIES}
