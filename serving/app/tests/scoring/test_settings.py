from __future__ import annotations

import pytest

from app.scoring.errors import ScoringError
from app.scoring.settings import load_settings

VARIABLES = ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "AWS_BATCH_JOB_ARRAY_INDEX", "MODEL_SERVICE_MODEL_DIR")


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_nothing_set_means_aws_itself_and_no_array_index() -> None:
    settings = load_settings()

    assert (settings.s3_endpoint, settings.array_index) == (None, None)


def test_the_s3_specific_endpoint_wins_over_the_generic_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://generic:1")
    assert load_settings().s3_endpoint == "http://generic:1"

    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:5000")
    assert load_settings().s3_endpoint == "http://127.0.0.1:5000"


def test_the_array_index_comes_from_aws_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_BATCH_JOB_ARRAY_INDEX", "7")

    assert load_settings().array_index == 7


def test_an_empty_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "")

    assert load_settings().s3_endpoint is None


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("AWS_ENDPOINT_URL", "localhost:5000", "AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL: Value error, must be http"),
        ("AWS_BATCH_JOB_ARRAY_INDEX", "-1", "AWS_BATCH_JOB_ARRAY_INDEX: Input should be greater than or equal to 0"),
        ("AWS_BATCH_JOB_ARRAY_INDEX", "two", "AWS_BATCH_JOB_ARRAY_INDEX: Input should be a valid integer"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)

    with pytest.raises(ScoringError) as caught:
        load_settings()

    assert str(caught.value).startswith(message)
