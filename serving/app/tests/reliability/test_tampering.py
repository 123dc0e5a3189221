"""Tampered and missing artifacts: gunicorn stops with one clear line and a non-zero status,
and /health never answers 200 while it tries.

Each case changes a private copy of the trained artifacts, never the session snapshot.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from app.tests.reliability.service import log_lines
from app.tests.servers import GunicornProcess, gunicorn

pytestmark = pytest.mark.slow

EXIT_MODEL_REFUSED = 3


def flip_a_byte(path: Path) -> None:
    """Same size, one byte different: only a checksum can tell."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def rewrite_versions(model: Path) -> None:
    path = model / "metadata.json"
    document = json.loads(path.read_text())
    document["versions"]["scikit-learn"] = "1.0.0"
    path.write_text(json.dumps(document))


# case -> (what it does to the model folder, the text the one refusal line must contain)
CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "model file with a changed byte": (
        lambda model: flip_a_byte(model / "model.joblib"),
        "model.joblib: sha256 ",
    ),
    "onnx file with a changed byte": (
        lambda model: flip_a_byte(model / "onnx" / "model.onnx"),
        "onnx/model.onnx: sha256 ",
    ),
    "metadata missing": (
        lambda model: (model / "metadata.json").unlink(),
        "metadata.json: cannot read the model metadata (No such file or directory)",
    ),
    "metadata not valid json": (
        lambda model: (model / "metadata.json").write_text('{"schema_version": 1, "model_version": '),
        "metadata.json: Invalid JSON",
    ),
    "model trained with another scikit-learn": (
        rewrite_versions,
        "but the model was trained with scikit-learn 1.0.0",
    ),
}


class HealthWatch:
    """Polls /health until stopped, counting every 200 it ever gets."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.ready_answers = 0
        self.polls = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> HealthWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _poll(self) -> None:
        # The polling is the check itself (a load balancer's health checks while the service starts), so it
        # keeps a pace instead of waiting for an event.
        while not self._stop.wait(0.02):
            self.polls += 1
            try:
                if httpx.get(f"{self.base_url}/health", timeout=1).status_code == 200:
                    self.ready_answers += 1
            except httpx.TransportError:
                pass


@pytest.mark.parametrize("case", list(CASES))
def test_a_tampered_or_missing_artifact_stops_the_start_with_one_line(
    case: str, model_copy: Path, tmp_path: Path, report_figure: Callable[[str], None]
) -> None:
    tamper, expected = CASES[case]
    tamper(model_copy)
    server = gunicorn(model_copy, tmp_path / "gunicorn.log", MODEL_SERVICE_WORKERS="2")

    with HealthWatch(server.base_url) as health:
        status = start_and_wait_for_exit(server)

    refusals = [line["message"] for line in log_lines(server) if line["level"] == "CRITICAL"]
    report_figure(f"exit {status}; {refusals[0] if refusals else 'no refusal line'}")
    assert status == EXIT_MODEL_REFUSED
    assert len(refusals) == 1, refusals
    assert refusals[0].startswith("refusing to start: ")
    assert expected in refusals[0]
    assert "Traceback" not in server.log()
    assert "Booting worker" not in server.log()
    assert health.polls > 0
    assert health.ready_answers == 0


def start_and_wait_for_exit(server: GunicornProcess) -> int:
    server.start()
    try:
        return server.wait_exit(timeout=30)
    finally:
        server.stop()
