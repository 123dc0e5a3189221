from __future__ import annotations

from importlib import metadata as package_metadata
from pathlib import Path

import pytest

from app.predictor.errors import IntegrityError
from app.predictor.integrity import check_package_versions, file_sha256, verify_artifacts


def test_verified_artifacts_give_the_metadata_and_the_model_path(model_dir: Path, metadata: dict) -> None:
    parsed, model_path = verify_artifacts(model_dir)

    assert parsed.model_version == metadata["model_version"]
    assert model_path == model_dir / "model.joblib"
    assert file_sha256(model_path) == metadata["artifacts"]["model"]["sha256"]


def test_a_changed_model_file_is_refused_naming_both_digests(model_copy: Path, metadata: dict) -> None:
    with (model_copy / "model.joblib").open("ab") as stream:
        stream.write(b"\0")
    actual = file_sha256(model_copy / "model.joblib")

    with pytest.raises(IntegrityError) as caught:
        verify_artifacts(model_copy)

    message = str(caught.value)
    assert f"sha256 {actual} does not match {metadata['artifacts']['model']['sha256']}" in message
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
