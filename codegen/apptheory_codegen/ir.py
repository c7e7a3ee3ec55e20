"""The resolved IR: frozen dataclasses with every per-language name and literal computed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Name:
    """One IDL identifier resolved for every target (keywords already escaped)."""

    idl: str
    py: str
    go: str
    go_local: str
    ts: str
    const: str


@dataclass(frozen=True, slots=True)
class Doc:
    """One line of documentation, plain and escaped for a Python docstring."""

    text: str
    py: str


@dataclass(frozen=True, slots=True)
class EventType:
    name: str
    literal: str
    doc: Doc


@dataclass(frozen=True, slots=True)
class ContextField:
    name: Name
    kind: str
    path: tuple[str, ...]
    path_text: str
    path_literal: str
    required: bool
    trim: bool
    lowercase_keys: bool
    base64_flag_path: tuple[str, ...]
    events_literal: str
    py_type: str
    py_parse: str
    doc: Doc


@dataclass(frozen=True, slots=True)
class Vector:
    doc: Doc
    doc_literal: str
    kwargs_py: tuple[tuple[str, str], ...]
    env_literal: str
    expect_literal: str


@dataclass(frozen=True, slots=True)
class Derived:
    name: Name
    doc: Doc
    inputs: tuple[str, ...]
    vectors: tuple[Vector, ...]


@dataclass(frozen=True, slots=True)
class Route:
    name: Name
    key_literal: str
    key: str
    event_type: str
    doc: Doc


@dataclass(frozen=True, slots=True)
class Limit:
    name: Name
    value: int
    doc: Doc


@dataclass(frozen=True, slots=True)
class AppCode:
    name: Name
    code: str
    code_literal: str
    status: int
    doc: Doc


@dataclass(frozen=True, slots=True)
class Message:
    name: Name
    code_literal: str
    code_const: str
    text_literal: str
    doc: Doc


@dataclass(frozen=True, slots=True)
class ManagementErrorClass:
    class_name: str
    aws_code: str
    aws_code_literal: str
    status: int
    retryable: bool
    doc: Doc


@dataclass(frozen=True, slots=True)
class ShapeField:
    name: Name
    kind: str
    wire: tuple[str, ...]
    wire_literal: str
    py_type: str
    py_parse: str
    doc: Doc
    json_path: tuple[str, ...] = ()
    """Member names in the REST-JSON body (each wire segment with its first letter lower-cased)."""


@dataclass(frozen=True, slots=True)
class Shape:
    name: Name
    class_name: str
    fields: tuple[ShapeField, ...]
    doc: Doc


@dataclass(frozen=True, slots=True)
class Input:
    name: Name
    kind: str
    wire: str
    location: str
    py_type: str
    max_bytes_const: str
    doc: Doc


@dataclass(frozen=True, slots=True)
class Operation:
    name: Name
    method: str
    path: str
    path_literal: str
    inputs: tuple[Input, ...]
    params_py: str
    call_kwargs_py: str
    size_checked: tuple[Input, ...]
    connection_input: Name
    output: Shape | None
    py_return: str
    errors: tuple[ManagementErrorClass, ...]
    error_classes_literal: str
    gone_is_success: bool
    """A GoneError from this operation means its goal already holds: the call succeeds (Lift's delete)."""
    doc: Doc


@dataclass(frozen=True, slots=True)
class Streamer:
    doc: Doc
    retry_mode: str
    max_attempts: int
    connect_timeout_ms: int
    read_timeout_ms: int
    call_deadline_ms: int
    """Overall deadline of one call: every attempt, every backoff and the whole response body."""
    shapes: tuple[Shape, ...]
    operations: tuple[Operation, ...]


@dataclass(frozen=True, slots=True)
class RecordField:
    """A field of the connection record or of its principal."""

    name: Name
    kind: str
    attribute_literal: str
    """DynamoDB attribute name as a literal ("" for principal fields, which live inside one JSON attribute)."""
    key: bool
    ttl: bool
    py_type: str
    py_default: str
    """The dataclass default expression ("" for the key, which every record must have)."""
    doc: Doc


@dataclass(frozen=True, slots=True)
class ConnectionIndex:
    name: Name
    index_name_literal: str
    field: RecordField
    sort_field: RecordField
    doc: Doc


@dataclass(frozen=True, slots=True)
class Connections:
    """The connection record and its DynamoDB layout."""

    class_name: str
    doc: Doc
    lifetime_const: str
    lifetime_seconds: int
    fields: tuple[RecordField, ...]
    key: RecordField
    created: RecordField
    """When the record was saved (filled in by save when absent)."""
    ttl: RecordField
    principal_class: str
    principal_doc: Doc
    principal_fields: tuple[RecordField, ...]
    partition_key_literal: str
    sort_key_literal: str
    item_prefix_literal: str
    item_sort_literal: str
    indexes: tuple[ConnectionIndex, ...]
    counter_partition_literal: str
    counter_sort_literal: str
    counter_attribute_literal: str


@dataclass(frozen=True, slots=True)
class StoreError:
    class_name: str
    aws_codes_literal: str
    retryable: bool
    doc: Doc


@dataclass(frozen=True, slots=True)
class StoreInput:
    name: Name
    kind: str
    py_type: str
    doc: Doc


@dataclass(frozen=True, slots=True)
class StoreOperation:
    name: Name
    doc: Doc
    inputs: tuple[StoreInput, ...]
    params_py: str
    """Parameters after self, e.g. "connection_id: str"."""
    args_py: str
    """The same parameters as call arguments, e.g. "connection_id"."""
    output: str
    py_return: str
    index: ConnectionIndex | None
    errors: tuple[StoreError, ...]
    error_classes_literal: str


@dataclass(frozen=True, slots=True)
class Store:
    doc: Doc
    table_env_literal: str
    error_base: str
    error_network: str
    """Class raised when the store cannot be reached (one of errors)."""
    errors: tuple[StoreError, ...]
    operations: tuple[StoreOperation, ...]


@dataclass(frozen=True, slots=True)
class Fixture:
    file: str
    file_literal: str
    id: str
    id_literal: str


@dataclass(frozen=True, slots=True)
class Api:
    """Everything a template may see."""

    source: str
    targets: tuple[str, ...]
    marker_text: str
    py_package: str
    event_types: tuple[EventType, ...]
    context_doc: Doc
    fields: tuple[ContextField, ...]
    event_containers: tuple[tuple[str, ...], ...]  # every mapping on the way to a field, parents first
    derived: tuple[Derived, ...]
    routes: tuple[Route, ...]
    limits: tuple[Limit, ...]
    app_codes: tuple[AppCode, ...]
    messages: tuple[Message, ...]
    management_base: str
    management_server: str
    management_invalid_connection: str
    """Class raised locally, before any network call, for an empty or whitespace-only connection id."""
    management_network: str
    """Class for a call that got no HTTP answer (refused, reset, DNS); retryable, status 0."""
    management_deadline_exceeded: str
    """Class for a timeout or the call deadline; a kind of management_network."""
    management_malformed_response: str
    """Class for a success response whose body is malformed; status is the HTTP status, not retryable."""
    management_errors: tuple[ManagementErrorClass, ...]
    too_large: ManagementErrorClass
    gone: ManagementErrorClass
    py_error_exports: tuple[str, ...]
    py_streamer_exports: tuple[str, ...]
    py_fake_error_imports: str
    py_streamer_error_imports: str
    py_gone_is_success_literal: str
    """Python literal of the operations whose GoneError is success (the IDL's gone_is_success)."""
    py_all: tuple[str, ...]
    streamer: Streamer
    connections: Connections
    store: Store
    fixtures: tuple[Fixture, ...]
    fixtures_dir_literal: str
    ts_package: str = ""
    """npm package name of the TypeScript target ("" when the IDL has no ts target)."""
    go_module: str = ""
    """Go module path of the Go target ("" when the IDL has no go target)."""
