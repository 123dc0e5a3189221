"""convert: export the trained Pipeline to ONNX, or record why it cannot be exported."""

from __future__ import annotations

import sys
from pathlib import Path

import joblib

from training import _cli
from training.onnx_export import ConversionError, convert
from training.params import load_params

ONNX_FILE = "model.onnx"
# Written instead of the model when conversion fails: the stage still succeeds, and the
# service falls back to scikit-learn.
UNAVAILABLE_FILE = "unavailable.txt"


def main(argv: list[str] | None = None) -> None:
    cli = _cli.parser(__doc__ or "")
    cli.add_argument("--model", type=Path, required=True, help="the joblib Pipeline")
    cli.add_argument("--out", type=Path, required=True, help=f"folder for {ONNX_FILE} (or {UNAVAILABLE_FILE})")
    args = cli.parse_args(argv)
    params = load_params(args.params)
    pipeline = joblib.load(args.model)  # our own artifact, written by the train stage
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        (args.out / ONNX_FILE).write_bytes(convert(pipeline, params.data))
    except ConversionError as exc:
        (args.out / UNAVAILABLE_FILE).write_text(f"{exc}\n")
        print(f"warning: no ONNX model: {exc}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(_cli.run(main))
