"""Smoke-test a running model service with the golden records of the model it should serve.

    python -m cicd.smoke_test --url http://127.0.0.1:8000 [--model-dir serving/app/model]
    python -m cicd.smoke_test --cdk-outputs serving/deployment/deployed/outputs.json

Waits (bounded) for GET /health to answer 200, checks the model version, then sends every golden record
through POST /predict and all of them through POST /predict/batch: labels must be equal (as JSON values:
true, 1 and "1" differ) and probabilities within the tolerance, or for regression the predicted values
within the tolerance. The tolerance is the bundle's own (app.bundle), the one the service replays its
golden records with at start-up. Prints one line per problem; exit 0 passed, 1 failed, 2 could not run.
The API key, when the service needs one, comes from SMOKE_TEST_API_KEY, or else from the secret the
CDK outputs name.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from app.bundle import METADATA_FILE, BundleError, GoldenRecord, read_metadata
from cicd import _github, cdk_outputs
from cicd.errors import CicdError

API_KEY_ENV = "SMOKE_TEST_API_KEY"
API_KEY_HEADER = "X-API-Key"
MODEL_DIR = Path("serving/app/model")
DEFAULT_HEALTH_TIMEOUT = 120.0


@dataclass(frozen=True)
class Expected:
    model_version: str
    golden: tuple[GoldenRecord, ...]
    # The largest difference from a golden record: a probability, or a value in the target's unit.
    tolerance: float


class ServiceNotHealthyError(CicdError):
    pass


def load_expected(model_dir: Path) -> Expected:
    try:
        metadata = read_metadata(model_dir)
    except BundleError as exc:
        hint = "; `dvc pull` or `make train` writes it" if not (model_dir / METADATA_FILE).exists() else ""
        raise CicdError(f"{exc}{hint}") from exc
    golden = tuple(metadata.golden_records)
    return Expected(model_version=metadata.model_version, golden=golden, tolerance=metadata.golden_tolerance())


def wait_healthy(
    client: httpx.Client,
    *,
    timeout: float,
    interval: float = 2.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """GET /health until it answers 200, for at most `timeout` seconds; returns its body."""
    deadline = clock() + timeout
    while True:
        try:
            response = client.get("/health")
            if response.status_code == 200:
                body: dict[str, Any] = response.json()
                return body
            last = f"last answer {response.status_code} {response.text[:200]}"
        except httpx.TransportError as exc:
            last = f"last error {type(exc).__name__}: {exc}"
        if clock() + interval > deadline:
            raise ServiceNotHealthyError(f"GET /health did not answer 200 within {timeout:g} s; {last}")
        sleep(interval)


def compare(where: str, expected: GoldenRecord, answer: dict[str, Any], tolerance: float) -> list[str]:
    """Problems with one prediction: at most one line for the label and one for the probabilities, or one
    for the value."""
    if expected.value is not None:
        return compare_value(where, expected.value, answer, tolerance)
    problems = []
    label = answer.get("label")
    # As JSON values: json.dumps tells true from 1 and 1 from "1", where == would not.
    if json.dumps(label) != json.dumps(expected.label):
        problems.append(f"{where}: expected label {json.dumps(expected.label)}, got {json.dumps(label)}")
    expected_probabilities = expected.probabilities or {}
    got = answer.get("probabilities")
    if not isinstance(got, dict) or set(got) != set(expected_probabilities):
        shown = ", ".join(sorted(got)) if isinstance(got, dict) else repr(got)
        problems.append(f"{where}: expected probabilities for {', '.join(sorted(expected_probabilities))}, got {shown}")
        return problems
    differences = {name: abs(float(got[name]) - p) for name, p in expected_probabilities.items()}
    worst = max(differences, key=lambda name: differences[name])
    if not differences[worst] <= tolerance:
        problems.append(
            f"{where}: probabilities differ by up to {differences[worst]:.3g} (tolerance {tolerance:g}); "
            f"{worst}: expected {expected_probabilities[worst]:.6g}, got {float(got[worst]):.6g}"
        )
    return problems


def compare_value(where: str, expected: float, answer: dict[str, Any], tolerance: float) -> list[str]:
    got = answer.get("prediction")
    if not isinstance(got, int | float) or isinstance(got, bool):
        return [f"{where}: expected a prediction near {expected:.6g}, got {json.dumps(got)}"]
    if not abs(got - expected) <= tolerance:
        return [f"{where}: expected prediction {expected:.6g}, got {got:.6g} (tolerance {tolerance:g})"]
    return []


def check_predictions(client: httpx.Client, expected: Expected, tolerance: float) -> list[str]:
    problems: list[str] = []
    for index, golden in enumerate(expected.golden):
        response = client.post("/predict", json=golden.record)
        if response.status_code != 200:
            problems.append(
                f"golden record {index}: POST /predict answered {response.status_code}: {response.text[:300]}"
            )
            break
        body = response.json()
        problems += _version_problem(f"golden record {index} via /predict", body, expected)
        problems += compare(f"golden record {index} via /predict", golden, body, tolerance)
    response = client.post("/predict/batch", json={"records": [golden.record for golden in expected.golden]})
    if response.status_code != 200:
        return [*problems, f"POST /predict/batch answered {response.status_code}: {response.text[:300]}"]
    body = response.json()
    problems += _version_problem("/predict/batch", body, expected)
    predictions = body.get("predictions", [])
    if len(predictions) != len(expected.golden):
        return [*problems, f"/predict/batch: sent {len(expected.golden)} records, got {len(predictions)} predictions"]
    for index, (golden, answer) in enumerate(zip(expected.golden, predictions, strict=True)):
        problems += compare(f"golden record {index} via /predict/batch", golden, answer, tolerance)
    return problems


def _version_problem(where: str, body: dict[str, Any], expected: Expected) -> list[str]:
    served = body.get("model_version")
    if served == expected.model_version:
        return []
    return [f"{where}: the service serves model {served}, the metadata describes {expected.model_version}"]


def smoke_test(client: httpx.Client, expected: Expected, *, tolerance: float, health_timeout: float) -> list[str]:
    """Every problem found, one line each; empty when the service serves exactly the expected model."""
    health = wait_healthy(client, timeout=health_timeout)
    problems = _version_problem("GET /health", health, expected)
    if problems:
        # Another model answers: its predictions would only repeat that, record by record.
        return problems
    return check_predictions(client, expected, tolerance)


def resolve_target(args: argparse.Namespace, env: dict[str, str]) -> tuple[str, str | None]:
    """The base URL and the API key (or None) from the arguments, the environment and the CDK outputs."""
    api_key = env.get(API_KEY_ENV) or None
    if args.url:
        return args.url, api_key
    endpoint = cdk_outputs.read_endpoint(args.cdk_outputs, args.stack)
    if api_key is None and endpoint.api_key_secret_arn:
        api_key = cdk_outputs.read_secret(endpoint.api_key_secret_arn)
        if env.get("GITHUB_ACTIONS") == "true":
            print(_github.mask(api_key))
    return endpoint.url, api_key


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a running service with its model's golden records.")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help="the service's base URL")
    target.add_argument(
        "--cdk-outputs", type=Path, help="the outputs file of `cdk deploy` (ServiceUrl, ApiKeySecretArn)"
    )
    parser.add_argument("--stack", help="the stack in the outputs file, when it holds several")
    parser.add_argument("--model-dir", type=Path, default=MODEL_DIR, help="the model bundle the service should serve")
    parser.add_argument(
        "--tolerance", type=float, help="largest difference from a golden record (default: the bundle's own)"
    )
    parser.add_argument("--health-timeout", type=float, default=DEFAULT_HEALTH_TIMEOUT, help="seconds")
    parser.add_argument("--github-output", default=os.environ.get("GITHUB_OUTPUT"), help="writes url=<base URL>")
    args = parser.parse_args(argv)
    try:
        expected = load_expected(args.model_dir)
        tolerance = expected.tolerance if args.tolerance is None else args.tolerance
        url, api_key = resolve_target(args, dict(os.environ))
        _github.set_outputs(_github.optional_path(args.github_output), url=url)
        headers = {API_KEY_HEADER: api_key} if api_key else {}
        with httpx.Client(base_url=url, headers=headers, timeout=10.0) as client:
            problems = smoke_test(client, expected, tolerance=tolerance, health_timeout=args.health_timeout)
    except ServiceNotHealthyError as exc:
        print(f"smoke test failed: {url}: {exc}")
        return 1
    except (CicdError, httpx.HTTPError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if problems:
        print(f"smoke test failed: {url}: {len(problems)} problem(s)")
        for problem in problems:
            print(f"  {problem}")
        return 1
    print(
        f"smoke test passed: {url} serves model {expected.model_version}; {len(expected.golden)} golden records "
        f"matched via /predict and /predict/batch within {tolerance:g}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
