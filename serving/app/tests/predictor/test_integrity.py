from __future__ import annotations

from importlib import metadata as package_metadata
from pathlib import Path

import pytest

from app.bundle import BundleMetadata, file_digest
from app.predictor.errors import IntegrityError, MetadataError
from app.predictor.integrity import check_package_versions, read_bundle, verify_artifacts


def test_verified_artifacts_give_the_metadata_and_the_model_path(model_dir: Path, metadata: BundleMetadata) -> None:
    verified = verify_artifacts(model_dir, "sklearn")

    assert verified.metadata == metadata
    assert verified.backend == "sklearn"
    assert verified.path == model_dir / "model.joblib"
    assert file_digest(verified.path) == metadata.artifacts.model.sha256


def test_a_bundle_error_is_the_service_s_metadata_error_with_the_same_line(model_copy: Path) -> None:
    (model_copy / "metadata.json").write_text('{"schema_version": 1}')

    with pytest.raises(MetadataError) as caught:
        read_bundle(model_copy)

    assert str(caught.value).startswith(f"{model_copy / 'metadata.json'}: schema_version: Input should be 2 (")


def test_a_changed_model_file_is_refused_naming_both_digests(model_copy: Path, metadata: BundleMetadata) -> None:
    with (model_copy / "model.joblib").open("ab") as stream:
        stream.write(b"\0")
    actual = file_digest(model_copy / "model.joblib")

    with pytest.raises(IntegrityError) as caught:
        verify_artifacts(model_copy)

    message = str(caught.value)
    assert f"sha256 {actual} does not match {metadata.artifacts.model.sha256}" in message
    assert "\n" not in message


def test_a_missing_model_file_is_refused(model_copy: Path) -> None:
    (model_copy / "model.joblib").unlink()

    with pytest.raises(IntegrityError, match=r"model\.joblib: cannot read the model file"):
        verify_artifacts(model_copy)


def test_another_scikit_learn_version_is_refused(model_copy: Path, edit_metadata) -> None:
    edit_metadata(model_copy, lambda d: d["versions"].update({"scikit-learn": "0.24.2"}))
    installed = package_metadata.version("scikit-learn")

    with pytest.raises(IntegrityError) as caught:
        verify_artifacts(model_copy)

    assert str(caught.value).startswith(
        f"scikit-learn {installed} is installed but the model was trained with scikit-learn 0.24.2"
    )


def test_an_unrecorded_version_is_refused() -> None:
    with pytest.raises(IntegrityError, match="does not record the scikit-learn version"):
        check_package_versions({"numpy": "2.0.0"})


def test_a_package_that_is_not_installed_is_refused() -> None:
    with pytest.raises(IntegrityError, match="no-such-package-here is not installed"):
        check_package_versions({"no-such-package-here": "1.0"}, packages=("no-such-package-here",))


def test_auto_chooses_onnx_when_training_proved_it(model_dir: Path) -> None:
    verified = verify_artifacts(model_dir)

    assert verified.backend == "onnx"
    assert verified.path == model_dir / "onnx" / "model.onnx"
    assert verified.fallback_reason == ""


def test_auto_falls_back_to_scikit_learn_and_says_why(model_copy: Path, edit_metadata) -> None:
    reason = "skl2onnx cannot convert HistGradientBoostingClassifier: no converter"
    edit_metadata(model_copy, lambda d: d["artifacts"].update(onnx={"available": False, "reason": reason}))

    verified = verify_artifacts(model_copy, "auto")

    assert verified.backend == "sklearn"
    assert verified.fallback_reason == f"training recorded no usable ONNX export: {reason}"


def test_auto_falls_back_when_the_onnx_file_is_absent(model_copy: Path) -> None:
    onnx_path = model_copy / "onnx" / "model.onnx"
    onnx_path.unlink()

    verified = verify_artifacts(model_copy, "auto")

    assert verified.backend == "sklearn"
    assert verified.fallback_reason == f"{onnx_path} is missing"


def test_onnx_asked_for_without_an_export_is_refused(model_copy: Path, edit_metadata) -> None:
    edit_metadata(model_copy, lambda d: d["artifacts"].pop("onnx"))

    with pytest.raises(IntegrityError) as caught:
        verify_artifacts(model_copy, "onnx")

    assert str(caught.value) == (
        "backend onnx was asked for, but the metadata records no ONNX export (trained before ONNX support); "
        "use backend auto or sklearn"
    )


@pytest.mark.parametrize("backend", ["auto", "onnx", "sklearn"])
def test_a_changed_onnx_file_is_refused_whichever_backend_serves(model_copy: Path, backend) -> None:
    onnx_path = model_copy / "onnx" / "model.onnx"
    with onnx_path.open("ab") as stream:
        stream.write(b"\0")

    with pytest.raises(IntegrityError, match=rf"^{onnx_path}: sha256 [0-9a-f]{{64}} does not match "):
        verify_artifacts(model_copy, backend)


@pytest.mark.parametrize("backend", ["auto", "onnx", "sklearn"])
def test_a_changed_model_card_picture_is_refused_whichever_backend_serves(model_copy: Path, backend) -> None:
    picture = model_copy / "card" / "confusion_matrix.png"
    with picture.open("ab") as stream:
        stream.write(b"\0")

    with pytest.raises(IntegrityError, match=rf"^{picture}: sha256 [0-9a-f]{{64}} does not match ") as caught:
        verify_artifacts(model_copy, backend)

    assert str(caught.value).endswith("the model card picture was changed or replaced after training")


def test_a_missing_model_card_picture_is_refused(model_copy: Path) -> None:
    picture = model_copy / "card" / "confusion_matrix.png"
    picture.unlink()

    with pytest.raises(IntegrityError, match=rf"^{picture}: cannot read the model card picture \(No such file"):
        verify_artifacts(model_copy)
