"""`dvc metrics diff` and `dvc params diff` in their JSON form, which is easier to render exactly than --md."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, TypedDict

from cicd.errors import CicdError


class Change(TypedDict, total=False):
    old: Any
    new: Any
    diff: float


# {file: {dotted key: change}}, e.g. {"reports/metrics.json": {"macro_f1": {"old": 1.0, "new": 0.98, "diff": -0.02}}}
Diff = dict[str, dict[str, Change]]


def metrics_diff(base: str, cwd: Path) -> Diff:
    """Every metric of the workspace against `base` (unchanged ones too); a missing side is None."""
    return _diff("metrics", base, cwd)


def params_diff(base: str, cwd: Path) -> Diff:
    """Every tracked param of the workspace against `base` (unchanged ones too); a missing side is None."""
    return _diff("params", base, cwd)


def _diff(kind: str, base: str, cwd: Path) -> Diff:
    result = subprocess.run(  # noqa: S603 - a fixed argument list; base is a git revision, never a shell string
        [_dvc(), kind, "diff", "--json", "--all", base],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        problem = " ".join(result.stderr.split()) or f"exit code {result.returncode}"
        raise CicdError(f"dvc {kind} diff {base}: {problem}")
    document: Diff = json.loads(result.stdout or "{}")
    return document


def _dvc() -> str:
    # The project's own dvc beside this interpreter, else the one on PATH.
    beside = Path(sys.executable).parent / "dvc"
    return str(beside) if beside.exists() else shutil.which("dvc") or "dvc"
