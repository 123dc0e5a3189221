"""The model's scorer: the service's answers for the same records, bad rows kept with their reason."""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from app.bundle import label_key
from app.config import Settings
from app.main import create_app
from app.scoring.cli import main
from app.scoring.errors import ScoringError
from app.scoring.model_scorer import ModelScorer, load_model_scorer
from app.scoring.run import ScoringJob, score_dataset
from app.scoring.uris import Storage
from app.tests.conftest import TestClient
from app.tests.scoring.conftest import read_output, write_csv, write_parquet
from testkit.bundles import BUNDLES, TrainedBundle, train_bundle

ROOT = Path(__file__).resolve().parents[4]
PENGUIN_FEATURES = ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "island", "sex")


@pytest.fixture(scope="module")
def penguins(model_dir: Path) -> ModelScorer:
    return load_model_scorer(model_dir)


@pytest.fixture(scope="module")
def regression(tmp_path_factory: pytest.TempPathFactory) -> TrainedBundle:
    return train_bundle(BUNDLES["diabetes-ridge"], tmp_path_factory.mktemp("diabetes") / "project")


def split_of(project: Path, features: list[str]) -> pa.Table:
    return pq.read_table(project / "data/prepared/test.parquet").select(features)


def service_answers(model_dir: Path, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    with TestClient(create_app(Settings(model_dir=model_dir))) as client:
        response = client.post("/predict/batch", json={"records": records})
    assert response.status_code == 200, response.text
    return list(response.json()["predictions"])


def as_records(source: pa.Table) -> list[dict[str, Any]]:
    """Rows as a client sends them: a gap is null, never NaN."""
    return [
        {name: None if isinstance(value, float) and math.isnan(value) else value for name, value in row.items()}
        for row in source.to_pylist()
    ]


def expected_rows(answers: list[dict[str, Any]], classes: list[Any] | None) -> list[dict[str, Any]]:
    """The service's answers as batch output rows."""
    rows = []
    for answer in answers:
        warnings = "; ".join(answer["warnings"]) or None
        if classes is None:
            rows.append({"prediction": answer["prediction"], "warnings": warnings, "error": None})
            continue
        probabilities = {f"probability_{label_key(c)}": answer["probabilities"][label_key(c)] for c in classes}
        rows.append({"prediction": answer["label"], **probabilities, "warnings": warnings, "error": None})
    return rows


def score_file(tmp_path: Path, source: pa.Table, scorer: ModelScorer, suffix: str) -> pa.Table:
    write = write_csv if suffix == ".csv" else write_parquet
    path = write(tmp_path / f"in{suffix}", source)
    output = tmp_path / f"out-{suffix[1:]}.parquet"
    score_dataset(ScoringJob(input=str(path), output=str(output), chunk_rows=40), scorer, storage=Storage())
    return read_output(output)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_penguin_scores_equal_the_services_batch_answers(
    tmp_path: Path, model_dir: Path, penguins: ModelScorer, suffix: str
) -> None:
    source = split_of(ROOT, list(PENGUIN_FEATURES))
    # A gap, an unseen island and an out-of-range flipper: warnings must match too.
    extra = pa.Table.from_pylist(
        [
            {**source.slice(0, 1).to_pylist()[0], "island": "Atlantis", "sex": None},
            {**source.slice(1, 1).to_pylist()[0], "flipper_length_mm": 1000.0, "bill_length_mm": None},
        ],
        schema=source.schema,
    )
    source = pa.concat_tables([source, extra])

    output = score_file(tmp_path, source, penguins, suffix)
    scored = output.drop_columns([*PENGUIN_FEATURES, "model_version"]).to_pylist()

    wanted = expected_rows(service_answers(model_dir, as_records(source)), penguins._predictor.metadata.classes)
    assert [row.pop("prediction") for row in scored] == [row.pop("prediction") for row in wanted]
    assert [row["warnings"] for row in scored] == [row["warnings"] for row in wanted]
    assert any(row["warnings"] for row in scored)
    for got, want in zip(scored, wanted, strict=True):
        assert got.keys() == want.keys()
        for key, value in want.items():
            assert got[key] == pytest.approx(value, abs=1e-12) if isinstance(value, float) else got[key] == value
    assert output["model_version"].unique().to_pylist() == [penguins.model_version]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_regression_scores_equal_the_services_batch_answers(
    tmp_path: Path, regression: TrainedBundle, suffix: str
) -> None:
    features = [feature.name for feature in regression.metadata.features]
    source = split_of(regression.project, features)
    scorer = load_model_scorer(regression.model_dir)

    output = score_file(tmp_path, source, scorer, suffix)

    wanted = expected_rows(service_answers(regression.model_dir, as_records(source)), None)
    scored = output.select(["prediction", "warnings", "error"]).to_pylist()
    assert output.schema.field("prediction").type == pa.float64()
    assert [row["prediction"] for row in scored] == pytest.approx([row["prediction"] for row in wanted], abs=1e-12)
    assert [(row["warnings"], row["error"]) for row in scored] == [(row["warnings"], None) for row in wanted]


def test_the_output_columns_follow_the_trained_classes(penguins: ModelScorer) -> None:
    assert penguins.prediction_schema == pa.schema(
        [
            ("prediction", pa.string()),
            ("probability_Adelie", pa.float64()),
            ("probability_Chinstrap", pa.float64()),
            ("probability_Gentoo", pa.float64()),
            ("warnings", pa.string()),
            ("error", pa.string()),
        ]
    )
    assert dict(penguins.csv_column_types) == dict.fromkeys(PENGUIN_FEATURES[:4], pa.string())


GOOD = "39.1,18.7,181,3750,Torgersen,male"
BAD_ROWS = {
    1: ("abc,18.7,181,3750,Torgersen,male", "bill_length_mm: 'abc' is not a number"),
    3: ("39.1,-inf,181,3750,Torgersen,male", "bill_depth_mm: -inf is not a finite number"),
    4: (
        "39.1,18.7,1e39,3750,Torgersen,male",
        "flipper_length_mm: 1e+39 is beyond the float32 range (magnitude at most 3.403e+38)",
    ),
    6: (f"39.1,18.7,181,3750,{'x' * 257},male", "island: a category of 257 characters; at most 256 are allowed"),
}


def bad_rows_csv(path: Path) -> Path:
    lines = ["id," + ",".join(PENGUIN_FEATURES)]
    lines += [f"{n},{BAD_ROWS[n][0] if n in BAD_ROWS else GOOD}" for n in range(8)]
    lines[3] = "2,NA,18.7,181,3750,Torgersen,male"  # a gap, as pandas (and training) reads it
    path.write_text("\n".join(lines) + "\n")
    return path


def test_bad_rows_are_kept_with_their_reason_and_counted_as_failed(tmp_path: Path, penguins: ModelScorer) -> None:
    source = bad_rows_csv(tmp_path / "in.csv")

    summary = score_dataset(
        ScoringJob(input=str(source), output=str(tmp_path / "out.parquet"), chunk_rows=3), penguins, storage=Storage()
    )

    output = read_output(tmp_path / "out.parquet")
    assert (summary.rows_read, summary.rows_failed) == (8, 4)
    assert output["id"].to_pylist() == list(range(8))
    assert output["error"].to_pylist() == [BAD_ROWS[n][1] if n in BAD_ROWS else None for n in range(8)]
    assert output["prediction"].to_pylist() == [None if n in BAD_ROWS else "Adelie" for n in range(8)]
    assert output["probability_Gentoo"].null_count == 4


def test_csv_gap_text_is_a_gap_as_training_reads_it(tmp_path: Path, model_dir: Path, penguins: ModelScorer) -> None:
    # pandas.read_csv, which training uses, reads NA (and its other na_values) as a gap in any column.
    import joblib
    import pandas as pd

    csv = tmp_path / "in.csv"
    csv.write_text(
        "bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,island,sex\n"
        "44.5,15.7,217.0,4875.0,Biscoe,NA\n"
        "37.8,17.3,180.0,3700.0,NULL,n/a\n"
        "46.2,14.4,214.0,4650.0,Biscoe,\n"
    )
    pipeline = joblib.load(model_dir / "model.joblib")
    frame = pd.read_csv(csv)
    for name in ("island", "sex"):
        frame[name] = frame[name].astype(object).where(frame[name].notna(), "")
    expected = pipeline.predict_proba(frame)

    score_dataset(ScoringJob(input=str(csv), output=str(tmp_path / "out.parquet")), penguins, storage=Storage())

    scored = read_output(tmp_path / "out.parquet")
    assert scored.column("warnings").to_pylist() == [None, None, None]
    assert scored.column("error").to_pylist() == [None, None, None]
    for column, label in enumerate(pipeline.classes_):
        assert scored.column(f"probability_{label}").to_pylist() == pytest.approx(expected[:, column], abs=1e-5)
    # The input columns themselves are copied as they were written.
    assert scored.column("sex").to_pylist() == ["NA", "n/a", ""]


def test_several_problems_of_one_row_are_all_named(penguins: ModelScorer) -> None:
    batch = pa.RecordBatch.from_pylist(
        [dict(zip(PENGUIN_FEATURES, ["x", " ", "181", "inf", "", "Unknown"], strict=True))],
        schema=pa.schema([(name, pa.string()) for name in PENGUIN_FEATURES]),
    )

    (row,) = penguins.score(batch).to_pylist()

    assert row["error"] == "bill_length_mm: 'x' is not a number; body_mass_g: inf is not a finite number"
    assert row["warnings"] == ("sex: 'Unknown' was not seen in training (known: female, male); the model ignores it")
    assert row["prediction"] is None


def test_a_bundle_that_fails_its_golden_replay_is_refused_in_one_line(
    model_copy: Path, edit_metadata: Callable[[Path, Callable[[dict[str, Any]], None]], None]
) -> None:
    def swap_label(document: dict[str, Any]) -> None:
        golden = document["golden_records"][0]
        golden["label"] = next(c for c in document["classes"] if c != golden["label"])

    edit_metadata(model_copy, swap_label)

    with pytest.raises(
        ScoringError, match=r"^\S+: golden record 0: the model predicts '\w+', training recorded"
    ) as caught:
        load_model_scorer(model_copy)
    assert "\n" not in str(caught.value)


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_a_missing_feature_column_fails_before_anything_is_written(tmp_path: Path, model_dir: Path) -> None:
    source = split_of(ROOT, list(PENGUIN_FEATURES)).drop_columns(["sex"])
    write_parquet(tmp_path / "in.parquet", source)

    code, out, err = run_cli("score", str(tmp_path / "in.parquet"), str(tmp_path / "o.csv"), "--model", str(model_dir))

    assert (code, out) == (2, "")
    assert err == f"error: {tmp_path}/in.parquet: the model needs column(s) 'sex', which the input lacks\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.parquet"]


def test_too_many_failed_rows_exit_1_and_publish_nothing(tmp_path: Path, model_dir: Path) -> None:
    source = bad_rows_csv(tmp_path / "in.csv")

    code, out, err = run_cli(
        "score", str(source), str(tmp_path / "o.parquet"), "--model", str(model_dir), "--max-error-rate", "0.25"
    )

    assert (code, out) == (1, "")
    assert err == "error: 4 of 8 rows failed (50.00%), more than --max-error-rate 0.25; nothing was written\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.csv"]


def test_golden_records_in_json_form_score_as_recorded(penguins: ModelScorer) -> None:
    metadata = penguins._predictor.metadata
    records = [golden.record for golden in metadata.golden_records]
    batch = pa.RecordBatch.from_pylist(records, schema=pa.schema(list(penguins.required_columns.items())))

    rows = penguins.score(batch).to_pylist()

    assert [row["prediction"] for row in rows] == [golden.label for golden in metadata.golden_records]
    assert [row["error"] for row in rows] == [None] * len(rows)
