"""One record's prediction: a class with every probability, or a value. Each knows its JSON body."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from app.bundle import Label


@dataclass(frozen=True, slots=True)
class ClassPrediction:
    # The class as trained: JSON true, 1 or "Adelie".
    label: Label
    # label_key(label): how the label names its probability and its metrics series.
    key: str
    probabilities: dict[str, float]
    warnings: list[str]

    @property
    def finite(self) -> bool:
        # NaN or infinity anywhere makes the sum non-finite.
        return math.isfinite(sum(self.probabilities.values()))

    def body(self) -> dict[str, Any]:
        return {"label": self.label, "probabilities": self.probabilities, "warnings": self.warnings}


@dataclass(frozen=True, slots=True)
class ValuePrediction:
    value: float
    warnings: list[str]

    @property
    def finite(self) -> bool:
        return math.isfinite(self.value)

    def body(self) -> dict[str, Any]:
        return {"prediction": self.value, "warnings": self.warnings}


Prediction = ClassPrediction | ValuePrediction
