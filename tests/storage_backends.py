"""The private storage under test: the local folder, and S3-compatible object storage served by moto's
standalone server on 127.0.0.1.

A test that asks for `private_storage_backend` runs twice, once per backend. The S3 run talks HTTP to
a moto server process (one per test process, started on first use on a port from
STARFIRE_TEST_PORTS, default 8400-8499) through django-storages and boto3, exactly as production
talks to its bucket; each test gets a bucket of its own. Object storage has no filesystem path
(`path()` raises NotImplementedError), so a run on it also proves that the code never asks for one.

Loaded from tests/conftest.py through `pytest_plugins`.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from contextlib import closing

import pytest

ACCESS_KEY = "starfire-test"
SECRET_KEY = "starfire-test-secret"
REGION = "us-east-1"


def _ports():
    first, _, last = os.environ.get("STARFIRE_TEST_PORTS", "8400-8499").partition("-")
    return range(int(first), int(last or first) + 1)


def _free(port: int) -> bool:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/moto-api/", timeout=1):  # noqa: S310 — local http only
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory):
    """The endpoint URL of a moto S3 server of this test process."""
    log_path = tmp_path_factory.mktemp("moto") / "moto.log"
    for port in _ports():
        if not _free(port):
            continue
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline and not _answers(url):
            time.sleep(0.2)
        if proc.poll() is None and _answers(url):
            try:
                yield url
            finally:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            return
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        # another process took the port between the check and the start: try the next one
    pytest.fail(f"moto server did not start on any port of {_ports()}:\n{log_path.read_text()[-2000:]}")


def s3_storage_config(endpoint: str, bucket: str) -> dict:
    """STORAGES["private"] as settings.py builds it from the PRIVATE_STORAGE_* variables."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint,
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
            "region_name": REGION,
            "addressing_style": "path",
            "default_acl": "private",
            "querystring_auth": True,
            "signature_version": "s3v4",
            "file_overwrite": False,
        },
    }


def make_bucket(endpoint: str, bucket: str) -> None:
    import boto3

    boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    ).create_bucket(Bucket=bucket)


@pytest.fixture(params=["local", "s3"])
def private_storage_backend(request, settings, _private_media_and_plain_static):
    """ "local" or "s3": which backend STORAGES["private"] (and "default") is for this test."""
    if request.param == "s3":
        endpoint = request.getfixturevalue("moto_server")
        bucket = f"starfire-{uuid.uuid4().hex[:20]}"
        make_bucket(endpoint, bucket)
        config = s3_storage_config(endpoint, bucket)
        settings.STORAGES = {**settings.STORAGES, "private": config, "default": config}
        from core.storage import private_storage

        assert private_storage.bucket_name == bucket  # the file fields now write to the bucket
    return request.param
