"""Both backends answer the API identically, up to the golden replay's tolerance."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from app.bundle import GOLDEN_PROBABILITY_TOLERANCE, BundleMetadata
from app.config import Settings
from app.main import create_app


@pytest.fixture(scope="module")
def clients(model_dir: Path) -> Iterator[dict[str, TestClient]]:
    with (
        TestClient(create_app(Settings(model_dir=model_dir, backend="onnx"))) as onnx,
        TestClient(create_app(Settings(model_dir=model_dir, backend="sklearn"))) as sklearn,
    ):
        yield {"onnx": onnx, "sklearn": sklearn}


def test_each_client_serves_the_backend_it_was_given(clients: dict[str, TestClient]) -> None:
    assert {name: client.get("/model").json()["backend"] for name, client in clients.items()} == {
        "onnx": "onnx",
        "sklearn": "sklearn",
    }


def test_golden_records_get_the_same_answers_from_both(
    clients: dict[str, TestClient], metadata: BundleMetadata
) -> None:
    for golden in metadata.golden_records:
        onnx, sklearn = (clients[name].post("/predict", json=golden.record).json() for name in ("onnx", "sklearn"))
        assert onnx["label"] == sklearn["label"] == golden.label
        assert onnx["probabilities"] == pytest.approx(sklearn["probabilities"], abs=GOLDEN_PROBABILITY_TOLERANCE)
        assert (onnx["model_version"], onnx["warnings"]) == (sklearn["model_version"], sklearn["warnings"])


def test_a_batch_gets_the_same_answers_from_both(clients: dict[str, TestClient], metadata: BundleMetadata) -> None:
    example = metadata.example
    records = [golden.record for golden in metadata.golden_records]
    records += [dict.fromkeys(example), {**example, "island": "Atlantis"}]

    onnx, sklearn = (
        clients[name].post("/predict/batch", json={"records": records}).json()["predictions"]
        for name in ("onnx", "sklearn")
    )

    assert [p["label"] for p in onnx] == [p["label"] for p in sklearn]
    for from_onnx, from_sklearn in zip(onnx, sklearn, strict=True):
        assert from_onnx["probabilities"] == pytest.approx(
            from_sklearn["probabilities"], abs=GOLDEN_PROBABILITY_TOLERANCE
        )
        assert from_onnx["warnings"] == from_sklearn["warnings"]
