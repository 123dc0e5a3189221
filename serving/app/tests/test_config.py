from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.config import PACKAGE_DIR, Settings, describe_errors

GOOD_KEY = "0123456789abcdef-real"


def test_defaults() -> None:
    settings = Settings()

    assert settings.model_dir == PACKAGE_DIR / "model"
    assert settings.bind == "127.0.0.1:8000"
    assert (settings.workers, settings.max_batch_size, settings.max_body_bytes) == (2, 1000, 1_048_576)
    assert (settings.max_image_bytes, settings.max_image_pixels) == (8_388_608, 16_777_216)
    assert settings.api_key is None
    assert settings.log_level == "info"


def test_settings_come_from_prefixed_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODEL_SERVICE_WORKERS", "4")
    monkeypatch.setenv("MODEL_SERVICE_PORT", "9100")
    monkeypatch.setenv("MODEL_SERVICE_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("MODEL_SERVICE_API_KEY", GOOD_KEY)

    settings = Settings()

    assert (settings.workers, settings.port, settings.log_level) == (4, 9100, "warning")
    assert settings.api_key is not None
    assert settings.api_key.get_secret_value() == GOOD_KEY
    assert GOOD_KEY not in repr(settings)


def test_a_misspelt_variable_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODEL_SERVICE_WORKER", "4")

    with pytest.raises(ValidationError, match="unknown setting\\(s\\) MODEL_SERVICE_WORKER; known: "):
        Settings()


@pytest.mark.parametrize("key", ["", "changethis", "CHANGEME", "short-key"])
def test_an_empty_placeholder_or_short_api_key_is_refused(key: str) -> None:
    with pytest.raises(ValidationError, match="must be a real secret of at least 16 characters"):
        Settings(api_key=key)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"workers": 0}, "workers"),
        ({"port": 70000}, "port"),
        ({"log_level": "loud"}, "log_level"),
        ({"max_image_bytes": 100}, "max_image_bytes"),
        # Above Pillow's own limit, its guard would answer instead of ours.
        ({"max_image_pixels": 100_000_000}, "max_image_pixels"),
    ],
)
def test_out_of_range_values_are_refused(overrides: dict, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(**overrides)

    assert describe_errors(caught.value).startswith(f"MODEL_SERVICE_{field.upper()}: ")
