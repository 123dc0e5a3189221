"""The command line: parse, build the parts, delegate, print one line.

    python -m app.scoring score INPUT OUTPUT [--model DIR] [--chunk-rows N] [--id-columns A,B]
                                [--shards N [--shard I]] [--max-error-rate R]
    python -m app.scoring finalize OUTPUT --shards N [--max-error-rate R]

Exit codes: 0 done; 1 too many rows failed, or finalize found a shard missing; 2 a bad
command, input or output (one line on stderr, nothing written); 3 storage failed under a
started run, or an unexpected error (nothing published; a rerun may succeed, and AWS Batch
retries it, where it takes 1 and 2 as final).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path
from typing import TextIO

from app.scoring.errors import ScoringError
from app.scoring.finalize import finalize
from app.scoring.model_scorer import load_model_scorer
from app.scoring.plan import Shard
from app.scoring.progress import NoProgress, Progress, ProgressBar
from app.scoring.run import DEFAULT_CHUNK_ROWS, ScoringJob, score_dataset
from app.scoring.scorer import ScorerFactory
from app.scoring.settings import ScoringSettings, load_settings
from app.scoring.uris import Storage

DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[1] / "model"
UNEXPECTED_EXIT_CODE = 3


def main(
    argv: list[str] | None = None,
    *,
    load_scorer: ScorerFactory = load_model_scorer,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run a command; returns the exit code. `load_scorer` builds the scorer from `--model`."""
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        storage = Storage(s3_endpoint=settings.s3_endpoint)
        if args.command == "finalize":
            line = finalize(storage.locate(args.output), args.shards, max_error_rate=args.max_error_rate).line()
        else:
            job = _job(args, settings)
            progress: Progress = ProgressBar(stderr) if stderr.isatty() else NoProgress()
            model_dir = args.model or settings.model_dir or DEFAULT_MODEL_DIR
            line = score_dataset(job, load_scorer(model_dir), storage=storage, progress=progress).line()
    except ScoringError as exc:
        print(f"error: {exc}", file=stderr)
        return exc.exit_code
    except Exception as exc:  # never 1 or 2: those are the data's verdict, final for AWS Batch
        traceback.print_exc(file=stderr)
        print(f"error: an unexpected failure ({type(exc).__name__}); nothing was published", file=stderr)
        return UNEXPECTED_EXIT_CODE
    print(line, file=stdout)
    return 0


def _job(args: argparse.Namespace, settings: ScoringSettings) -> ScoringJob:
    return ScoringJob(
        input=args.input,
        output=args.output,
        chunk_rows=args.chunk_rows,
        id_columns=args.id_columns,
        shard=_shard(args.shard, args.shards, settings.array_index),
        max_error_rate=args.max_error_rate,
    )


def _shard(index: int | None, count: int | None, array_index: int | None) -> Shard | None:
    if count is None:
        if index is not None:
            raise ScoringError("--shard needs --shards")
        return None
    # AWS Batch arrays have 2 to 10,000 children: one shard runs as a plain job, without an index.
    index = next((i for i in (index, array_index, 0 if count == 1 else None) if i is not None), None)
    if index is None:
        raise ScoringError("--shards needs --shard I, or AWS_BATCH_JOB_ARRAY_INDEX (an AWS Batch array child)")
    if index >= count:
        raise ScoringError(f"shard {index} is not one of --shards {count} (0..{count - 1})")
    return Shard(index=index, count=count)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app.scoring", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    score = commands.add_parser("score", help="score a CSV or Parquet file or folder, local or s3://")
    score.add_argument("input", help="a .csv or .parquet file, or a folder of them: a path or s3://bucket/key")
    score.add_argument("output", help="a .parquet or .csv file; with --shards, a folder of parts (path or s3://)")
    score.add_argument(
        "--model", type=Path, help="the model bundle folder (default: MODEL_SERVICE_MODEL_DIR, else app/model)"
    )
    score.add_argument("--chunk-rows", type=_positive, default=DEFAULT_CHUNK_ROWS, help="rows per chunk (memory)")
    score.add_argument("--id-columns", type=_names, help="comma-separated input columns to copy (default: all)")
    score.add_argument("--shards", type=_positive, help="split the input into N shards and score one")
    score.add_argument("--shard", type=_index, help="which shard (0..N-1); default AWS_BATCH_JOB_ARRAY_INDEX")
    _error_rate(score)
    final = commands.add_parser("finalize", help="check a sharded run's parts, then write _SUCCESS")
    final.add_argument("output", help="the folder the shards wrote")
    final.add_argument("--shards", type=_positive, required=True, help="how many shards the run had")
    _error_rate(final)
    return parser


def _error_rate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-error-rate", type=_fraction, help="fail (exit 1, nothing published) when failed/read rows exceed R"
    )


def _positive(text: str) -> int:
    value = _index(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def _index(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text}")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def _names(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(","))
    if not all(names):
        raise argparse.ArgumentTypeError(f"an empty column name in {text!r}")
    return names
