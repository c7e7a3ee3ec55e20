"""Shared fixtures: a real DynamoDB-compatible server (moto's, in this process) for store tests."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# boto3 must never find real credentials or a profile in tests that talk to the local server.
_FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
}


@pytest.fixture(scope="session")
def dynamodb_endpoint() -> Iterator[str]:
    """URL of moto's DynamoDB-compatible server on 127.0.0.1 (a free port), stopped after the session."""
    from moto.server import ThreadedMotoServer  # imported only by tests that ask for the server

    saved = {key: os.environ.get(key) for key in _FAKE_AWS_ENV}
    os.environ.update(_FAKE_AWS_ENV)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
