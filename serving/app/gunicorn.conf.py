"""gunicorn's production configuration: `gunicorn --config app/gunicorn.conf.py` from the folder holding `app`.

The Docker image's CMD and `make serve` both run exactly this. Values come from app.config.Settings.
"""

# gunicorn looks for this file name by default; it is never imported as a module.
# ruff: noqa: N999

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

# gunicorn reads this file before it applies `pythonpath`: make `app` importable here too.
IMPORT_ROOT = str(Path(__file__).resolve().parent.parent)
if IMPORT_ROOT not in sys.path:
    sys.path.insert(0, IMPORT_ROOT)

from pydantic import ValidationError  # noqa: E402

from app.config import Settings, describe_errors  # noqa: E402
from app.logs import logging_config  # noqa: E402
from app.worker import Worker  # noqa: E402

# The exit status of a refusal to serve the model; gunicorn uses the same for a worker that fails to boot.
EXIT_MODEL_REFUSED = 3

try:
    settings = Settings()
except ValidationError as exc:
    sys.exit(f"invalid settings: {describe_errors(exc)}")

wsgi_app = "app.main:create_app()"
pythonpath = IMPORT_ROOT
worker_class = Worker
workers = settings.workers
bind = [settings.bind]
# After SIGTERM, in-flight requests get this long before the workers are killed.
graceful_timeout = settings.graceful_timeout
timeout = settings.worker_timeout
# Longer than the load balancer's idle timeout (60 s): the balancer, not we, closes idle connections.
keepalive = 75
# The control socket would open a Unix socket under $HOME: no runtime control is wanted.
control_socket_disable = True
proc_name = "model-service"
loglevel = settings.log_level
logconfig_dict = logging_config(settings.log_level)

_metrics_dir: Path | None = None
_created_metrics_dir: Path | None = None


def on_starting(server: Any) -> None:
    """In the master, before any worker: refuse a tampered model, and share one metrics folder."""
    from app.predictor.errors import ModelStartupError
    from app.predictor.integrity import verify_artifacts

    try:
        verify_artifacts(settings.model_dir, settings.backend)
    except ModelStartupError as exc:
        logging.getLogger("app.startup").critical("refusing to start: %s", exc)
        sys.exit(EXIT_MODEL_REFUSED)
    _prepare_metrics_dir()


def _prepare_metrics_dir() -> None:
    global _metrics_dir, _created_metrics_dir
    directory = settings.prometheus_multiproc_dir
    if directory is None:
        directory = _created_metrics_dir = Path(tempfile.mkdtemp(prefix="model-service-metrics-"))
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    _metrics_dir = directory
    # Workers inherit it: prometheus_client reads it when they import it, Settings for the scrape.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    if _metrics_dir is not None:
        multiprocess.mark_process_dead(worker.pid, str(_metrics_dir))  # type: ignore[no-untyped-call]


def on_exit(server: Any) -> None:
    if _created_metrics_dir is not None:
        shutil.rmtree(_created_metrics_dir, ignore_errors=True)
