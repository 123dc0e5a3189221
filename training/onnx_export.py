"""The fitted Pipeline as ONNX, and the proof that both give the same answers."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata as package_metadata
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from training.params import DataParams

# The service reads these names; they are part of the artifact's contract.
LABEL_OUTPUT, PROBABILITIES_OUTPUT = "label", "probabilities"
PARITY_TOLERANCE = 1e-5
LIBRARIES = ("onnx", "onnxruntime", "skl2onnx")


class ConversionError(Exception):
    """skl2onnx cannot express this Pipeline; the service then serves it with scikit-learn."""


def convert(pipeline: Pipeline, data: DataParams) -> bytes:
    """One ONNX input per feature ([n, 1]: float for numbers, string for categories)."""
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    initial_types: list[tuple[str, Any]] = [(name, FloatTensorType([None, 1])) for name in data.numeric]
    initial_types += [(name, StringTensorType([None, 1])) for name in data.categorical]
    classifier = pipeline.steps[-1][1]
    try:
        # zipmap off: probabilities as a plain [n, classes] tensor, not a list of dicts.
        model = to_onnx(pipeline, initial_types=initial_types, options={id(classifier): {"zipmap": False}})
    except Exception as exc:  # skl2onnx raises many types; any failure means "serve with scikit-learn"
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise ConversionError(f"skl2onnx cannot convert {type(classifier).__name__}: {first_line}") from exc
    outputs = [output.name for output in model.graph.output]
    if outputs != [LABEL_OUTPUT, PROBABILITIES_OUTPUT]:
        raise ConversionError(f"unexpected ONNX outputs {outputs}")
    _sort_opset_imports(model)
    return bytes(model.SerializeToString())


def _sort_opset_imports(model: Any) -> None:
    """skl2onnx lists opsets in set order, which varies per process: fix it so the bytes are reproducible."""
    imports = sorted((entry.domain, entry.version) for entry in model.opset_import)
    del model.opset_import[:]
    for domain, version in imports:
        model.opset_import.add(domain=domain, version=version)


def onnx_inputs(frame: pd.DataFrame, data: DataParams) -> dict[str, np.ndarray]:
    inputs = {name: frame[name].to_numpy(dtype=np.float32).reshape(-1, 1) for name in data.numeric}
    inputs.update({name: frame[name].to_numpy(dtype=object).reshape(-1, 1) for name in data.categorical})
    return inputs


@dataclass(frozen=True)
class Parity:
    rows: int
    labels_identical: bool
    max_abs_probability_difference: float

    @property
    def passed(self) -> bool:
        return self.labels_identical and self.max_abs_probability_difference <= PARITY_TOLERANCE

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "labels_identical": self.labels_identical,
            "max_abs_probability_difference": self.max_abs_probability_difference,
            "tolerance": PARITY_TOLERANCE,
            "passed": self.passed,
        }


def check_parity(pipeline: Pipeline, onnx_model: bytes, frame: pd.DataFrame, data: DataParams) -> Parity:
    import onnxruntime

    session = onnxruntime.InferenceSession(onnx_model, providers=["CPUExecutionProvider"])
    labels, probabilities = session.run([LABEL_OUTPUT, PROBABILITIES_OUTPUT], onnx_inputs(frame, data))
    features = frame[list(data.features)]
    expected = pipeline.predict_proba(features)
    return Parity(
        rows=len(frame),
        labels_identical=bool(np.array_equal(np.asarray(labels, dtype=object), pipeline.predict(features))),
        max_abs_probability_difference=float(np.abs(np.asarray(probabilities) - expected).max()),
    )


def library_versions() -> dict[str, str]:
    return {name: package_metadata.version(name) for name in LIBRARIES}
