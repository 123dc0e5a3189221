"""A work folder that trains an example (or a test's configuration) without touching the repository's own.

    python -m examples.workspace iris        # builds .work/examples/iris and prints its path

The folder gets a copy of the pipeline (dvc.yaml and the code its stages run), the example's
params.yaml, and the data its data.py writes; `dvc repro` there trains into its own
serving/app/model. The committed params.yaml and dvc.lock stay as they are.
"""

from __future__ import annotations

import argparse
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
EXAMPLES = REPOSITORY / "examples"
WORK_DIR = REPOSITORY / ".work" / "examples"
# What `dvc repro` needs besides params.yaml and the data: the pipeline and the code its stages import.
PIPELINE_FILES = (
    "dvc.yaml",
    ".dvcignore",
    "data/.gitignore",
    "models/README.md",
    # The bundle contract the stages write through (importable as `app.bundle`).
    "serving/app/__init__.py",
    "serving/app/bundle.py",
)
PIPELINE_TREES = ("training",)
DATA_SCRIPT = "data.py"


def names() -> list[str]:
    return sorted(path.parent.name for path in EXAMPLES.glob(f"*/{DATA_SCRIPT}"))


def copy_pipeline(destination: Path) -> None:
    """Copy (or refresh) the pipeline files and code into `destination`; DVC sees unchanged files as unchanged."""
    for name in PIPELINE_FILES:
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPOSITORY / name, target)
    for tree in PIPELINE_TREES:
        shutil.rmtree(destination / tree, ignore_errors=True)
        shutil.copytree(
            REPOSITORY / tree, destination / tree, ignore=shutil.ignore_patterns("tests", "__pycache__", "*.pyc")
        )


def build(name: str, work_dir: Path = WORK_DIR) -> Path:
    """The example's work folder, ready for `dvc repro`. Raises ValueError for an unknown example."""
    if name not in names():
        raise ValueError(f"unknown example {name!r}; choose one of: {', '.join(names())}")
    folder = work_dir / name
    folder.mkdir(parents=True, exist_ok=True)
    copy_pipeline(folder)
    shutil.copy2(EXAMPLES / name / "params.yaml", folder / "params.yaml")
    # data.py writes the dataset (from one scikit-learn ships) to the path its params.yaml names.
    runpy.run_path(str(EXAMPLES / name / DATA_SCRIPT), run_name="__main__")["write"](folder)
    if not (folder / ".dvc").is_dir():
        # Its own DVC project without git: the work folder sits inside this repository's tree.
        subprocess.run(["dvc", "init", "--no-scm", "--quiet"], cwd=folder, check=True)  # noqa: S607 - the venv's dvc
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build an example's work folder and print its path.")
    parser.add_argument("name", help=f"one of: {', '.join(names())}")
    args = parser.parse_args(argv)
    try:
        print(build(args.name))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
