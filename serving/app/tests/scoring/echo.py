"""A trivial scorer for the batch scoring tests, and `python -m app.scoring` running it.

    cd serving && python -m app.tests.scoring.echo [--delay SECONDS] score INPUT OUTPUT ...

The command is the real one (`app.scoring.cli.main`); only the scorer differs, passed as
the factory the CLI takes. `--delay` slows each chunk, for tests that kill a run mid-write.
"""

from __future__ import annotations

import sys
import time

import pyarrow as pa
import pyarrow.compute as pc


class EchoScorer:
    """Doubles `x`; a row with x < 0 fails ("negative x"). For these tests only."""

    def __init__(self, *, fail_after_rows: int | None = None) -> None:
        self.model_version = "echo-1"
        self.required_columns = {"x": pa.float64()}
        self.csv_column_types: dict[str, pa.DataType] = {}
        self.prediction_schema = pa.schema([("doubled", pa.float64()), ("error", pa.string())])
        # What each call received (rows, schema): not the batches, so that memory stays flat.
        self.calls: list[tuple[int, pa.Schema]] = []
        self._fail_after_rows = fail_after_rows

    def score(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        self.calls.append((batch.num_rows, batch.schema))
        if self._fail_after_rows is not None and sum(rows for rows, _ in self.calls) > self._fail_after_rows:
            raise RuntimeError("the model broke")
        x = batch.column("x")
        negative = pc.less(x, 0)
        doubled = pc.if_else(negative, pa.scalar(None, pa.float64()), pc.multiply(x, 2))
        error = pc.if_else(negative, pa.scalar("negative x"), pa.scalar(None, pa.string()))
        return pa.RecordBatch.from_arrays([doubled, error], schema=self.prediction_schema)


class SlowEchoScorer(EchoScorer):
    def __init__(self, delay: float) -> None:
        super().__init__()
        self._delay = delay

    def score(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        time.sleep(self._delay)
        return super().score(batch)


if __name__ == "__main__":
    from app.scoring.cli import main

    argv = sys.argv[1:]
    delay = float(argv[1]) if argv[:1] == ["--delay"] else 0.0
    argv = argv[2:] if argv[:1] == ["--delay"] else argv
    sys.exit(main(argv, load_scorer=lambda _: SlowEchoScorer(delay)))
