"""Where data lives: a local path or an `s3://bucket/key` URI, as a pyarrow filesystem and a path."""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import pyarrow.fs as pafs

from app.scoring.errors import ScoringError

# S3's own naming rule for buckets (3-63 lowercase letters, digits, dots and hyphens).
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


@dataclass(frozen=True)
class Location:
    """A file or folder: `path` is absolute on the local disk, or "bucket/key" on S3."""

    uri: str
    filesystem: pafs.FileSystem
    path: str

    @property
    def is_local(self) -> bool:
        return isinstance(self.filesystem, pafs.LocalFileSystem)

    @property
    def name(self) -> str:
        return posixpath.basename(self.path.rstrip("/"))

    def child(self, name: str) -> Location:
        return Location(
            uri=f"{self.uri.rstrip('/')}/{name}",
            filesystem=self.filesystem,
            path=f"{self.path.rstrip('/')}/{name}",
        )

    def contains(self, other: Location) -> bool:
        """True when `other` is this location or lies under it (same filesystem kind)."""
        if self.is_local != other.is_local:
            return False
        base = self.path.rstrip("/")
        return other.path == base or other.path.startswith(base + "/")

    def info(self) -> pafs.FileInfo:
        """What is there (a file, a folder or nothing); raises ScoringError when it cannot be asked."""
        try:
            return self.filesystem.get_file_info(self.path)
        except OSError as exc:
            raise ScoringError(f"{self.uri}: cannot be read ({first_line(exc)})") from exc


class Storage:
    """Turns URIs into Locations: the local disk, or S3 (at `s3_endpoint` when one is given).

    One S3 filesystem per bucket and process: creating one costs a region look-up.
    """

    def __init__(self, *, s3_endpoint: str | None = None) -> None:
        self._s3_endpoint = s3_endpoint
        self._s3: dict[str, pafs.FileSystem] = {}

    def locate(self, uri: str) -> Location:
        """Raises ScoringError for an empty URI, another scheme, or a malformed S3 URI."""
        if not uri.strip():
            raise ScoringError("an empty path is not a file or folder")
        if "://" not in uri:
            return Location(uri=uri, filesystem=pafs.LocalFileSystem(), path=os.path.abspath(os.path.expanduser(uri)))
        parts = urlsplit(uri)
        if parts.scheme == "file" and parts.netloc in ("", "localhost") and parts.path:
            return Location(uri=uri, filesystem=pafs.LocalFileSystem(), path=os.path.abspath(unquote(parts.path)))
        if parts.scheme != "s3":
            raise ScoringError(f"{uri}: unsupported URI; use a local path or s3://bucket/key")
        if not _BUCKET.match(parts.netloc) or parts.query or parts.fragment:
            raise ScoringError(f"{uri}: not an S3 URI of the form s3://bucket/key")
        key = parts.path.lstrip("/")
        return Location(uri=uri, filesystem=self._s3_filesystem(parts.netloc), path=f"{parts.netloc}/{key}".rstrip("/"))

    def _s3_filesystem(self, bucket: str) -> pafs.FileSystem:
        if self._s3_endpoint is not None:
            bucket = ""  # one endpoint serves every bucket
        if bucket not in self._s3:
            self._s3[bucket] = self._new_s3_filesystem(bucket)
        return self._s3[bucket]

    def _new_s3_filesystem(self, bucket: str) -> pafs.FileSystem:
        if self._s3_endpoint is not None:
            endpoint = urlsplit(self._s3_endpoint)
            return pafs.S3FileSystem(endpoint_override=endpoint.netloc, scheme=endpoint.scheme)
        try:
            # from_uri finds the bucket's region, so a bucket elsewhere than AWS_REGION works.
            filesystem, _ = pafs.FileSystem.from_uri(f"s3://{bucket}")
        except (OSError, ValueError) as exc:
            raise ScoringError(f"s3://{bucket}: cannot reach the bucket ({first_line(exc)})") from exc
        return filesystem


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (pyarrow's run over several)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
