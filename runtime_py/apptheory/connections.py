"""The connection store (Lift's ConnectionStore): record, protocol, in-memory, DynamoDB and fake stores.

Not imported by `import apptheory`; boto3 loads on a DynamoDB store's first call.
"""

from __future__ import annotations

from apptheory_generated.dynamodb import TABLE_ENV, DynamoDBConnectionStore, create_table
from apptheory_generated.store import (
    LIFETIME,
    Connection,
    ConnectionStore,
    ConnectionStoreError,
    FakeConnectionStore,
    InMemoryConnectionStore,
    Principal,
    StoreCall,
    StoreTableNotFoundError,
    StoreThrottledError,
    StoreUnavailableError,
)

__all__ = [
    "LIFETIME",
    "TABLE_ENV",
    "Connection",
    "ConnectionStore",
    "ConnectionStoreError",
    "DynamoDBConnectionStore",
    "FakeConnectionStore",
    "InMemoryConnectionStore",
    "Principal",
    "StoreCall",
    "StoreTableNotFoundError",
    "StoreThrottledError",
    "StoreUnavailableError",
    "create_table",
]
