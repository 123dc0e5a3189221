"""moto's S3 server on loopback: a real S3 protocol peer for DVC."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from testkit.processes import VENV_BIN, OutputFollower, free_port, stop


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
def s3_server(*, server_env: Mapping[str, str] | None = None) -> Iterator[S3Server]:
    """Run moto's server (S3 and every other AWS service it fakes) on a free loopback port; it is
    stopped on exit, pass or fail. `server_env` adds variables to the server's own environment."""
    port = free_port()
    process = subprocess.Popen(
        [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        env={**os.environ, **(server_env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    if process.stdout is None:  # never: stdout=PIPE; this tells the type checker
        raise RuntimeError("moto_server's output is not piped")
    output = OutputFollower(process.stdout)
    try:
        # werkzeug says so once its socket listens.
        output.wait_for_text(f"Running on http://127.0.0.1:{port}", timeout=30)
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
        output.join(timeout=10)
