"""Startup integrity: the model file and the runtime are exactly the ones the metadata describes.

Cheap on purpose (hashing and package metadata, no scikit-learn import), so that gunicorn's
master runs it before forking any worker.
"""

from __future__ import annotations

import hashlib
from importlib import metadata as package_metadata
from pathlib import Path

from app.predictor.errors import IntegrityError
from app.predictor.metadata import ModelMetadata, read_metadata

# Unpickling a scikit-learn model under another version may fail or silently change results.
PINNED_PACKAGES = ("scikit-learn",)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_model_file(model_dir: Path, metadata: ModelMetadata) -> Path:
    artifact = metadata.artifacts.model
    path = model_dir / artifact.file
    try:
        actual = file_sha256(path)
    except OSError as exc:
        raise IntegrityError(f"{path}: cannot read the model file ({exc.strerror or exc})") from exc
    if actual != artifact.sha256:
        raise IntegrityError(
            f"{path}: sha256 {actual} does not match {artifact.sha256} in the metadata; "
            "the model file was changed or replaced after training"
        )
    return path


def check_package_versions(trained_with: dict[str, str], packages: tuple[str, ...] = PINNED_PACKAGES) -> None:
    for package in packages:
        expected = trained_with.get(package)
        if expected is None:
            raise IntegrityError(f"the metadata does not record the {package} version the model was trained with")
        try:
            installed = package_metadata.version(package)
        except package_metadata.PackageNotFoundError as exc:
            raise IntegrityError(
                f"{package} is not installed; the model was trained with {package} {expected}"
            ) from exc
        if installed != expected:
            raise IntegrityError(
                f"{package} {installed} is installed but the model was trained with {package} {expected}; "
                "install the trained version (Pipfile.lock) or retrain"
            )


def verify_artifacts(model_dir: Path) -> tuple[ModelMetadata, Path]:
    """The parsed metadata and the verified model file's path, or an IntegrityError/MetadataError."""
    metadata = read_metadata(model_dir)
    model_path = check_model_file(model_dir, metadata)
    check_package_versions(metadata.versions)
    return metadata, model_path
