from __future__ import annotations

from pathlib import Path

import pyarrow.fs as pafs
import pytest

from app.scoring.errors import ScoringError
from app.scoring.uris import Storage


def test_a_local_path_becomes_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    location = Storage().locate("data/in.csv")

    assert location.is_local
    assert location.path == str(tmp_path / "data" / "in.csv")
    assert location.uri == "data/in.csv"
    assert location.name == "in.csv"


def test_a_file_uri_is_a_local_path() -> None:
    assert Storage().locate("file:///srv/in%20put.csv").path == "/srv/in put.csv"


def test_an_s3_uri_is_bucket_and_key_on_the_endpoints_filesystem() -> None:
    location = Storage(s3_endpoint="http://127.0.0.1:9").locate("s3://my-bucket/scores/out.parquet")

    assert isinstance(location.filesystem, pafs.S3FileSystem)
    assert location.path == "my-bucket/scores/out.parquet"
    assert location.child("part-00001.parquet").uri == "s3://my-bucket/scores/out.parquet/part-00001.parquet"


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("", "an empty path is not a file or folder"),
        ("gs://bucket/key.csv", "gs://bucket/key.csv: unsupported URI; use a local path or s3://bucket/key"),
        ("http://host/in.csv", "http://host/in.csv: unsupported URI; use a local path or s3://bucket/key"),
        ("s3:///key.csv", "s3:///key.csv: not an S3 URI of the form s3://bucket/key"),
        ("s3://Bad_Bucket/key.csv", "s3://Bad_Bucket/key.csv: not an S3 URI of the form s3://bucket/key"),
        ("s3://bucket/key.csv?region=x", "s3://bucket/key.csv?region=x: not an S3 URI of the form s3://bucket/key"),
    ],
)
def test_a_bad_uri_is_refused_in_one_line(uri: str, message: str) -> None:
    with pytest.raises(ScoringError) as caught:
        Storage(s3_endpoint="http://127.0.0.1:9").locate(uri)

    assert str(caught.value) == message


def test_containment_is_by_path_components() -> None:
    storage = Storage()
    folder = storage.locate("/data/in")

    assert folder.contains(storage.locate("/data/in/out.parquet"))
    assert folder.contains(storage.locate("/data/in/"))
    assert not folder.contains(storage.locate("/data/input.parquet"))
