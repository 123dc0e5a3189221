from __future__ import annotations

import json
from typing import Any

import pytest

from app.bundle import GOLDEN_PROBABILITY_TOLERANCE, BundleMetadata


def post_json(client, path: str, body: Any):
    return client.post(path, content=json.dumps(body), headers={"Content-Type": "application/json"})


def post_raw(client, path: str, raw: str, content_type: str | None = "application/json"):
    headers = {"Content-Type": content_type} if content_type else {}
    return client.post(path, content=raw.encode(), headers=headers)


def test_predict_reproduces_every_golden_record(client, metadata: BundleMetadata) -> None:
    for golden in metadata.golden_records:
        response = post_json(client, "/predict", golden.record)

        assert response.status_code == 200
        body = response.json()
        assert list(body) == ["label", "probabilities", "warnings", "model_version"]
        assert body["label"] == golden.label
        assert body["probabilities"] == pytest.approx(golden.probabilities, abs=GOLDEN_PROBABILITY_TOLERANCE)
        assert body["model_version"] == metadata.model_version
        assert body["warnings"] == []


def test_predict_takes_null_for_every_feature(client, example: dict, metadata: BundleMetadata) -> None:
    response = post_json(client, "/predict", dict.fromkeys(example))

    assert response.status_code == 200
    assert response.json()["label"] in metadata.classes
    assert list(response.json()["probabilities"]) == metadata.class_keys
    assert sum(response.json()["probabilities"].values()) == pytest.approx(1.0)


def test_an_unknown_category_is_accepted_and_reported(client, example: dict) -> None:
    response = post_json(client, "/predict", {**example, "island": "Atlantis"})

    assert response.status_code == 200
    assert response.json()["warnings"] == [
        "island: 'Atlantis' was not seen in training (known: Biscoe, Dream, Torgersen); the model ignores it"
    ]


def test_a_charset_parameter_is_accepted(client, example: dict) -> None:
    response = post_raw(client, "/predict", json.dumps(example), "application/json; charset=utf-8")

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"bill_length_mm": "42"},
            {"type": "float_type", "loc": ["body", "bill_length_mm"], "msg": "Input should be a valid number"},
        ),
        (
            {"bill_length_mm": False},
            {"type": "float_type", "loc": ["body", "bill_length_mm"], "msg": "Input should be a valid number"},
        ),
        (
            {"island": 3},
            {"type": "string_type", "loc": ["body", "island"], "msg": "Input should be a valid string"},
        ),
        (
            {"bil_length_mm": 42.0},
            {"type": "extra_forbidden", "loc": ["body", "bil_length_mm"], "msg": "Extra inputs are not permitted"},
        ),
        (
            {"sex": ""},
            {"type": "string_too_short", "loc": ["body", "sex"], "msg": "String should have at least 1 character"},
        ),
    ],
)
def test_wrong_fields_are_422_naming_field_and_problem(client, example: dict, change: dict, expected: dict) -> None:
    response = post_json(client, "/predict", {**example, **change})

    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert {key: error[key] for key in expected} == expected
    assert error["input"] == next(iter(change.values()))


def test_a_missing_field_is_422_and_does_not_echo_the_record(client, example: dict) -> None:
    record = {name: value for name, value in example.items() if name != "sex"}

    response = post_json(client, "/predict", record)

    assert response.status_code == 422
    assert response.json() == {"detail": [{"type": "missing", "loc": ["body", "sex"], "msg": "Field required"}]}


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_are_422_with_a_valid_json_body(client, example: dict, number: str) -> None:
    raw = json.dumps(example).replace(json.dumps(example["body_mass_g"]), number, 1)

    response = post_raw(client, "/predict", raw)

    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert (error["type"], error["loc"], error["msg"]) == (
        "finite_number",
        ["body", "body_mass_g"],
        "Input should be a finite number",
    )


def test_invalid_json_is_422_with_the_position(client) -> None:
    response = post_raw(client, "/predict", '{"bill_length_mm": 4')

    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["type"] == "json_invalid"
    assert error["loc"] == ["body"]
    assert error["msg"] == "Invalid JSON: EOF while parsing an object at line 1 column 20"


def test_a_body_that_is_not_an_object_is_422(client, example: dict) -> None:
    response = post_json(client, "/predict", [example])

    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "model_type"
    assert "input" not in response.json()["detail"][0]


@pytest.mark.parametrize(
    ("content_type", "named"),
    [("text/plain", "'text/plain'"), ("application/x-www-form-urlencoded", None), (None, "'none'")],
)
def test_a_body_not_sent_as_json_is_415(client, example: dict, content_type: str | None, named: str | None) -> None:
    response = post_raw(client, "/predict", json.dumps(example), content_type)

    assert response.status_code == 415
    detail = response.json()["detail"]
    assert detail.startswith("Content-Type must be application/json, got ")
    assert named is None or detail.endswith(named)


def test_a_wrong_method_is_405_and_an_unknown_route_404(client) -> None:
    assert client.get("/predict").status_code == 405
    response = client.get("/predictions")
    assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})


def test_batch_predictions_come_back_in_order_with_the_version(client, metadata: BundleMetadata) -> None:
    golden = metadata.golden_records

    response = post_json(client, "/predict/batch", {"records": [item.record for item in golden]})

    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["predictions", "model_version"]
    assert body["model_version"] == metadata.model_version
    assert [p["label"] for p in body["predictions"]] == [item.label for item in golden]
    assert list(body["predictions"][0]) == ["label", "probabilities", "warnings"]


def test_a_bad_record_in_a_batch_is_located_by_position(client, example: dict) -> None:
    response = post_json(client, "/predict/batch", {"records": [example, {**example, "island": None, "sex": 1}]})

    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "type": "string_type",
            "loc": ["body", "records", 1, "sex"],
            "msg": "Input should be a valid string",
            "input": 1,
        }
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"records": []}, {"type": "too_short", "loc": ["body", "records"]}),
        ({}, {"type": "missing", "loc": ["body", "records"]}),
        ({"records": [], "extra": 1}, {"type": "too_short", "loc": ["body", "records"]}),
    ],
)
def test_an_empty_or_malformed_batch_is_422(client, body: dict, expected: dict) -> None:
    response = post_json(client, "/predict/batch", body)

    assert response.status_code == 422
    assert {key: response.json()["detail"][0][key] for key in expected} == expected


def test_a_batch_over_the_limit_is_422_without_echoing_it(open_client, example: dict) -> None:
    with open_client(max_batch_size=3) as small:
        response = post_json(small, "/predict/batch", {"records": [example] * 4})

    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "type": "too_long",
            "loc": ["body", "records"],
            "msg": "List should have at most 3 items after validation, not 4",
            "ctx": {"field_type": "List", "max_length": 3, "actual_length": 4},
        }
    ]


def test_the_default_batch_limit_is_1000(client, example: dict) -> None:
    assert post_json(client, "/predict/batch", {"records": [example] * 1000}).status_code == 200
    assert post_json(client, "/predict/batch", {"records": [example] * 1001}).status_code == 422


def test_a_body_over_the_size_limit_is_413(open_client, example: dict) -> None:
    with open_client(max_body_bytes=2048) as small:
        response = post_json(small, "/predict/batch", {"records": [example] * 30})

    assert response.status_code == 413
    assert response.json() == {"detail": "request body is larger than the limit of 2048 bytes"}


def test_a_streamed_body_without_length_over_the_limit_is_413(open_client, example: dict) -> None:
    def chunks():
        for _ in range(30):
            yield json.dumps(example).encode()

    with open_client(max_body_bytes=2048) as small:
        response = small.post("/predict", content=chunks(), headers={"Content-Type": "application/json"})

    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert (response.status_code, response.json()["detail"]) == (
        413,
        "request body is larger than the limit of 2048 bytes",
    )
