"""An S3-protocol server on loopback for the attachment store tests (moto's, in a thread).

The server speaks the real S3 HTTP protocol, so the store under test goes through boto3 and
the network exactly as against MinIO or a provider; only the storage behind it is in memory.
Nothing here imports pytest.
"""

from __future__ import annotations

import contextlib
import secrets
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

ACCESS_KEY = "motcua-test"
SECRET_KEY = "motcua-test-secret"
REGION = "us-east-1"


@dataclass(frozen=True)
class S3Server:
    """Where the test S3 server listens and the bucket made for the test."""

    endpoint_url: str
    bucket: str

    def env(self, prefix: str = "") -> dict[str, str]:
        """``MOTCUA_SERVER_*`` settings that point a server process at this bucket."""
        return {
            "MOTCUA_SERVER_ATTACHMENT_STORE": "s3",
            "MOTCUA_SERVER_S3_ENDPOINT_URL": self.endpoint_url,
            "MOTCUA_SERVER_S3_BUCKET": self.bucket,
            "MOTCUA_SERVER_S3_REGION": REGION,
            "MOTCUA_SERVER_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "MOTCUA_SERVER_S3_SECRET_ACCESS_KEY": SECRET_KEY,
            "MOTCUA_SERVER_S3_PREFIX": prefix,
        }

    def keys(self) -> list[str]:
        """Every object key in the bucket."""
        client = _client(self.endpoint_url)
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        return sorted(o["Key"] for page in pages for o in page.get("Contents", []))

    def read(self, key: str) -> bytes:
        data: bytes = _client(self.endpoint_url).get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return data


def _client(endpoint_url: str) -> Any:
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


@contextlib.contextmanager
def s3_server() -> Iterator[S3Server]:
    """moto's S3 server on 127.0.0.1 (a free port) with one empty bucket; stopped at the end."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # moto's imports carry deprecation warnings of its own
        from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        bucket = f"motcua-{secrets.token_hex(4)}"
        _client(endpoint).create_bucket(Bucket=bucket)
        yield S3Server(endpoint, bucket)
    finally:
        server.stop()
