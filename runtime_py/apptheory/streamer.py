"""The management API client (`streamer`, as in Lift): `new_client(endpoint, region=None)`."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from apptheory import derive
from apptheory_generated.errors import (
    ForbiddenError,
    GoneError,
    ManagementError,
    PayloadTooLargeError,
    ServerError,
    ThrottledError,
)
from apptheory_generated.streamer import Boto3ManagementClient, ConnectionInfo, ManagementClient


def new_client(endpoint: str, region: str | None = None) -> Boto3ManagementClient:
    """A boto3-backed client for `endpoint` (https://{api}.execute-api.{region}.amazonaws.com/{stage} or a custom URL).

    The region defaults to the one in an execute-api host, then AWS_REGION / AWS_DEFAULT_REGION.
    """
    parts = urlsplit(endpoint)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ValueError(f"management endpoint must be an http(s) URL, got {endpoint!r}")
    resolved = region or derive.region(domain_name=parts.hostname or "", env=os.environ) or None
    return Boto3ManagementClient(endpoint.rstrip("/"), resolved)


__all__ = [
    "Boto3ManagementClient",
    "ConnectionInfo",
    "ForbiddenError",
    "GoneError",
    "ManagementClient",
    "ManagementError",
    "PayloadTooLargeError",
    "ServerError",
    "ThrottledError",
    "new_client",
]
