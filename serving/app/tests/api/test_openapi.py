from __future__ import annotations

import pytest

from app.bundle import BundleMetadata, CategoryFeature
from app.predictor.records import FLOAT32_MAX


@pytest.fixture(scope="module")
def document(client) -> dict:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_the_record_schema_is_generated_from_the_feature_schema(document: dict, metadata: BundleMetadata) -> None:
    record = document["components"]["schemas"]["PredictionRecord"]
    names = [feature.name for feature in metadata.features]

    assert list(record["properties"]) == names
    assert record["required"] == names
    assert record["additionalProperties"] is False
    island = record["properties"]["island"]
    assert island["anyOf"][1] == {"type": "null"}
    categories = next(f.categories for f in metadata.features if isinstance(f, CategoryFeature) and f.name == "island")
    assert f"Categories seen in training: {', '.join(categories)}." in island["description"]
    assert record["properties"]["body_mass_g"]["anyOf"][0] == {
        "type": "number",
        "minimum": -FLOAT32_MAX,
        "maximum": FLOAT32_MAX,
    }


def test_the_response_schemas_are_generated_from_the_task_and_classes(document: dict) -> None:
    schemas = document["components"]["schemas"]
    predict = document["paths"]["/predict"]["post"]["responses"]["200"]["content"]["application/json"]
    batch = document["paths"]["/predict/batch"]["post"]["responses"]["200"]["content"]["application/json"]

    assert predict["schema"] == {"$ref": "#/components/schemas/PredictResponse"}
    assert batch["schema"] == {"$ref": "#/components/schemas/BatchResponse"}
    response = schemas["PredictResponse"]
    assert response["required"] == ["label", "probabilities", "warnings", "model_version"]
    assert {key: response["properties"]["label"][key] for key in ("type", "enum")} == {
        "type": "string",
        "enum": ["Adelie", "Chinstrap", "Gentoo"],
    }
    probabilities = schemas["Probabilities"]
    assert (probabilities["required"], probabilities["additionalProperties"]) == (
        ["Adelie", "Chinstrap", "Gentoo"],
        False,
    )
    assert schemas["BatchResponse"]["properties"]["predictions"]["items"] == {"$ref": "#/components/schemas/Prediction"}
    assert schemas["Prediction"]["required"] == ["label", "probabilities", "warnings"]


def test_requests_and_responses_carry_examples_from_the_metadata(document: dict, metadata: BundleMetadata) -> None:
    predict = document["paths"]["/predict"]["post"]
    batch = document["paths"]["/predict/batch"]["post"]

    assert predict["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PredictionRecord"
    }
    assert predict["requestBody"]["content"]["application/json"]["example"] == metadata.example
    assert batch["requestBody"]["content"]["application/json"]["example"] == {"records": [metadata.example]}
    response = predict["responses"]["200"]["content"]["application/json"]["example"]
    assert response["label"] == metadata.golden_records[0].label
    assert response["model_version"] == metadata.model_version


def test_the_batch_limit_and_error_responses_are_documented(document: dict) -> None:
    records = document["components"]["schemas"]["BatchRequest"]["properties"]["records"]

    assert (records["minItems"], records["maxItems"]) == (1, 1000)
    assert set(document["paths"]["/predict"]["post"]["responses"]) >= {"200", "401", "413", "415", "422", "503"}


def test_docs_are_served(client) -> None:
    response = client.get("/docs")

    assert response.status_code == 200
    assert "/openapi.json" in response.text


def test_with_an_api_key_every_route_but_the_health_checks_declares_it(open_client) -> None:
    with open_client(api_key="a-long-enough-secret-key") as client:
        document = client.get("/openapi.json", headers={"X-API-Key": "a-long-enough-secret-key"}).json()

    assert set(document["components"]["securitySchemes"]) == {"ApiKeyHeader", "Bearer"}
    assert document["paths"]["/health"]["get"]["security"] == []
    assert document["paths"]["/predict"]["post"]["security"] == [{"ApiKeyHeader": []}, {"Bearer": []}]
