"""Go target: generated/go/, one Go module (runtime, streamer and testkit packages, and their tests).

Go source is emitted gofmt-canonical straight from the templates (tabs, aligned blocks computed
here), so generating never needs the Go toolchain; `scripts/test-go` proves it with `gofmt -l`.
IDL-independent Go lives as real files under templates/go/static/ and is copied with the marker.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import jinja2

from apptheory_codegen import ir, naming, validate
from apptheory_codegen.errors import GenerateError
from apptheory_codegen.targets import go_store
from apptheory_codegen.targets.base import Target, render_template, static_files

# The module path the static sources import their sibling packages by; swapped for the IDL's.
STATIC_MODULE = "github.com/theory-cloud/apptheory/generated/go"
# From a package directory (generated/go/<pkg>/) back to the project root.
PACKAGE_TO_ROOT = "../../../"

# (template, output path relative to generated/)
OUTPUTS = (
    ("go/go.mod.j2", "go/go.mod"),
    ("go/constants.go.j2", "go/apptheory/constants.go"),
    ("go/errors.go.j2", "go/apptheory/errors.go"),
    ("go/fields.go.j2", "go/apptheory/fields.go"),
    ("go/derived_values_test.go.j2", "go/apptheory/derived_values_test.go"),
    ("go/streamer_constants.go.j2", "go/streamer/constants.go"),
    ("go/streamer_errors.go.j2", "go/streamer/errors.go"),
    ("go/streamer_client.go.j2", "go/streamer/client.go"),
    ("go/fake.go.j2", "go/testkit/fake.go"),
    ("go/placeholders.go.j2", "go/testkit/placeholders.go"),
    ("go/contract_fixtures_test.go.j2", "go/testkit/contract_fixtures_test.go"),
)

# Methods the static WebSocketContext defines; a context field's accessor may not take one.
WEBSOCKET_CONTEXT_METHODS = frozenset(
    {
        "App",
        "AsWebSocket",
        "Broadcast",
        "Context",
        "Disconnect",
        "GetConnection",
        "JSON",
        "LambdaContext",
        "ManagementEndpoint",
        "Region",
        "SendJSONMessage",
        "SendJSONMessageTo",
        "SendMessage",
        "SendMessageTo",
        "Text",
        "WebSocketFields",
    }
)
# Exported names the static sources of package apptheory define; generated constants may not take them.
APPTHEORY_STATIC_NAMES = frozenset(
    {
        "App",
        "AppError",
        "BroadcastOption",
        "BroadcastResult",
        "ClientFactory",
        "ConfigurationError",
        "Context",
        "ContentTypeBinary",
        "ContentTypeJSON",
        "ContentTypeText",
        "DefaultBroadcastConcurrency",
        "DeriveInput",
        "DeriveManagementEndpoint",
        "DeriveRegion",
        "EncodeJSON",
        "ErrNotWebSocket",
        "ErrorMessage",
        "EventError",
        "ExecuteAPIRegion",
        "Handler",
        "IsWebSocketEvent",
        "ManagementEndpointEnv",
        "MaxConcurrency",
        "MaxJSONNesting",
        "Middleware",
        "New",
        "NewAppError",
        "NewAppErrorWithStatus",
        "Option",
        "ProxyResponse",
        "Response",
        "ResponseFrom",
        "RouteEventType",
        "StatusOf",
        "UnknownEventError",
        "WebSocketContext",
        "WebSocketFields",
        "WithDefaultHandler",
        "WithLogWriter",
        "WithManagementEndpoint",
        "WithWebSocketClientFactory",
        "WithWebSocketSupport",
    }
)
# Exported names the static sources of package streamer define; IDL classes may not take them.
STREAMER_STATIC_NAMES = frozenset(
    {
        "CheckConnectionID",
        "CheckPayloadSize",
        "Client",
        "DeriveInput",
        "DeriveManagementEndpoint",
        "DeriveRegion",
        "ExecuteAPIRegion",
        "GoneIsSuccess",
        "IsGone",
        "ManagementCallDeadline",
        "ManagementConnectTimeout",
        "ManagementEndpointEnv",
        "ManagementMaxAttempts",
        "ManagementReadTimeout",
        "ManagementRetryMode",
        "NewClient",
        "NewManagementError",
        "Option",
        "SDKClient",
        "WithAWSConfig",
        "WithHTTPClient",
        "WithRegion",
        "WithRetryOptions",
        "WithSDKOptions",
        "WithTimeouts",
    }
)

GO_FIELD_TYPES = {
    "string": "string",
    "int": "int",
    "bool": "bool",
    "bytes": "[]byte",
    "timestamp": "time.Time",
    "string_map": "map[string]string",
    "multi_map": "map[string][]string",
    "json": "any",
}
GO_SHAPE_TYPES = {"string": "string", "int": "int", "bool": "bool", "timestamp": "time.Time"}
GO_SHAPE_READERS = {"string": "aws.ToString", "int": "wireInt", "bool": "aws.ToBool", "timestamp": "wireTime"}
GO_INPUT_TYPES = {"string": "string", "bytes": "[]byte"}
# What the fake keeps per connection, by ConnectionInfo field (IDL name); other fields stay zero.
FAKE_CONNECTION_FIELDS = {
    "connected_at": "conn.connectedAt",
    "last_active_at": "conn.lastActiveAt",
    "source_ip": "conn.sourceIP",
    "user_agent": "conn.userAgent",
}


@dataclass(frozen=True, slots=True)
class Const:
    """One documented `Name = value` spec of a const or var block."""

    name: str
    value: str
    value_doc: str
    doc: str


@dataclass(frozen=True, slots=True)
class Field:
    """One context field: struct member (padded as gofmt aligns it), accessor and parse expression."""

    idl_literal: str
    accessor: str
    member: str
    member_padded: str
    go_type: str
    doc: str
    parse: str


@dataclass(frozen=True, slots=True)
class EventSlot:
    """Where the event parser puts the value of one key that loadEvent reads (a field or a container)."""

    const: str
    index: int
    key_literal: str
    path_parts: tuple[str, ...]
    """Go string literals of the path's keys."""
    child: int
    """The index of the container this slot's object is, or -1."""


@dataclass(frozen=True, slots=True)
class EventContainer:
    """The event (index 0) or a mapping on the way to a field, with the slots of the keys read in it."""

    index: int
    slot: str
    """The slot of its own value ("" for the event itself)."""
    path_literal: str
    first: int
    end: int
    slots: tuple[EventSlot, ...]


@dataclass(frozen=True, slots=True)
class VectorCase:
    test_name: str
    doc_literal: str
    func: str
    args: tuple[tuple[str, str], ...]
    env: tuple[tuple[str, str], ...]
    expect_literal: str


@dataclass(frozen=True, slots=True)
class MgmtError:
    class_name: str
    class_literal: str
    sentinel: str
    sentinel_text: str
    aws_code: str
    aws_code_literal: str
    status: int
    retryable: bool
    doc: str


@dataclass(frozen=True, slots=True)
class ShapeField:
    name: str
    wire_doc: str
    idl_literal: str
    go_type: str
    json_tag: str
    doc: str
    guard: str
    value: str


@dataclass(frozen=True, slots=True)
class Shape:
    class_name: str
    doc: str
    fields: tuple[ShapeField, ...]


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    const: str
    idl_literal: str
    doc: str
    http: str
    params: str
    connection_param: str
    size_checks: tuple[tuple[str, str], ...]
    sdk_inputs: tuple[tuple[str, str], ...]
    output: Shape | None
    returns: str
    fake_returns: str
    zero_prefix: str
    fake_zero_prefix: str
    errors: str
    is_post: bool
    is_get: bool
    is_delete: bool
    post_limit: str
    fake_note: str
    gone_is_success: bool


@dataclass(frozen=True, slots=True)
class GoApi:
    """What the Go templates see: names, types and literals already resolved."""

    marker: str
    module: str
    context_doc: str
    streamer_doc: str
    event_types: tuple[Const, ...]
    routes: tuple[Const, ...]
    route_event_types: tuple[tuple[str, str], ...]
    limits: tuple[Const, ...]
    retry_mode_literal: str
    max_attempts: int
    app_codes: tuple[Const, ...]
    app_status: tuple[tuple[str, int], ...]
    app_codes_sorted: tuple[str, ...]
    messages: tuple[Const, ...]
    event_containers: tuple[EventContainer, ...]
    event_slot_count: int
    fields: tuple[Field, ...]
    field_imports_time: bool
    vectors: tuple[VectorCase, ...]
    mgmt_base: str
    mgmt_base_sentinel: str
    mgmt_server: str
    mgmt_server_sentinel: str
    mgmt_errors: tuple[MgmtError, ...]
    status_classes: tuple[tuple[int, str], ...]
    gone: MgmtError
    too_large: MgmtError
    gone_is_success_consts: tuple[str, ...]
    invalid_connection: str
    invalid_connection_sentinel: str
    invalid_connection_sentinel_text: str
    transport_errors: tuple[tuple[str, str, str], ...]
    """(class, sentinel, sentinel text) of the network, deadline-exceeded and malformed-response errors."""
    network: str
    deadline_exceeded: str
    malformed_response: str
    connect_timeout_ms: int
    read_timeout_ms: int
    call_deadline_ms: int
    body_members: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    """(SDK operation name, ((JSON path literal, IDL type literal), ...)) of operations with output."""
    shapes: tuple[Shape, ...]
    client_imports_time: bool
    operations: tuple[Operation, ...]
    fake_info_assignments: tuple[tuple[str, str], ...]
    ws_getters: tuple[tuple[str, str], ...]
    connection_info: str
    connection_getters: tuple[tuple[str, str], ...]
    fixtures: tuple[tuple[str, str], ...]
    fixtures_dir_literal: str


def _go_string(value: str) -> str:
    """A Go interpreted string literal (escaped JSON is one)."""
    return validate.literal(value)


def _doc(text: str) -> str:
    """An IDL doc for a `//` line (docs are one printable line; gofmt strips trailing blanks)."""
    return text.rstrip()


def _class_stem(class_name: str) -> str:
    """GoneError -> Gone (a class named just Error keeps its name)."""
    stem = class_name.removesuffix("Error")
    return stem or class_name


def _sentinel(class_name: str) -> str:
    """The errors.Is sentinel of a typed error: GoneError -> ErrGone."""
    return f"Err{_class_stem(class_name)}"


def _words(class_name: str) -> str:
    """PayloadTooLargeError -> "payload too large": the text of a sentinel error."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", _class_stem(class_name)).lower()


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _slot_const(parts: tuple[str, ...]) -> str:
    return "slot" + "".join(p[:1].upper() + p[1:] for p in parts)


def _parse_expr(f: ir.ContextField) -> str:
    """The call that reads one field from its slot (containers are checked first)."""
    value = f"ev.get({_slot_const(f.path)})"
    where = _go_string(f.path_text)
    if f.kind == "string":
        return f"parseString({value}, {where}, {_bool(f.required)}, {_bool(f.trim)})"
    if f.kind in ("string_map", "multi_map"):
        func = "parseStringMap" if f.kind == "string_map" else "parseMultiMap"
        return f"{func}({value}, {where}, {_bool(f.lowercase_keys)})"
    if f.kind == "bytes" and f.base64_flag_path:
        flag = f.base64_flag_path
        flag_value = f"ev.get({_slot_const(flag)})"
        return f"parsePayloadFlagged({value}, {where}, {flag_value}, {_go_string('.'.join(flag))})"
    func = {
        "int": "parseInt",
        "bool": "parseBool",
        "timestamp": "parseTimestamp",
        "bytes": "parsePayload",
        "json": "parseJSONValue",
    }[f.kind]
    return f"{func}({value}, {where})"


def _event_containers(api: ir.Api) -> tuple[EventContainer, ...]:
    """The event and every mapping on the way to a field (parents first), each with the keys loadEvent
    reads in it: child containers first, then fields and base64 flags in IDL order. A container's
    slots are contiguous."""
    paths: list[tuple[str, ...]] = [(), *api.event_containers]
    index = {p: i for i, p in enumerate(paths)}
    keys: list[list[tuple[str, ...]]] = [[] for _ in paths]
    for p in [*api.event_containers, *(f.path for f in api.fields), *(f.base64_flag_path for f in api.fields)]:
        if p and p[:-1] in index and p not in keys[index[p[:-1]]]:
            keys[index[p[:-1]]].append(p)
    for f in api.fields:
        for p in (f.path, f.base64_flag_path):
            if p and p[:-1] not in index:
                raise GenerateError(f"Go target: {'.'.join(p)} is not inside an event container")
    _check_unique(
        [(_slot_const(p), ".".join(p)) for ks in keys for p in ks], "apptheory (event slots)"
    )
    out = []
    n = 0
    for i, p in enumerate(paths):
        slots = tuple(
            EventSlot(
                const=_slot_const(k),
                index=n + j,
                key_literal=_go_string(k[-1]),
                path_parts=tuple(_go_string(part) for part in k),
                child=index.get(k, -1),
            )
            for j, k in enumerate(keys[i])
        )
        out.append(
            EventContainer(
                index=i,
                slot=_slot_const(p) if p else "",
                path_literal=_go_string(".".join(p)),
                first=n,
                end=n + len(slots),
                slots=slots,
            )
        )
        n += len(slots)
    return tuple(out)


def _check_unique(names: list[tuple[str, str]], where: str) -> None:
    """Generated Go identifiers of one package must differ (distinct IDL names can still collide)."""
    seen: dict[str, str] = {}
    for name, origin in names:
        if name in seen and seen[name] != origin:
            raise GenerateError(f"Go target: {origin} and {seen[name]} both become {name!r} in package {where}")
        seen.setdefault(name, origin)


def _shape(s: ir.Shape) -> Shape:
    fields = []
    for f in s.fields:
        guard = " && ".join(f"out.{'.'.join(f.wire[:depth])} != nil" for depth in range(1, len(f.wire)))
        fields.append(
            ShapeField(
                name=f.name.go,
                wire_doc=f"the SDK output's {'.'.join(f.wire)}",
                idl_literal=_go_string(f.name.idl),
                go_type=GO_SHAPE_TYPES[f.kind],
                json_tag=f'`json:"{f.name.idl}"`',
                doc=_doc(f.doc.text),
                guard=guard,
                value=f"{GO_SHAPE_READERS[f.kind]}(out.{'.'.join(f.wire)})",
            )
        )
    return Shape(class_name=s.class_name, doc=_doc(s.doc.text), fields=tuple(fields))


def _operation(op: ir.Operation, invalid_connection: str, gone_class: str) -> Operation:
    output = _shape(op.output) if op.output else None
    size_checks = tuple((p.name.go_local, naming.go_exported(p.max_bytes_const.lower())) for p in op.size_checked)
    is_post = op.name.idl == "post_to_connection"
    if is_post and not size_checks:
        raise GenerateError("Go target: post_to_connection's body input needs max_bytes (the fake checks it)")
    notes = {
        "post_to_connection": "; Gone for an unknown, gone or still-connecting connection",
        "get_connection": "; Gone for an unknown or gone connection",
        "delete_connection": "; the connection is gone afterwards",
    }
    if op.gone_is_success and output is not None:
        raise GenerateError(f"Go target: gone_is_success on {op.name.idl} needs an operation without output")
    return Operation(
        method=op.name.go,
        const=f"Op{op.name.go}",
        idl_literal=_go_string(op.name.idl),
        doc=_doc(op.doc.text),
        http=f"{op.method} {op.path}",
        params=", ".join(f"{p.name.go_local} {GO_INPUT_TYPES[p.kind]}" for p in op.inputs),
        connection_param=op.connection_input.go_local,
        size_checks=size_checks,
        sdk_inputs=tuple(
            (p.wire, f"aws.String({p.name.go_local})" if p.kind == "string" else p.name.go_local) for p in op.inputs
        ),
        output=output,
        returns=f"({output.class_name}, error)" if output else "error",
        fake_returns=f"(streamer.{output.class_name}, error)" if output else "error",
        zero_prefix=f"{output.class_name}{{}}, " if output else "",
        fake_zero_prefix=f"streamer.{output.class_name}{{}}, " if output else "",
        errors=", ".join(
            [invalid_connection]
            + [e.class_name for e in op.errors if not (op.gone_is_success and e.class_name == gone_class)]
        ),
        is_post=is_post,
        is_get=op.name.idl == "get_connection",
        is_delete=op.name.idl == "delete_connection",
        post_limit=size_checks[0][1] if is_post else "",
        fake_note=notes.get(op.name.idl, "") + ("; a Gone answer is success" if op.gone_is_success else ""),
        gone_is_success=op.gone_is_success,
    )


def build(api: ir.Api) -> GoApi:
    """The Go view of the IR; raises GenerateError for IDL names that would clash in Go."""
    if not api.go_module:
        raise GenerateError("Go target: targets.go.module (the Go module path) is required")
    event_types = tuple(
        Const(f"EventType{naming.go_exported(e.name.lower())}", e.literal, e.literal, _doc(e.doc.text))
        for e in api.event_types
    )
    event_const = {e.name: c.name for e, c in zip(api.event_types, event_types, strict=True)}
    routes = tuple(Const(f"Route{r.name.go}", r.key_literal, r.key_literal, _doc(r.doc.text)) for r in api.routes)
    limits = tuple(Const(lim.name.go, str(lim.value), str(lim.value), _doc(lim.doc.text)) for lim in api.limits)
    app_codes = tuple(
        Const(f"Code{a.name.go}", a.code_literal, f"{a.code_literal} (HTTP {a.status})", _doc(a.doc.text))
        for a in api.app_codes
    )
    code_const = {a.name.const: c.name for a, c in zip(api.app_codes, app_codes, strict=True)}
    messages = tuple(
        Const(
            f"Message{m.name.go}",
            f"ErrorMessage{{Code: {code_const[m.code_const]}, Text: {m.text_literal}}}",
            f"{m.text_literal} ({code_const[m.code_const]})",
            _doc(m.doc.text),
        )
        for m in api.messages
    )
    width = max(len(f.name.go_local) for f in api.fields)
    event_containers = _event_containers(api)
    fields = tuple(
        Field(
            idl_literal=_go_string(f.name.idl),
            accessor=f.name.go,
            member=f.name.go_local,
            member_padded=f.name.go_local.ljust(width + 1),
            go_type=GO_FIELD_TYPES[f.kind],
            doc=_doc(f"{f.path_text} ({', '.join(json.loads(f.events_literal))}): {f.doc.text}"),
            parse=_parse_expr(f),
        )
        for f in api.fields
    )
    for f in fields:
        if f.accessor in WEBSOCKET_CONTEXT_METHODS:
            raise GenerateError(
                f"Go target: context field accessor {f.accessor!r} clashes with a WebSocketContext method "
                f"({', '.join(sorted(WEBSOCKET_CONTEXT_METHODS))}); rename the field"
            )
    _check_unique(
        [(c.name, f"event type {c.value}") for c in event_types]
        + [(c.name, f"route {c.value}") for c in routes]
        + [(c.name, f"limit {c.name}") for c in limits]
        + [(c.name, f"error code {c.value}") for c in app_codes]
        + [(c.name, f"message {c.name}") for c in messages]
        + [(n, f"runtime name {n}") for n in APPTHEORY_STATIC_NAMES],
        "apptheory",
    )

    vectors = []
    for d in api.derived:
        for index, v in enumerate(d.vectors, start=1):
            env: dict[str, str] = json.loads(v.env_literal)
            vectors.append(
                VectorCase(
                    test_name=f"Test{d.name.go}Vector{index}",
                    doc_literal=v.doc_literal,
                    func=f"Derive{d.name.go}",
                    args=tuple((naming.go_exported(k.rstrip("_")), val) for k, val in v.kwargs_py),
                    env=tuple((_go_string(k), _go_string(val)) for k, val in sorted(env.items())),
                    expect_literal=v.expect_literal,
                )
            )

    mgmt_errors = tuple(
        MgmtError(
            class_name=e.class_name,
            class_literal=_go_string(e.class_name),
            sentinel=_sentinel(e.class_name),
            sentinel_text=_go_string(f"management API error: {_words(e.class_name)}"),
            aws_code=e.aws_code,
            aws_code_literal=e.aws_code_literal,
            status=e.status,
            retryable=e.retryable,
            doc=_doc(e.doc.text),
        )
        for e in api.management_errors
    )
    by_class = {e.class_name: e for e in mgmt_errors}
    by_status: dict[int, str] = {}
    for e in mgmt_errors:  # a later class wins a shared status, as in the Python mapping
        by_status.pop(e.status, None)
        by_status[e.status] = e.class_literal
    shapes = tuple(_shape(s) for s in api.streamer.shapes)
    operations = tuple(
        _operation(op, api.management_invalid_connection, api.gone.class_name) for op in api.streamer.operations
    )
    by_op = {op.name.idl: o for op, o in zip(api.streamer.operations, operations, strict=True)}
    info = by_op["get_connection"].output
    if info is None or info.class_name != "ConnectionInfo":
        raise GenerateError(
            "Go target: get_connection must return the shape class ConnectionInfo (the runtime names it)"
        )
    if api.management_base != "ManagementError":
        raise GenerateError("Go target: errors.management.base must be ManagementError (the runtime names it)")
    streamer_names = [(n, f"runtime name {n}") for n in STREAMER_STATIC_NAMES]
    streamer_names += [(e.class_name, f"error class {e.class_name}") for e in mgmt_errors]
    streamer_names += [(e.sentinel, f"sentinel of {e.class_name}") for e in mgmt_errors]
    streamer_names += [(s.class_name, f"shape {s.class_name}") for s in shapes]
    streamer_names += [(c.name, f"limit {c.name}") for c in limits]
    streamer_names += [(o.const, f"operation {o.idl_literal}") for o in operations]
    streamer_names += [
        (api.management_invalid_connection, f"error class {api.management_invalid_connection}"),
        (_sentinel(api.management_invalid_connection), f"sentinel of {api.management_invalid_connection}"),
        (api.management_server, f"error class {api.management_server}"),
        *[
            entry
            for cls in (api.management_network, api.management_deadline_exceeded, api.management_malformed_response)
            for entry in ((cls, f"error class {cls}"), (_sentinel(cls), f"sentinel of {cls}"))
        ],
        (_sentinel(api.management_base), f"sentinel of {api.management_base}"),
        (_sentinel(api.management_server), f"sentinel of {api.management_server}"),
    ]
    _check_unique(streamer_names, "streamer")

    return GoApi(
        marker=_marker(api),
        module=api.go_module,
        context_doc=_doc(api.context_doc.text.rstrip(".")),
        streamer_doc=_doc(api.streamer.doc.text.rstrip(".")),
        event_types=event_types,
        routes=routes,
        route_event_types=tuple((f"Route{r.name.go}", event_const[r.event_type]) for r in api.routes),
        limits=limits,
        retry_mode_literal=_go_string(api.streamer.retry_mode),
        max_attempts=api.streamer.max_attempts,
        app_codes=app_codes,
        app_status=tuple((c.name, a.status) for a, c in zip(api.app_codes, app_codes, strict=True)),
        app_codes_sorted=tuple(
            c.name for a, c in sorted(zip(api.app_codes, app_codes, strict=True), key=lambda pair: pair[0].code)
        ),
        messages=messages,
        event_containers=event_containers,
        event_slot_count=sum(len(c.slots) for c in event_containers),
        fields=fields,
        field_imports_time=any(f.kind == "timestamp" for f in api.fields),
        vectors=tuple(vectors),
        mgmt_base=api.management_base,
        mgmt_base_sentinel=_sentinel(api.management_base),
        mgmt_server=api.management_server,
        mgmt_server_sentinel=_sentinel(api.management_server),
        mgmt_errors=mgmt_errors,
        status_classes=tuple(sorted(by_status.items())),
        gone=by_class[api.gone.class_name],
        too_large=by_class[api.too_large.class_name],
        gone_is_success_consts=tuple(o.const for o in operations if o.gone_is_success),
        invalid_connection=api.management_invalid_connection,
        invalid_connection_sentinel=_sentinel(api.management_invalid_connection),
        invalid_connection_sentinel_text=_go_string(
            f"management API error: {_words(api.management_invalid_connection)}"
        ),
        transport_errors=tuple(
            (cls, _sentinel(cls), _go_string(f"management API error: {_words(cls)}"))
            for cls in (api.management_network, api.management_deadline_exceeded, api.management_malformed_response)
        ),
        network=api.management_network,
        deadline_exceeded=api.management_deadline_exceeded,
        malformed_response=api.management_malformed_response,
        connect_timeout_ms=api.streamer.connect_timeout_ms,
        read_timeout_ms=api.streamer.read_timeout_ms,
        call_deadline_ms=api.streamer.call_deadline_ms,
        body_members=tuple(
            (
                op.name.go,
                tuple(
                    ("[]string{" + ", ".join(_go_string(k) for k in f.json_path) + "}", _go_string(f.kind))
                    for f in op.output.fields
                ),
            )
            for op in api.streamer.operations
            if op.output is not None
        ),
        shapes=shapes,
        client_imports_time=any(f.go_type == "time.Time" for s in shapes for f in s.fields),
        operations=operations,
        fake_info_assignments=tuple(
            (f.name.go, FAKE_CONNECTION_FIELDS[f.name.idl])
            for op in api.streamer.operations
            if op.name.idl == "get_connection" and op.output is not None
            for f in op.output.fields
            if f.name.idl in FAKE_CONNECTION_FIELDS
        ),
        ws_getters=tuple((f.idl_literal, f.accessor) for f in fields),
        connection_info=info.class_name,
        connection_getters=tuple((f.idl_literal, f.name) for f in info.fields),
        fixtures=tuple((fx.id_literal, fx.file_literal) for fx in api.fixtures),
        fixtures_dir_literal=_go_string(PACKAGE_TO_ROOT + "contract-tests/fixtures"),
    )


def _marker(api: ir.Api) -> str:
    return f"// {api.marker_text}"


def _static(api: ir.Api) -> dict[str, str]:
    marker = _marker(api)

    def line(rel: str) -> str | None:
        # Go sources: the marker, then a blank line so it never joins a package doc comment.
        # go.sum has no comment syntax, so it is copied as it is.
        return f"{marker}\n" if rel.endswith(".go") else None

    old = f'"{STATIC_MODULE}/'
    new = f'"{api.go_module}/'
    return {
        f"go/{rel}": text.replace(old, new) if rel.endswith(".go") else text
        for rel, text in static_files("go", line).items()
    }


def files(env: jinja2.Environment, api: ir.Api) -> dict[str, str]:
    go = build(api)
    out = _static(api)
    for template, path in OUTPUTS:
        out[path] = render_template(env, template, go=go)
    out.update(go_store.files(env, api, _marker(api)))  # the connection store (targets/go_store.py)
    return out


TARGET = Target(name="go", files=files)
