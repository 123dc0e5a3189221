"""moto's S3 server on loopback: a real S3 protocol peer for DVC."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from testkit.processes import VENV_BIN, free_port, stop, wait_for_port


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    env: dict[str, str]

    def create_bucket(self, name: str) -> None:
        import boto3

        client = boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1", **_credentials())
        client.create_bucket(Bucket=name)


def _credentials() -> dict[str, str]:
    return {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}  # moto accepts any


@contextmanager
def s3_server() -> Iterator[S3Server]:
    """Run moto's S3 server on a free loopback port; it is stopped on exit, pass or fail."""
    port = free_port()
    process = subprocess.Popen(
        [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process)
        env = {
            **os.environ,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        yield S3Server(endpoint=f"http://127.0.0.1:{port}", env=env)
    finally:
        stop(process)
