"""Synthesizes the service stack.

Run by the CDK CLI (see cdk.json) or directly: `python app.py -c key=value`.
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

from service_deployment.application import build_app

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-c", "--context", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    context = {"gitCommit": git_commit(), **dict(pair.split("=", 1) for pair in args.context)}
    # The CLI passes its outdir and its -c values in the environment; those win over these defaults.
    outdir = os.environ.get("CDK_OUTDIR", str(HERE / "cdk.out"))
    try:
        app = build_app(outdir=outdir, context=context, image_directory=HERE.parent / "app")
    except ValueError as exc:  # a bad -c value or cdk.json entry: the settings say which
        sys.exit(f"error: {exc}")
    app.synth()


def git_commit() -> str:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607 - git from PATH, like every developer tool here
            cwd=HERE,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return result.stdout.strip()


if __name__ == "__main__":
    main()
