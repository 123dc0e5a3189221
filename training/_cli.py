"""What every stage's main() shares: argument parsing and one-line configuration errors."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from training.errors import ConfigError


def parser(description: str) -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(description=description)
    result.add_argument("--params", type=Path, default=Path("params.yaml"), help="the params file")
    return result


def run(stage: Callable[[list[str] | None], None], argv: list[str] | None = None) -> int:
    """Run a stage; a ConfigError becomes one line on stderr and exit code 2, not a traceback."""
    try:
        stage(argv)
    except ConfigError as exc:
        # One line, whatever the message: CI logs and PR comments quote it.
        print("error: " + " ".join(str(exc).split()), file=sys.stderr)
        return 2
    return 0


def write_json(path: Path, payload: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n")
