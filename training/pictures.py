"""The model card's pictures, drawn with matplotlib from the test split as PNG bytes.

The service shows them as they are (it has no matplotlib). scikit-learn's display classes draw
them onto a figure of our own, rendered by matplotlib's Agg backend: no display, no GUI
toolkit. matplotlib is imported on first use, not when this module is.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np

from app.bundle import Label, label_key

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CONFUSION_MATRIX_TITLE = "Confusion matrix (test split)"
PREDICTED_VS_ACTUAL_TITLE = "Predicted against actual (test split)"
# Pixels = inches x DPI: 640 x 480, sharp enough on the card, a few tens of KB.
_SIZE_INCHES, _DPI = (6.4, 4.8), 100


def confusion_matrix_png(y_true: np.ndarray, predicted: np.ndarray, classes: list[Label], target: str) -> bytes:
    """Counts of (actual, predicted) label pairs, classes in the model's order; `y_true` and `predicted` are labels."""
    from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix

    # Plain numpy dtypes: scikit-learn cannot type an object array of ints.
    labels = np.asarray(classes)
    counts = confusion_matrix(np.asarray(list(y_true)), np.asarray(list(predicted)), labels=labels)
    figure = _figure()
    axes = figure.subplots()
    display = ConfusionMatrixDisplay(counts, display_labels=[label_key(label) for label in classes])
    display.plot(ax=axes, cmap="Blues", colorbar=False, values_format="d")
    axes.set_xlabel(f"predicted {target}")
    axes.set_ylabel(f"actual {target}")
    axes.set_title(CONFUSION_MATRIX_TITLE)
    return _png(figure)


def predicted_vs_actual_png(y_true: np.ndarray, predicted: np.ndarray, target: str) -> bytes:
    """One point per test record, with the diagonal where predictions are exact; both arrays in the target's unit."""
    from sklearn.metrics import PredictionErrorDisplay

    figure = _figure()
    axes = figure.subplots()
    PredictionErrorDisplay.from_predictions(
        y_true, predicted, kind="actual_vs_predicted", ax=axes, scatter_kwargs={"alpha": 0.6}
    )
    axes.set_xlabel(f"predicted {target}")
    axes.set_ylabel(f"actual {target}")
    axes.set_title(PREDICTED_VS_ACTUAL_TITLE)
    return _png(figure)


def _figure() -> Figure:
    import matplotlib

    # Before scikit-learn's displays import pyplot: never a GUI backend, whatever the machine has.
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    # A Figure of our own rather than pyplot's: nothing is kept in pyplot's global registry.
    return Figure(figsize=_SIZE_INCHES, dpi=_DPI, layout="constrained")


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
