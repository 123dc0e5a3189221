from __future__ import annotations


def test_model_reports_metadata_and_lineage(client, metadata: dict) -> None:
    response = client.get("/model")

    assert response.status_code == 200
    body = response.json()
    # auto chooses ONNX: training exported it and proved parity.
    assert body["backend"] == "onnx"
    for key in ("model_version", "git_commit", "data", "params", "metrics", "versions", "training", "features"):
        assert body[key] == metadata[key], key
    assert body["data"]["raw_md5"] == metadata["data"]["raw_md5"]
    assert body["training"]["trained_at"] == metadata["training"]["trained_at"]
    assert body["artifacts"]["model"] == metadata["artifacts"]["model"]
    assert body["artifacts"]["onnx"] == metadata["artifacts"]["onnx"]
    assert "golden_records" not in body
