from __future__ import annotations

from pathlib import Path

import pytest

from app.predictor.errors import MetadataError
from app.predictor.metadata import CategoryFeature, NumberFeature, read_metadata


def test_other_artifacts_pass_through(model_copy: Path, edit_metadata) -> None:
    edit_metadata(model_copy, lambda d: d["artifacts"].update(report={"file": "report.html"}))

    assert read_metadata(model_copy).artifacts.model_dump()["report"] == {"file": "report.html"}


def test_an_onnx_export_that_could_not_be_made_is_parsed_with_its_reason(model_copy: Path, edit_metadata) -> None:
    reason = "skl2onnx cannot convert HistGradientBoostingClassifier: no converter"
    edit_metadata(model_copy, lambda d: d["artifacts"].update(onnx={"available": False, "reason": reason}))

    onnx = read_metadata(model_copy).artifacts.onnx
    assert onnx is not None
    assert (onnx.available, onnx.reason, onnx.file) == (False, reason, None)


def test_reads_the_trained_metadata(model_dir: Path, metadata: dict) -> None:
    parsed = read_metadata(model_dir)

    assert parsed.model_version == metadata["model_version"]
    assert parsed.classes == metadata["classes"]
    assert [f.name for f in parsed.features] == [f["name"] for f in metadata["features"]]
    assert {type(f) for f in parsed.features} == {NumberFeature, CategoryFeature}
    assert parsed.artifacts.model.sha256 == metadata["artifacts"]["model"]["sha256"]
    assert len(parsed.golden_records) == len(metadata["golden_records"])


def test_a_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(MetadataError, match=r"metadata\.json: cannot read the model metadata"):
        read_metadata(tmp_path)


def test_invalid_json_is_a_metadata_error(model_copy: Path) -> None:
    (model_copy / "metadata.json").write_text("{not json")

    with pytest.raises(MetadataError, match="Invalid JSON"):
        read_metadata(model_copy)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(schema_version=2), r"schema_version: Input should be 1"),
        (lambda d: d.pop("golden_records"), r"golden_records: Field required"),
        (lambda d: d.update(golden_records=[]), r"golden_records: List should have at least 1 item"),
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
            lambda d: d["artifacts"]["onnx"].pop("sha256"),
            r"artifacts\.onnx: .*an available ONNX artifact needs its file and sha256",
        ),
        (lambda d: d["artifacts"]["model"].update(sha256="abc"), r"artifacts\.model\.sha256: String should match"),
        (lambda d: d["features"].append(dict(d["features"][0])), r"features lists a name twice"),
        (lambda d: d["features"][0].update(type="date"), r"features\.0: Input tag 'date' found"),
    ],
)
def test_inconsistent_metadata_is_refused_with_the_field(model_copy: Path, edit_metadata, change, message) -> None:
    edit_metadata(model_copy, change)

    with pytest.raises(MetadataError, match=message):
        read_metadata(model_copy)
