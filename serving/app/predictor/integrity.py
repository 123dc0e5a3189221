"""Startup integrity: the model file and the runtime are exactly the ones the metadata describes.

Cheap on purpose (hashing and package metadata, no scikit-learn import), so that gunicorn's
master runs it before forking any worker.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import metadata as package_metadata
from pathlib import Path

from app.bundle import Artifact, BundleError, BundleMetadata, file_digest, read_metadata
from app.predictor.backend import BackendChoice, BackendName
from app.predictor.errors import IntegrityError, MetadataError

# Unpickling a scikit-learn model under another version may fail or silently change results.
PINNED_PACKAGES = ("scikit-learn",)


def read_bundle(model_dir: Path) -> BundleMetadata:
    """The bundle's metadata, or a MetadataError: the service refuses to start with its one line."""
    try:
        return read_metadata(model_dir)
    except BundleError as exc:
        raise MetadataError(str(exc)) from exc


def check_file(model_dir: Path, artifact: Artifact, what: str = "model file") -> Path:
    path = model_dir / artifact.file
    try:
        actual = file_digest(path)
    except OSError as exc:
        raise IntegrityError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from exc
    _same_digest(path, actual, artifact, what)
    return path


def read_verified(model_dir: Path, artifact: Artifact, what: str) -> bytes:
    """A small file's bytes, once they match the metadata's sha256; an IntegrityError otherwise.

    Read once and hashed in memory: the bytes used are the bytes checked."""
    path = model_dir / artifact.file
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IntegrityError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from exc
    _same_digest(path, hashlib.sha256(data).hexdigest(), artifact, what)
    return data


def _same_digest(path: Path, actual: str, artifact: Artifact, what: str) -> None:
    if actual != artifact.sha256:
        raise IntegrityError(
            f"{path}: sha256 {actual} does not match {artifact.sha256} in the metadata; "
            f"the {what} was changed or replaced after training"
        )


def check_model_file(model_dir: Path, metadata: BundleMetadata) -> Path:
    return check_file(model_dir, metadata.artifacts.model)


def onnx_file(model_dir: Path, metadata: BundleMetadata) -> tuple[Artifact | None, str]:
    """The usable ONNX artifact, or None and why not."""
    onnx = metadata.artifacts.onnx
    if onnx is None:
        return None, "the metadata records no ONNX export (trained before ONNX support)"
    if not onnx.available or onnx.file is None or onnx.sha256 is None:
        return None, f"training recorded no usable ONNX export: {onnx.reason or 'no reason given'}"
    if not (model_dir / onnx.file).exists():
        return None, f"{model_dir / onnx.file} is missing"
    return Artifact(file=onnx.file, sha256=onnx.sha256), ""


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


@dataclass(frozen=True)
class VerifiedModel:
    metadata: BundleMetadata
    backend: BackendName
    # The file the backend loads, checked against the metadata's sha256.
    path: Path
    # Why auto did not choose ONNX, when it did not.
    fallback_reason: str = ""


def verify_artifacts(model_dir: Path, backend: BackendChoice = "auto") -> VerifiedModel:
    """Choose the backend and verify every artifact present; an IntegrityError/MetadataError otherwise.

    The joblib model (and each model card picture) is checked even when ONNX serves: a changed
    byte anywhere means the folder is not what training wrote. The scikit-learn version is checked for the same
    reason, from package metadata, without importing it.
    """
    metadata = read_bundle(model_dir)
    model_path = check_model_file(model_dir, metadata)
    for picture in metadata.artifacts.pictures or ():
        check_file(model_dir, picture, "model card picture")
    check_package_versions(metadata.versions)
    onnx, why_not = onnx_file(model_dir, metadata)
    onnx_path = None if onnx is None else check_file(model_dir, onnx)
    if onnx_path is not None and backend != "sklearn":
        return VerifiedModel(metadata, "onnx", onnx_path)
    if backend == "onnx":
        raise IntegrityError(f"backend onnx was asked for, but {why_not}; use backend auto or sklearn")
    return VerifiedModel(metadata, "sklearn", model_path, "" if backend == "sklearn" else why_not)
