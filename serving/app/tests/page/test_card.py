from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from app.bundle import BundleMetadata, CategoryFeature, NumberFeature, TargetStatistics
from app.page.card import build_card, render_card
from app.page.html import score
from app.predictor.errors import IntegrityError
from app.predictor.model import Predictor
from testkit.bundles import example_metadata


def metric_row(html: str, name: str) -> tuple[str, str]:
    found = re.search(rf'<tr data-metric="{name}">.*?<td class="model">(.*?)</td><td class="baseline">(.*?)</td>', html)
    assert found is not None, name
    return found.group(1), found.group(2)


def test_the_card_of_the_trained_model_shows_its_lineage_metrics_picture_and_schema(
    model_dir: Path, predictor: Predictor, metadata: BundleMetadata
) -> None:
    card = build_card(model_dir, predictor, api_key_required=False)

    assert card.title == f"species classifier {metadata.model_version} · model card"
    html = card.html
    assert metric_row(html, "accuracy") == (score(metadata.metrics["accuracy"]), "0.4419")
    assert metric_row(html, "macro_f1") == (score(metadata.metrics["macro_f1"]), "—")
    png = (model_dir / "card" / "confusion_matrix.png").read_bytes()
    assert (
        f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}" alt="Confusion matrix (test split)">'
        in html
    )
    for fact in (
        metadata.git_commit,
        metadata.data["md5"],
        metadata.training["trained_at"],
        "sklearn.linear_model.LogisticRegression",
        "<code>max_iter</code> = <code>1000</code>",
        "served with onnx",
    ):
        assert fact in html, fact
    assert "<td>island</td>" not in html
    assert '<th scope="row"><code>island</code></th><td>category</td>' in html
    # The form: one field per feature, prefilled with the example record, and no key box without a key.
    assert len(re.findall(r"<input id=\"feature-\d+\" data-feature=", html)) == len(metadata.features)
    assert f'data-feature="island" value="{metadata.example["island"]}"' in html
    assert 'id="key-form"' not in html


def test_the_summary_has_the_headline_facts(model_dir: Path, predictor: Predictor, metadata: BundleMetadata) -> None:
    summary = build_card(model_dir, predictor, api_key_required=False).summary

    assert summary.model_dump(mode="json") == {
        "name": "species classifier",
        "model_version": metadata.model_version,
        "task": "classification",
        "target": "species",
        "estimator": "sklearn.linear_model.LogisticRegression",
        "backend": "onnx",
        "trained_at": metadata.training["trained_at"],
        "git_commit": metadata.git_commit,
        "data_md5": metadata.data["md5"],
        "test_rows": 86,
        "metrics": {
            "accuracy": {"model": metadata.metrics["accuracy"], "baseline": metadata.metrics["baseline"]["accuracy"]},
            "macro_f1": {"model": metadata.metrics["macro_f1"], "baseline": None},
            "log_loss": {"model": metadata.metrics["log_loss"], "baseline": None},
        },
        "pictures": ["Confusion matrix (test split)"],
        "links": {
            "model": "/model",
            "predict": "/predict",
            "docs": "/docs",
            "redoc": "/redoc",
            "openapi": "/openapi.json",
        },
    }


def test_a_changed_picture_is_refused(model_copy: Path, predictor: Predictor) -> None:
    picture = model_copy / "card" / "confusion_matrix.png"
    picture.write_bytes(picture.read_bytes() + b"\0")

    with pytest.raises(IntegrityError, match=rf"^{picture}: sha256 [0-9a-f]{{64}} does not match "):
        build_card(model_copy, predictor, api_key_required=False)


def test_a_bundle_without_pictures_gets_a_card_without_them() -> None:
    card = render_card(example_metadata(), backend="sklearn", pictures=[], api_key_required=False)

    assert "<img" not in card.html
    assert 'id="pictures"' not in card.html
    assert card.summary.pictures == []
    # Nor metrics nor training facts: the card says so instead of failing.
    assert card.summary.metrics == {}
    assert "<dt>Trained at</dt><dd>unknown</dd>" in card.html


def test_with_an_api_key_the_form_has_a_key_box() -> None:
    card = render_card(example_metadata(), backend="sklearn", pictures=[], api_key_required=True)

    assert '<input id="api-key" type="password" required>' in card.html


def test_text_from_the_data_is_escaped_everywhere() -> None:
    hostile = '"><script>alert(1)</script>'
    metadata = example_metadata().model_copy(
        update={
            "target": hostile,
            "features": [
                NumberFeature(name=hostile, type="number", nullable=True, min=0.0, max=1.0),
                CategoryFeature(name="colour", type="category", nullable=True, categories=[hostile]),
            ],
            "example": {hostile: 0.5, "colour": hostile},
            "hyperparameters": {hostile: hostile},
            "git_commit": hostile,
            "metrics": {hostile: 1.0, "per_class": {hostile: {"precision": 1.0, "recall": 1.0, "support": 1}}},
        }
    )

    card = render_card(metadata, backend="sklearn", pictures=[], api_key_required=False)

    assert "<script>alert" not in card.html
    assert hostile not in card.html
    assert "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in card.html


def test_a_regression_card_compares_with_the_training_mean() -> None:
    metadata = example_metadata().model_copy(
        update={
            "task": "regression",
            "target": "progression",
            "classes": None,
            "target_statistics": TargetStatistics(mean=152.1, std=77.1, min=25.0, max=346.0),
            "metrics": {
                "rmse": 53.234,
                "mae": 42.8,
                "r2": 0.477,
                "baseline": {"prediction": 152.1, "rmse": 73.6, "mae": 64.0, "r2": -0.0005},
                "test_rows": 111,
            },
        }
    )

    card = render_card(metadata, backend="onnx", pictures=[], api_key_required=False)

    assert card.title == "progression regressor 0123456789ab · model card"
    assert metric_row(card.html, "rmse") == ("53.23", "73.60")
    assert metric_row(card.html, "r2") == ("0.4770", "-0.0005000")
    assert "Baseline: always answering the training mean, 152.1." in card.html
    assert "mean 152.1, standard deviation 77.1, from 25 to 346" in card.html
    assert 'data-task="regression" data-target="progression"' in card.html
