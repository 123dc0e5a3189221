from __future__ import annotations

from app.bundle import BundleMetadata


def test_model_reports_metadata_and_lineage(client, metadata: BundleMetadata) -> None:
    response = client.get("/model")

    assert response.status_code == 200
    body = response.json()
    # auto chooses ONNX: training exported it and proved parity.
    assert body["backend"] == "onnx"
    document = metadata.model_dump(mode="json", exclude_none=True)
    for key in ("model_version", "git_commit", "data", "params", "metrics", "versions", "training", "features"):
        assert body[key] == document[key], key
    assert body["data"]["md5"] == metadata.data["md5"]
    assert body["training"]["trained_at"] == metadata.training["trained_at"]
    assert body["artifacts"] == document["artifacts"]
    assert "golden_records" not in body


def test_model_names_the_task_and_its_classes_as_trained(client, metadata: BundleMetadata) -> None:
    body = client.get("/model").json()

    assert (body["task"], body["target"], body["classes"]) == ("classification", "species", metadata.classes)
    assert (body["estimator"], body["hyperparameters"], body["pretrained"]) == (
        "sklearn.linear_model.LogisticRegression",
        metadata.hyperparameters,
        False,
    )
    # Regression's field, absent rather than null.
    assert "target_statistics" not in body
