"""Synthesizes the account infrastructure.

Run by the CDK CLI (see cdk.json) or directly: `python app.py -c key=value`.
"""

import argparse
import os
import sys
from pathlib import Path

from account_infrastructure.application import build_app
from account_infrastructure.settings import SettingsError

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-c", "--context", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    context = dict(pair.split("=", 1) for pair in args.context)
    # The CLI passes its outdir and its -c values in the environment; those win over these.
    outdir = os.environ.get("CDK_OUTDIR", str(HERE / "cdk.out"))
    try:
        app = build_app(outdir=outdir, context=context)
    except SettingsError as exc:
        sys.exit(f"error: {exc}")
    app.synth()


if __name__ == "__main__":
    main()
