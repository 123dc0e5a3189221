"""The model card: what the bundle says about the served model, as the HTML of `/` and as a JSON summary.

Built once per worker, when the model is loaded: the bundle does not change while it is served.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.bundle import BundleMetadata, CategoryFeature, Feature, Picture
from app.page import form
from app.page.html import code, definitions, escape, measured, page, plain, score
from app.predictor.integrity import read_verified
from app.predictor.model import Predictor
from app.schemas import CardSummary, MetricComparison

# The links a reader follows from the card (and a JSON client from its summary).
LINKS = {"model": "/model", "predict": "/predict", "docs": "/docs", "redoc": "/redoc", "openapi": "/openapi.json"}
_METRIC_NAMES = {
    "accuracy": "Accuracy",
    "macro_f1": "Macro F1",
    "log_loss": "Log loss",
    "rmse": "RMSE",
    "mae": "MAE",
    "r2": "R²",
}


@dataclass(frozen=True)
class ModelCard:
    title: str
    # The whole HTML document.
    html: str
    summary: CardSummary


def card_name(metadata: BundleMetadata) -> str:
    """What the model is called on its card: its target and task, e.g. "species classifier"."""
    return f"{metadata.target} {'classifier' if metadata.task == 'classification' else 'regressor'}"


def build_card(model_dir: Path, predictor: Predictor, *, api_key_required: bool) -> ModelCard:
    """The card of the served model; raises IntegrityError when a picture is not the file training wrote."""
    metadata = predictor.metadata
    pictures = [(picture, read_verified(model_dir, picture, "model card picture")) for picture in _pictures(metadata)]
    return render_card(metadata, backend=predictor.backend.name, pictures=pictures, api_key_required=api_key_required)


def render_card(
    metadata: BundleMetadata, *, backend: str, pictures: list[tuple[Picture, bytes]], api_key_required: bool
) -> ModelCard:
    """The card from the metadata and the pictures' PNG bytes, without reading any file."""
    title = f"{card_name(metadata)} {metadata.model_version} · model card"
    sections = [
        _header(metadata, backend),
        # Side by side on a wide screen: the numbers and the picture of the same test split.
        f'<div class="overview">{_metrics_section(metadata)}{_pictures_section(pictures)}</div>',
        _model_section(metadata, backend),
        _training_section(metadata),
        _features_section(metadata.features, metadata.example),
        form.try_it(metadata, api_key_required=api_key_required),
    ]
    return ModelCard(title=title, html=page(title=title, main="\n".join(sections)), summary=summary(metadata, backend))


def summary(metadata: BundleMetadata, backend: str) -> CardSummary:
    baseline = metadata.metrics.get("baseline", {})
    return CardSummary(
        name=card_name(metadata),
        model_version=metadata.model_version,
        task=metadata.task,
        target=metadata.target,
        estimator=metadata.estimator,
        backend=backend,
        trained_at=metadata.training.get("trained_at"),
        git_commit=metadata.git_commit,
        data_md5=metadata.data.get("md5"),
        test_rows=metadata.metrics.get("test_rows"),
        metrics={
            name: MetricComparison(model=value, baseline=_number_or_none(baseline.get(name)))
            for name, value in _headline_metrics(metadata.metrics)
        },
        pictures=[picture.title for picture in _pictures(metadata)],
        links=LINKS,
    )


def _pictures(metadata: BundleMetadata) -> list[Picture]:
    # A bundle trained before pictures existed has none: the card simply shows none.
    return list(metadata.artifacts.pictures or ())


def _headline_metrics(metrics: dict[str, Any]) -> list[tuple[str, float]]:
    """The top-level numbers of metrics.json (accuracy, macro_f1, ... or rmse, mae, r2), in their order."""
    return [
        (name, float(value))
        for name, value in metrics.items()
        if name != "test_rows" and _number_or_none(value) is not None
    ]


def _number_or_none(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _header(metadata: BundleMetadata, backend: str) -> str:
    links = " · ".join(
        f'<a href="{escape(url)}">{escape(text)}</a>'
        for text, url in (
            ("Try it", "#try"),
            ("API docs", LINKS["docs"]),
            ("ReDoc", LINKS["redoc"]),
            ("GET /model", LINKS["model"]),
        )
    )
    return (
        f"<header><h1>{escape(card_name(metadata))}</h1>"
        f'<p class="subtitle">model version {code(metadata.model_version)} · {escape(_short_estimator(metadata))}'
        f" · served with {escape(backend)}</p><nav>{links}</nav></header>"
    )


def _short_estimator(metadata: BundleMetadata) -> str:
    return metadata.estimator.rpartition(".")[2]


def _metrics_section(metadata: BundleMetadata) -> str:
    metrics = metadata.metrics
    baseline = metrics.get("baseline", {})
    rows = "".join(
        f'<tr data-metric="{escape(name)}"><th scope="row">{escape(_METRIC_NAMES.get(name, name))}</th>'
        f'<td class="model">{score(value)}</td>'
        f'<td class="baseline">{_optional_score(baseline.get(name))}</td></tr>'
        for name, value in _headline_metrics(metrics)
    )
    table = (
        '<table class="metrics"><thead><tr><th scope="col">metric</th><th scope="col">model</th>'
        f'<th scope="col">baseline</th></tr></thead><tbody>{rows}</tbody></table>'
    )
    return (
        f'<section id="metrics"><h2>Test metrics</h2>{table}<p class="note">{_baseline_note(metrics)}</p>'
        f"{_per_class_table(metrics.get('per_class'))}</section>"
    )


def _optional_score(value: Any) -> str:
    found = _number_or_none(value)
    return "—" if found is None else score(found)


def _baseline_note(metrics: dict[str, Any]) -> str:
    baseline = metrics.get("baseline", {})
    rows = metrics.get("test_rows")
    on = f"On the {rows} rows of the test split. " if isinstance(rows, int) else ""
    if "majority_class" in baseline:
        return f"{on}Baseline: always answering the most frequent class, {code(baseline['majority_class'])}."
    if "prediction" in baseline:
        return f"{on}Baseline: always answering the training mean, {_optional_measured(baseline['prediction'])}."
    return on


def _optional_measured(value: Any) -> str:
    found = _number_or_none(value)
    return "—" if found is None else measured(found)


def _per_class_table(per_class: Any) -> str:
    if not isinstance(per_class, dict) or not per_class:
        return ""
    rows = "".join(
        f'<tr><th scope="row">{escape(label)}</th><td>{_optional_score(scores.get("precision"))}</td>'
        f"<td>{_optional_score(scores.get('recall'))}</td><td>{escape(scores.get('support', '—'))}</td></tr>"
        for label, scores in per_class.items()
        if isinstance(scores, dict)
    )
    return (
        '<table class="per-class"><caption>Per class</caption><thead><tr><th scope="col">class</th>'
        '<th scope="col">precision</th><th scope="col">recall</th><th scope="col">support</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def _pictures_section(pictures: list[tuple[Picture, bytes]]) -> str:
    if not pictures:
        return ""
    # Inline data: the pictures travel with the card (behind the API key, when one is set) in one response.
    figures = "".join(
        f'<figure><img src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}" '
        f'alt="{escape(picture.title)}"></figure>'
        for picture, png in pictures
    )
    return f'<section id="pictures">{figures}</section>'


def _model_section(metadata: BundleMetadata, backend: str) -> str:
    estimator = code(metadata.estimator) + (" (fitted elsewhere and passed through)" if metadata.pretrained else "")
    rows = [
        ("Task", escape(metadata.task)),
        ("Target", code(metadata.target)),
        ("Estimator", estimator),
        ("Hyperparameters", _hyperparameters(metadata.hyperparameters)),
        ("Backend", escape(backend)),
    ]
    if metadata.classes is not None:
        rows.insert(2, ("Classes", ", ".join(code(key) for key in metadata.class_keys)))
    if metadata.target_statistics is not None:
        stats = metadata.target_statistics
        rows.insert(
            2,
            (
                "Target in training",
                f"mean {measured(stats.mean)}, standard deviation {measured(stats.std)}, "
                f"from {measured(stats.min)} to {measured(stats.max)}",
            ),
        )
    return f'<section id="model"><h2>Model</h2>{definitions(rows)}</section>'


def _hyperparameters(hyperparameters: dict[str, Any]) -> str:
    if not hyperparameters:
        return "the estimator's defaults"
    return ", ".join(f"{code(name)} = {code(plain(value))}" for name, value in hyperparameters.items())


def _training_section(metadata: BundleMetadata) -> str:
    training, data = metadata.training, metadata.data
    rows = [
        ("Trained at", escape(training.get("trained_at", "unknown"))),
        ("Training time", _seconds(training.get("training_seconds"))),
        ("Training rows", escape(training.get("rows", "unknown"))),
        ("Git commit", code(metadata.git_commit)),
        ("Data", f"{code(data.get('path', 'unknown'))}, md5 {code(data.get('md5', 'unknown'))}"),
        ("Splits", f"train md5 {code(data.get('train_md5', '—'))}, test md5 {code(data.get('test_md5', '—'))}"),
        ("Libraries", ", ".join(f"{escape(name)} {escape(version)}" for name, version in metadata.versions.items())),
    ]
    return f'<section id="training"><h2>Training</h2>{definitions(rows)}</section>'


def _seconds(value: Any) -> str:
    found = _number_or_none(value)
    return "unknown" if found is None else f"{measured(found)} s"


def _features_section(features: list[Feature], example: dict[str, Any]) -> str:
    rows = "".join(
        f'<tr><th scope="row">{code(feature.name)}</th><td>{escape(feature.type)}</td><td>{_values(feature)}</td>'
        f"<td>{'yes' if feature.nullable else 'no'}</td><td>{code(plain(example.get(feature.name)))}</td></tr>"
        for feature in features
    )
    return (
        '<section id="features"><h2>Feature schema</h2><table class="features"><thead><tr>'
        '<th scope="col">feature</th><th scope="col">type</th><th scope="col">seen in training</th>'
        '<th scope="col">nullable</th><th scope="col">example</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></section>"
    )


def _values(feature: Feature) -> str:
    if isinstance(feature, CategoryFeature):
        return ", ".join(code(category) for category in feature.categories) or "none"
    return f"{measured(feature.min)} to {measured(feature.max)}"
