from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from app.bundle import CategoryFeature, NumberFeature
from app.predictor.records import FLOAT32_MAX, RecordSchema

FEATURES = [
    NumberFeature(name="body mass (g)", type="number", nullable=True, min=2700.0, max=6300.0),
    # A name that would shadow a pydantic attribute, and a feature that may not be null.
    CategoryFeature(name="schema", type="category", nullable=False, categories=["Biscoe", "Dream"]),
]
EXAMPLE = {"body mass (g)": 4000.0, "schema": "Dream"}


@pytest.fixture(scope="module")
def schema() -> RecordSchema:
    return RecordSchema(FEATURES, example=EXAMPLE, max_batch=3)


def errors(schema_call, body: object) -> list[dict]:
    with pytest.raises(ValidationError) as caught:
        schema_call(json.dumps(body))
    return [{"loc": e["loc"], "type": e["type"]} for e in caught.value.errors()]


def test_a_record_parses_under_the_feature_names(schema: RecordSchema) -> None:
    assert schema.parse_record(json.dumps(EXAMPLE)) == EXAMPLE
    assert schema.parse_record('{"body mass (g)": 4000, "schema": "Biscoe"}') == {
        "body mass (g)": 4000.0,
        "schema": "Biscoe",
    }


def test_nullable_features_take_null_others_do_not(schema: RecordSchema) -> None:
    assert schema.parse_record('{"body mass (g)": null, "schema": "Dream"}')["body mass (g)"] is None
    assert errors(schema.parse_record, {"body mass (g)": 1.0, "schema": None}) == [
        {"loc": ("schema",), "type": "string_type"}
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"schema": "Dream"}, [{"loc": ("body mass (g)",), "type": "missing"}]),
        ({**EXAMPLE, "colour": "red"}, [{"loc": ("colour",), "type": "extra_forbidden"}]),
        ({**EXAMPLE, "body mass (g)": "4000"}, [{"loc": ("body mass (g)",), "type": "float_type"}]),
        ({**EXAMPLE, "body mass (g)": True}, [{"loc": ("body mass (g)",), "type": "float_type"}]),
        ({**EXAMPLE, "schema": 3}, [{"loc": ("schema",), "type": "string_type"}]),
        ({**EXAMPLE, "schema": ""}, [{"loc": ("schema",), "type": "string_too_short"}]),
        ({**EXAMPLE, "schema": "x" * 257}, [{"loc": ("schema",), "type": "string_too_long"}]),
    ],
)
def test_bad_records_name_the_field_and_the_problem(schema: RecordSchema, body: dict, expected: list) -> None:
    assert errors(schema.parse_record, body) == expected


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_are_refused(schema: RecordSchema, number: str) -> None:
    with pytest.raises(ValidationError) as caught:
        schema.parse_record(f'{{"body mass (g)": {number}, "schema": "Dream"}}')

    assert [e["type"] for e in caught.value.errors()] == ["finite_number"]


@pytest.mark.parametrize("number", ["3.5e38", "-3.5e38", "1.7e308"])
def test_numbers_beyond_the_float32_range_are_refused(schema: RecordSchema, number: str) -> None:
    with pytest.raises(ValidationError) as caught:
        schema.parse_record(f'{{"body mass (g)": {number}, "schema": "Dream"}}')

    assert [e["type"] for e in caught.value.errors()] in (["less_than_equal"], ["greater_than_equal"])


def test_the_largest_float32_number_is_accepted(schema: RecordSchema) -> None:
    record = schema.parse_record(f'{{"body mass (g)": {-FLOAT32_MAX!r}, "schema": "Dream"}}')

    assert record["body mass (g)"] == -FLOAT32_MAX


def test_a_batch_keeps_the_order_and_locates_errors_by_position(schema: RecordSchema) -> None:
    second = {"body mass (g)": None, "schema": "Biscoe"}
    assert schema.parse_batch(json.dumps({"records": [EXAMPLE, second]})) == [EXAMPLE, second]
    assert errors(schema.parse_batch, {"records": [EXAMPLE, {**EXAMPLE, "schema": 1}]}) == [
        {"loc": ("records", 1, "schema"), "type": "string_type"}
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"records": []}, "too_short"),
        ({"records": [EXAMPLE] * 4}, "too_long"),
        ({}, "missing"),
        ({"records": EXAMPLE}, "list_type"),
    ],
)
def test_a_batch_must_hold_one_to_max_batch_records(schema: RecordSchema, body: dict, expected: str) -> None:
    assert [e["type"] for e in errors(schema.parse_batch, body)] == [expected]


def test_unknown_categories_and_numbers_outside_training_are_warned_about(schema: RecordSchema) -> None:
    assert schema.warnings(EXAMPLE) == []
    assert schema.warnings({"body mass (g)": None, "schema": "Atlantis"}) == [
        "schema: 'Atlantis' was not seen in training (known: Biscoe, Dream); the model ignores it"
    ]
    assert schema.warnings({"body mass (g)": 9000.0, "schema": "Dream"}) == [
        "body mass (g): 9000.0 is outside the training range [2700.0, 6300.0]; the prediction extrapolates"
    ]


def test_the_json_schema_documents_types_nullability_categories_and_the_example(schema: RecordSchema) -> None:
    document = schema.record_model.model_json_schema()

    assert document["required"] == ["body mass (g)", "schema"]
    assert document["additionalProperties"] is False
    assert document["examples"] == [EXAMPLE]
    mass, category = document["properties"]["body mass (g)"], document["properties"]["schema"]
    assert mass["anyOf"] == [
        {"type": "number", "minimum": -FLOAT32_MAX, "maximum": FLOAT32_MAX},
        {"type": "null"},
    ]
    assert "training range [2700.0, 6300.0]" in mass["description"]
    assert category["type"] == "string"
    assert "Categories seen in training: Biscoe, Dream." in category["description"]
    batch = schema.batch_model.model_json_schema()
    assert (batch["properties"]["records"]["minItems"], batch["properties"]["records"]["maxItems"]) == (1, 3)
