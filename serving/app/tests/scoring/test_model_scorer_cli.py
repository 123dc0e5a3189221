"""`python -m app.scoring score ... --model DIR` with the trained bundle, as real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from app.scoring.model_scorer import load_model_scorer
from app.scoring.run import ScoringJob, score_dataset
from app.scoring.uris import Storage
from app.tests.scoring.conftest import SERVING_DIR, read_output, same_rows, write_csv, write_parquet
from testkit.s3 import S3Server

ROOT = SERVING_DIR.parent
FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "island", "sex"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def penguins() -> pa.Table:
    """The test split, five times over, with an id: a few hundred rows."""
    split = pq.read_table(ROOT / "data/prepared/test.parquet").select(FEATURES)
    table = pa.concat_tables([split] * 5)
    return table.add_column(0, "id", pa.array(range(table.num_rows), pa.int64()))


@pytest.fixture(scope="module")
def reference(model_dir: Path, penguins: pa.Table, tmp_path_factory: pytest.TempPathFactory) -> pa.Table:
    """The same rows scored in this process."""
    folder = tmp_path_factory.mktemp("reference")
    source = write_parquet(folder / "in.parquet", penguins)
    job = ScoringJob(input=str(source), output=str(folder / "out.parquet"))
    score_dataset(job, load_model_scorer(model_dir), storage=Storage())
    return read_output(folder / "out.parquet")


def read_typed(path: Path, schema: pa.Schema) -> pa.Table:
    """An output read back with the reference's types (a CSV column of nulls would be read as null)."""
    if path.suffix != ".csv":
        return read_output(path)
    options = pacsv.ConvertOptions(column_types=schema, strings_can_be_null=True)
    return pacsv.read_csv(path, convert_options=options)


def scoring(*argv: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "app.scoring", *argv],
        cwd=SERVING_DIR,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(child: subprocess.Popen[str]) -> str:
    out, err = child.communicate(timeout=120)
    assert (child.returncode, err) == (0, ""), (child.returncode, err)
    return out


@pytest.mark.parametrize(("source_name", "output_name"), [("in.csv", "out.parquet"), ("in.parquet", "out.csv")])
def test_a_local_file_is_scored_end_to_end(
    tmp_path: Path, model_dir: Path, penguins: pa.Table, reference: pa.Table, source_name: str, output_name: str
) -> None:
    write = write_csv if source_name.endswith(".csv") else write_parquet
    source = write(tmp_path / source_name, penguins)

    out = finished(scoring("score", str(source), str(tmp_path / output_name), "--model", str(model_dir)))

    assert out.startswith(f"scored {penguins.num_rows} rows (0 failed) in ")
    assert same_rows(read_typed(tmp_path / output_name, reference.schema), reference)


def test_an_s3_input_is_scored_into_s3(
    tmp_path: Path, model_dir: Path, penguins: pa.Table, reference: pa.Table, s3: S3Server, s3_prefix: str
) -> None:
    storage = Storage(s3_endpoint=s3.endpoint)
    source, output = f"{s3_prefix}/in/penguins.parquet", f"{s3_prefix}/scores.parquet"
    with storage.locate(source).filesystem.open_output_stream(source.removeprefix("s3://")) as stream:
        pq.write_table(penguins, stream)
    env = {name: value for name, value in s3.env.items() if name.startswith("AWS_")}

    out = finished(scoring("score", f"{s3_prefix}/in/", output, "--model", str(model_dir), **env))

    assert out.endswith(f"-> {output}\n")
    with storage.locate(output).filesystem.open_input_file(output.removeprefix("s3://")) as stream:
        assert same_rows(pq.read_table(stream), reference)


def test_sharded_children_then_finalize_give_the_single_runs_rows(
    tmp_path: Path, model_dir: Path, penguins: pa.Table, reference: pa.Table
) -> None:
    source = write_csv(tmp_path / "in.csv", penguins)
    output = tmp_path / "scores"

    children = [
        scoring("score", str(source), str(output), "--model", str(model_dir), "--shards", "3", "--shard", str(index))
        for index in range(3)
    ]
    for child in children:
        finished(child)
    final = finished(scoring("finalize", str(output), "--shards", "3"))

    assert final == f"finalized 3 shards: {penguins.num_rows} rows (0 failed) -> {output}/_SUCCESS\n"
    assert same_rows(read_output(output), reference)
