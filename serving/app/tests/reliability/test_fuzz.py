"""Property-based fuzzing of the running service from its own OpenAPI document (schemathesis).

Every operation is fuzzed with valid (positive) and invalid (negative) requests generated
from the schema the live server publishes, which is completed from the loaded model. Every
response must have a documented status, match the documented schema and content type, and
never be a 5xx; invalid requests must be refused and valid ones accepted.

`make test` runs the quick profile (fixed seed); `make fuzz` the deep one (random seeds).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks

from app.tests.servers import GunicornProcess

pytestmark = pytest.mark.slow

# Every operation the service publishes; a test below fails when one is added and not listed.
OPERATIONS = {
    "POST /predict": (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
    "POST /predict/batch": (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
    # No parameters and no body: there is no invalid request to generate.
    "GET /": (GenerationMode.POSITIVE,),
    "GET /health": (GenerationMode.POSITIVE,),
    "GET /livez": (GenerationMode.POSITIVE,),
    "GET /model": (GenerationMode.POSITIVE,),
    "GET /metrics": (GenerationMode.POSITIVE,),
}
CHECK_NAMES = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
)
CASES = [(label, mode) for label, modes in OPERATIONS.items() for mode in modes]


def fuzz_settings() -> settings:
    profile = settings.get_current_profile_name()
    chosen = settings.get_profile(profile if profile.startswith("fuzz-") else "fuzz-quick")
    return settings(
        chosen,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


@pytest.fixture(scope="module")
def schema(module_service: GunicornProcess) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{module_service.base_url}/openapi.json")


@pytest.fixture(scope="module")
def checks() -> list[Callable[..., object]]:
    load_all_checks()
    by_name = {check.__name__: check for check in CHECKS.get_all()}
    return [by_name[name] for name in CHECK_NAMES]


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as opened:
        yield opened


def test_every_operation_of_the_schema_is_fuzzed(schema: schemathesis.BaseSchema) -> None:
    published = {result.ok().label for result in schema.get_all_operations()}

    assert published == set(OPERATIONS)


@pytest.mark.parametrize(("label", "mode"), CASES, ids=[f"{label} {mode.value}" for label, mode in CASES])
def test_fuzzed_requests_get_documented_answers_and_no_5xx(
    label: str,
    mode: GenerationMode,
    schema: schemathesis.BaseSchema,
    module_service: GunicornProcess,
    checks: list[Callable[..., object]],
    session: requests.Session,
    report_figure: Callable[[str], None],
) -> None:
    method, path = label.split(" ")
    operation = schema[path][method]
    statuses: Counter[int] = Counter()
    budget = fuzz_settings()

    overflows = 0
    overflow_checks = [check for check in checks if check.__name__ != "positive_data_acceptance"]

    @budget
    @given(case=operation.as_strategy(generation_mode=mode))
    def fuzz(case: schemathesis.Case) -> None:
        nonlocal overflows
        response = case.call(base_url=module_service.base_url, session=session, timeout=10)
        statuses[response.status_code] += 1
        if mode is GenerationMode.POSITIVE and is_overflow(response):
            overflows += 1
            case.validate_response(response, checks=overflow_checks)
            return
        case.validate_response(response, checks=checks)

    fuzz()

    sent = sum(statuses.values())
    overflowed = f", {overflows} of them prediction_not_finite" if overflows else ""
    report_figure(f"{sent} requests, statuses {dict(sorted(statuses.items()))}{overflowed}")
    assert not [status for status in statuses if status >= 500]
    if method == "POST":
        # The generator must really have explored: most of the budget was sent.
        assert sent >= budget.max_examples // 2


def is_overflow(response: requests.Response) -> bool:
    """The one documented refusal of a schema-valid record: numbers near the float32 limit (which the
    generator favours) can overflow the model's own arithmetic, and NaN probabilities are no answer."""
    if response.status_code != 422:
        return False
    errors = response.json()["detail"]
    return bool(errors) and all(error["type"] == "prediction_not_finite" for error in errors)


# Beyond the schema: any bytes, any JSON, records with fields replaced, dropped or added, any media type.
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=6),
    max_leaves=20,
)
MEDIA_TYPES = st.sampled_from(
    ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "text/plain", "", "multipart/form-data"]
)


@st.composite
def mangled_records(draw: st.DrawFn, example: dict[str, Any]) -> dict[str, Any]:
    record = dict(example)
    for name in draw(st.lists(st.sampled_from(sorted(example)), unique=True)):
        if draw(st.booleans()):
            record[name] = draw(JSON)
        else:
            del record[name]
    record.update(draw(st.dictionaries(st.text(max_size=12), JSON, max_size=2)))
    return record


def bodies(example: dict[str, Any]) -> st.SearchStrategy[bytes]:
    records = mangled_records(example)
    documents = st.one_of(JSON, records, st.fixed_dictionaries({"records": st.lists(records, max_size=5)}))
    return st.one_of(st.binary(max_size=512), documents.map(lambda document: json.dumps(document).encode()))


def test_arbitrary_bodies_and_media_types_never_get_a_5xx(
    module_service: GunicornProcess,
    example: dict[str, Any],
    session: requests.Session,
    report_figure: Callable[[str], None],
) -> None:
    statuses: Counter[int] = Counter()

    @fuzz_settings()
    @given(path=st.sampled_from(["/predict", "/predict/batch"]), body=bodies(example), media_type=MEDIA_TYPES)
    def fuzz(path: str, body: bytes, media_type: str) -> None:
        headers = {"Content-Type": media_type} if media_type else {}
        response = session.post(f"{module_service.base_url}{path}", data=body, headers=headers, timeout=10)
        statuses[response.status_code] += 1
        assert response.status_code in (200, 413, 415, 422), response.text
        assert response.headers["content-type"] == "application/json"
        if response.status_code != 200:
            assert "detail" in response.json()

    fuzz()

    report_figure(f"{sum(statuses.values())} requests, statuses {dict(sorted(statuses.items()))}")
