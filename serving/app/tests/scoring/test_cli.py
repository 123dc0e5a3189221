from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path

import pytest

from app.scoring.cli import DEFAULT_MODEL_DIR, main
from app.tests.scoring.conftest import SERVING_DIR, expected, read_output, same_rows, table, write_csv, write_parquet
from app.tests.scoring.echo import EchoScorer


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _no_batch_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_BATCH_JOB_ARRAY_INDEX", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "MODEL_SERVICE_MODEL_DIR"):
        monkeypatch.delenv(name, raising=False)


def scoring(*argv: str, stderr: io.StringIO | None = None) -> tuple[int, str, str]:
    """Run the command in-process with the echo scorer: exit code, stdout, stderr."""
    out, err = io.StringIO(), stderr or io.StringIO()
    code = main(list(argv), load_scorer=lambda _: EchoScorer(), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_score_prints_one_summary_line(tmp_path: Path) -> None:
    write_csv(tmp_path / "in.csv", table(20, negative_every=10))

    code, out, err = scoring("score", str(tmp_path / "in.csv"), str(tmp_path / "out.parquet"), "--chunk-rows", "3")

    assert code == 0
    assert re.fullmatch(rf"scored 20 rows \(2 failed\) in \d+\.\d s, \d+ rows/s -> {tmp_path}/out\.parquet\n", out)
    assert err == ""
    assert same_rows(read_output(tmp_path / "out.parquet"), expected(table(20, negative_every=10)))


def test_on_a_terminal_a_progress_bar_is_drawn_then_cleared(tmp_path: Path) -> None:
    write_parquet(tmp_path / "in.parquet", table(20))
    terminal = Terminal()

    code, _, err = scoring("score", str(tmp_path / "in.parquet"), str(tmp_path / "o.csv"), stderr=terminal)

    assert code == 0
    assert err.startswith("\r100% [")
    assert "20 rows" in err
    assert err.endswith("\r")


@pytest.mark.parametrize("variable", [None, "bundle"])
def test_the_model_folder_defaults_to_the_services_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str | None
) -> None:
    # MODEL_SERVICE_MODEL_DIR, the service's own variable, else the package's app/model; --model wins.
    write_csv(tmp_path / "in.csv", table(2))
    if variable:
        monkeypatch.setenv("MODEL_SERVICE_MODEL_DIR", str(tmp_path / variable))
    seen: list[Path] = []

    def load(model_dir: Path) -> EchoScorer:
        seen.append(model_dir)
        return EchoScorer()

    for extra in ([], ["--model", "elsewhere"]):
        main(
            ["score", str(tmp_path / "in.csv"), str(tmp_path / "o.csv"), *extra], load_scorer=load, stdout=io.StringIO()
        )

    assert seen == [tmp_path / variable if variable else DEFAULT_MODEL_DIR, Path("elsewhere")]
    assert DEFAULT_MODEL_DIR.parts[-3:] == ("serving", "app", "model")


def test_by_default_a_folder_without_a_bundle_exits_2_with_one_line(tmp_path: Path) -> None:
    write_csv(tmp_path / "in.csv", table(2))
    err = io.StringIO()

    code = main(["score", str(tmp_path / "in.csv"), str(tmp_path / "o.csv"), "--model", "m"], stderr=err)

    assert (code, err.getvalue()) == (
        2,
        "error: m/metadata.json: cannot read the model metadata (No such file or directory)\n",
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.csv"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--shards", "3"], "--shards needs --shard I, or AWS_BATCH_JOB_ARRAY_INDEX (an AWS Batch array child)"),
        (["--shard", "1"], "--shard needs --shards"),
        (["--shards", "3", "--shard", "3"], "shard 3 is not one of --shards 3 (0..2)"),
        (["--id-columns", "id,nope"], "{tmp}/in.csv: --id-columns names 'nope', not in the input"),
    ],
)
def test_a_bad_command_exits_2_with_one_line(tmp_path: Path, argv: list[str], message: str) -> None:
    write_csv(tmp_path / "in.csv", table(2))

    code, out, err = scoring("score", str(tmp_path / "in.csv"), str(tmp_path / "out.csv"), *argv)

    assert (code, out, err) == (2, "", f"error: {message.format(tmp=tmp_path)}\n")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.csv"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--chunk-rows", "0"], "argument --chunk-rows: must be at least 1, got 0"),
        (["--max-error-rate", "1.5"], "argument --max-error-rate: must be between 0 and 1, got 1.5"),
        (["--id-columns", "a,,b"], "argument --id-columns: an empty column name in 'a,,b'"),
    ],
)
def test_bad_options_are_refused_by_the_parser(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["score", "in.csv", "out.csv", *argv])

    assert caught.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].endswith(message)


def test_the_array_index_picks_the_shard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_parquet(tmp_path / "in.parquet", table(30), row_group_size=10)
    monkeypatch.setenv("AWS_BATCH_JOB_ARRAY_INDEX", "2")

    code, out, _ = scoring("score", str(tmp_path / "in.parquet"), str(tmp_path / "out"), "--shards", "3")

    assert code == 0
    assert out.endswith(f"-> {tmp_path}/out/part-00002.parquet\n")
    assert json.loads((tmp_path / "out" / "part-00002.manifest.json").read_text())["rows"]["read"] == 10


def test_one_shard_needs_no_index(tmp_path: Path) -> None:
    # AWS Batch arrays have 2 to 10,000 children: a one-shard run is a plain job, with no array index.
    write_parquet(tmp_path / "in.parquet", table(30), row_group_size=10)

    code, out, _ = scoring("score", str(tmp_path / "in.parquet"), str(tmp_path / "out"), "--shards", "1")

    assert code == 0
    assert out.endswith(f"-> {tmp_path}/out/part-00000.parquet\n")
    assert json.loads((tmp_path / "out" / "part-00000.manifest.json").read_text())["rows"]["read"] == 30


def test_too_many_failures_exit_1(tmp_path: Path) -> None:
    write_csv(tmp_path / "in.csv", table(10, negative_every=2))

    code, _, err = scoring("score", str(tmp_path / "in.csv"), str(tmp_path / "o.csv"), "--max-error-rate", "0.2")

    assert (code, err) == (
        1,
        "error: 5 of 10 rows failed (50.00%), more than --max-error-rate 0.2; nothing was written\n",
    )


def test_finalize_exits_1_naming_missing_shards_then_0_once_all_are_there(tmp_path: Path) -> None:
    write_parquet(tmp_path / "in.parquet", table(30), row_group_size=10)
    out = tmp_path / "out"
    scoring("score", str(tmp_path / "in.parquet"), str(out), "--shards", "2", "--shard", "0")

    assert scoring("finalize", str(out), "--shards", "2") == (
        1,
        "",
        f"error: {out}: missing shard(s) 1 of 2 (no part or no manifest); rerun them, then finalize again\n",
    )
    scoring("score", str(tmp_path / "in.parquet"), str(out), "--shards", "2", "--shard", "1")
    assert scoring("finalize", str(out), "--shards", "2") == (
        0,
        f"finalized 2 shards: 30 rows (0 failed) -> {out}/_SUCCESS\n",
        "",
    )


def test_make_score_asks_for_input_and_output_before_training() -> None:
    result = subprocess.run(
        ["make", "--no-print-directory", "score", "OUTPUT=out.parquet"],
        cwd=SERVING_DIR.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert result.stderr.startswith("usage: make score INPUT=<file, folder or s3://bucket/key> OUTPUT=")
    assert "dvc" not in result.stdout


def test_an_unexpected_failure_exits_3_not_the_datas_verdicts(tmp_path: Path) -> None:
    write_csv(tmp_path / "in.csv", table(2))
    err = io.StringIO()

    def broken(_: Path) -> EchoScorer:
        raise RuntimeError("a bug")

    code = main(["score", str(tmp_path / "in.csv"), str(tmp_path / "o.csv")], load_scorer=broken, stderr=err)

    assert code == 3
    assert err.getvalue().splitlines()[-1] == "error: an unexpected failure (RuntimeError); nothing was published"
    assert "RuntimeError: a bug" in err.getvalue()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.csv"]
