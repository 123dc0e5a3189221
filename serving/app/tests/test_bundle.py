from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from app.bundle import (
    GOLDEN_PROBABILITY_TOLERANCE,
    GOLDEN_VALUE_TOLERANCE,
    BundleError,
    BundleMetadata,
    CategoryFeature,
    GoldenRecord,
    NumberFeature,
    TargetStatistics,
    file_digest,
    label_key,
    plain_label,
    read_metadata,
    write_metadata,
)


def test_reads_the_trained_metadata(model_dir: Path) -> None:
    document = json.loads((model_dir / "metadata.json").read_text())

    parsed = read_metadata(model_dir)

    assert parsed.model_dump(mode="json", exclude_none=True) == document
    assert (parsed.task, parsed.classes, parsed.target_statistics) == (
        "classification",
        ["Adelie", "Chinstrap", "Gentoo"],
        None,
    )
    assert {type(f) for f in parsed.features} == {NumberFeature, CategoryFeature}


def test_the_trained_bundle_names_its_confusion_matrix(metadata: BundleMetadata, model_dir: Path) -> None:
    [picture] = metadata.artifacts.pictures or []

    assert (picture.file, picture.title) == ("card/confusion_matrix.png", "Confusion matrix (test split)")
    assert file_digest(model_dir / picture.file) == picture.sha256


def test_a_bundle_trained_before_pictures_existed_still_loads(model_copy: Path, edit_metadata) -> None:
    edit_metadata(model_copy, lambda d: d["artifacts"].pop("pictures"))

    assert read_metadata(model_copy).artifacts.pictures is None


def test_an_onnx_export_that_could_not_be_made_is_parsed_with_its_reason(model_copy: Path, edit_metadata) -> None:
    reason = "skl2onnx cannot convert HistGradientBoostingClassifier: no converter"
    edit_metadata(model_copy, lambda d: d["artifacts"].update(onnx={"available": False, "reason": reason}))

    onnx = read_metadata(model_copy).artifacts.onnx
    assert onnx is not None
    assert (onnx.available, onnx.reason, onnx.file, onnx.inputs) == (False, reason, None, None)


@pytest.mark.parametrize(("label", "key"), [(True, "true"), (False, "false"), (1, "1"), (0, "0"), ("Adelie", "Adelie")])
def test_a_label_is_keyed_as_its_json_text(label: bool | int | str, key: str) -> None:
    assert label_key(label) == key


@pytest.mark.parametrize("classes", [[False, True], [0, 1], ["0", "1"]])
def test_labels_keep_their_json_type_through_a_write_and_a_read(
    metadata: BundleMetadata, tmp_path: Path, classes: list[bool | int | str]
) -> None:
    keys = [label_key(label) for label in classes]
    probabilities = dict(zip(keys, [0.25, 0.75], strict=True))
    golden = GoldenRecord(record=metadata.example, label=classes[1], probabilities=probabilities)
    typed = metadata.model_copy(update={"classes": classes, "golden_records": [golden]})

    write_metadata(tmp_path, typed)
    read = read_metadata(tmp_path)

    assert [(type(label), label) for label in read.classes or []] == [(type(label), label) for label in classes]
    assert (type(read.golden_records[0].label), read.class_keys) == (type(classes[1]), keys)


def test_the_golden_tolerance_is_a_probability_or_relative_to_the_target_s_spread(metadata: BundleMetadata) -> None:
    regression = metadata.model_copy(
        update={
            "task": "regression",
            "classes": None,
            "target_statistics": TargetStatistics(mean=150.0, std=77.0, min=25.0, max=346.0),
        }
    )
    constant = regression.model_copy(
        update={"target_statistics": TargetStatistics(mean=3.0, std=0.0, min=3.0, max=3.0)}
    )

    assert metadata.golden_tolerance() == GOLDEN_PROBABILITY_TOLERANCE
    assert regression.golden_tolerance() == pytest.approx(GOLDEN_VALUE_TOLERANCE * 77.0)
    assert constant.golden_tolerance() == GOLDEN_VALUE_TOLERANCE


def test_a_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match=r"metadata\.json: cannot read the model metadata"):
        read_metadata(tmp_path)


def test_invalid_json_is_a_bundle_error(model_copy: Path) -> None:
    (model_copy / "metadata.json").write_text("{not json")

    with pytest.raises(BundleError, match="Invalid JSON"):
        read_metadata(model_copy)


def regression_without_statistics(document: dict) -> None:
    document.update(task="regression", classes=None)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(schema_version=1), r"schema_version: Input should be 2"),
        (lambda d: d.pop("golden_records"), r"golden_records: Field required"),
        (lambda d: d.update(golden_records=[]), r"golden_records: List should have at least 1 item"),
        (lambda d: d.update(colour="red"), r"colour: Extra inputs are not permitted"),
        (lambda d: d.update(task="ranking"), r"task: Input should be 'classification' or 'regression'"),
        (lambda d: d.update(classes=["Adelie"]), r"a classification model needs at least 2 classes"),
        (lambda d: d.update(classes=["Adelie", 1, True]), r"classes mix label types"),
        (
            lambda d: d["golden_records"][0]["probabilities"].pop("Gentoo"),
            r"golden record 0 needs a label and a probability for every class",
        ),
        (regression_without_statistics, r"a regression model has target_statistics and no classes"),
        (
            lambda d: d["artifacts"]["model"].update(file="../../elsewhere.joblib"),
            r"artifacts\.model\.file: .*must be a relative path inside the model folder",
        ),
        (lambda d: d["artifacts"].pop("model"), r"artifacts\.model: Field required"),
        (
            lambda d: d["artifacts"]["onnx"].update(file="/etc/passwd"),
            r"artifacts\.onnx\.file: .*must be a relative path inside the model folder",
        ),
        (
            lambda d: d["artifacts"]["onnx"].pop("inputs"),
            r"artifacts\.onnx: .*an available ONNX artifact needs its file, sha256 and inputs",
        ),
        (lambda d: d["artifacts"]["model"].update(sha256="abc"), r"artifacts\.model\.sha256: String should match"),
        (
            lambda d: d["artifacts"]["pictures"][0].update(file="../card.png"),
            r"artifacts\.pictures\.0\.file: .*must be a relative path inside the model folder",
        ),
        (lambda d: d["artifacts"]["pictures"][0].pop("title"), r"artifacts\.pictures\.0\.title: Field required"),
        (lambda d: d["features"].append(dict(d["features"][0])), r"features lists a name twice"),
        (lambda d: d["features"][0].update(type="date"), r"features\.0: Input tag 'date' found"),
    ],
)
def test_inconsistent_metadata_is_refused_with_the_field(model_copy: Path, edit_metadata, change, message) -> None:
    edit_metadata(model_copy, change)

    with pytest.raises(BundleError, match=message) as caught:
        read_metadata(model_copy)

    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("label", "plain"),
    [
        (np.bool_(True), True),
        (np.int64(7), 7),
        (np.str_("Adelie"), "Adelie"),
        (np.float64(1.5), "1.5"),
        (False, False),
        (3, 3),
        ("01", "01"),
    ],
)
def test_a_label_from_numpy_becomes_the_plain_value_the_bundle_holds(label: object, plain: object) -> None:
    assert plain_label(label) == plain
    assert type(plain_label(label)) is type(plain)


def picture_metadata(**image: object) -> dict:
    """A valid bundle (as JSON) whose two numeric features are the pixels of a 2 x 1 picture."""
    from testkit.bundles import example_metadata

    document = example_metadata().model_dump(mode="json", exclude_none=True)
    document["features"] = [
        {"name": name, "type": "number", "nullable": True, "min": 0.0, "max": 16.0} for name in ("left", "right")
    ]
    document["example"] = document["golden_records"][0]["record"] = {"left": 0.0, "right": 16.0}
    document["image_input"] = {"width": 2, "height": 1, "value_range": [0, 16], "pixel_columns": ["left", "right"]}
    document["image_input"].update(image)
    return document


def test_an_image_input_is_written_and_read_back(tmp_path: Path) -> None:
    metadata = BundleMetadata.model_validate(picture_metadata(ink="low", margin=0.1, stroke_width=0.12))

    write_metadata(tmp_path, metadata)
    image = read_metadata(tmp_path).image_input

    assert image is not None
    assert (image.width, image.height, image.grayscale, image.value_range) == (2, 1, True, (0.0, 16.0))
    assert (image.ink, image.margin, image.stroke_width, image.pixel_columns) == ("low", 0.1, 0.12, ["left", "right"])


def test_a_bundle_without_an_image_input_writes_no_such_key(tmp_path: Path, metadata: BundleMetadata) -> None:
    # Bundles written before image_input existed read unchanged, and new ones without it look the same.
    write_metadata(tmp_path, metadata)

    assert metadata.image_input is None
    assert "image_input" not in json.loads((tmp_path / "metadata.json").read_text())


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ({"width": 3}, r"image_input: .*3x1 pixels need 3 pixel columns, got 2"),
        ({"pixel_columns": ["left", "left"]}, r"image_input: .*pixel_columns lists a column twice"),
        ({"value_range": [16, 0]}, r"image_input: .*value_range must be \[low, high\] with low < high"),
        ({"value_range": [0, "Infinity"]}, r"image_input\.value_range\.1: Input should be a finite number"),
        ({"grayscale": False}, r"image_input\.grayscale: Input should be True"),
        ({"pixel_columns": ["left", "middle"]}, r"image_input\.pixel_columns must be exactly the features"),
    ],
)
def test_an_inconsistent_image_input_is_refused(tmp_path: Path, image: dict, message: str) -> None:
    (tmp_path / "metadata.json").write_text(json.dumps(picture_metadata(**image)))

    with pytest.raises(BundleError, match=message):
        read_metadata(tmp_path)
