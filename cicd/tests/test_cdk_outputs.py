from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cicd.cdk_outputs import ServiceEndpoint, read_endpoint, read_secret
from cicd.errors import CicdError

ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ApiKey-AbCdEf"


def outputs(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(document))
    return path


def test_the_service_url_and_key_secret_of_the_one_service_stack(tmp_path: Path) -> None:
    path = outputs(
        tmp_path,
        {
            "PenguinsService-production": {
                "ServiceUrl": "http://alb.example",
                "ApiKeySecretArn": ARN,
                "AlarmTopicArn": "t",
            },
            "Other": {"Bucket": "b"},
        },
    )
    assert read_endpoint(path) == ServiceEndpoint("PenguinsService-production", "http://alb.example", ARN)


def test_several_service_stacks_need_a_name(tmp_path: Path) -> None:
    path = outputs(tmp_path, {"A": {"ServiceUrl": "http://a"}, "B": {"ServiceUrl": "http://b"}})
    with pytest.raises(
        CicdError, match="expected one stack with a ServiceUrl output, found A, B; name one with --stack"
    ):
        read_endpoint(path)
    assert read_endpoint(path, "B") == ServiceEndpoint("B", "http://b", None)
    with pytest.raises(CicdError, match=r"no stack C with a ServiceUrl output \(found: A, B\)"):
        read_endpoint(path, "C")


def test_a_missing_outputs_file_says_which_target_writes_it(tmp_path: Path) -> None:
    with pytest.raises(CicdError, match="not found; `make deploy-service` writes it"):
        read_endpoint(tmp_path / "none.json")


@pytest.fixture
def secrets_manager(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from moto import mock_aws

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        import boto3

        yield boto3.client("secretsmanager", region_name="eu-west-1")


def test_the_key_is_read_from_the_secret_in_its_own_region(secrets_manager: Any) -> None:
    arn = secrets_manager.create_secret(Name="ApiKey", SecretString="k" * 40)["ARN"]
    assert read_secret(arn) == "k" * 40


class _Refusing:
    def get_secret_value(self, SecretId: str) -> dict[str, str]:  # noqa: N803 - boto3's name
        error = {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}}
        raise ClientError(error, "GetSecretValue")  # type: ignore[arg-type]


def test_a_refusal_names_the_missing_permission() -> None:
    with pytest.raises(CicdError) as error:
        read_secret(ARN, client=_Refusing())
    assert str(error.value) == (
        f"cannot read the API key from {ARN}: AccessDeniedException: not authorized; the deploy role needs "
        "secretsmanager:GetSecretValue on it (or set SMOKE_TEST_API_KEY)"
    )


def test_not_a_secret_arn_is_refused() -> None:
    with pytest.raises(CicdError, match="is not a Secrets Manager ARN"):
        read_secret("arn:aws:s3:::bucket")
