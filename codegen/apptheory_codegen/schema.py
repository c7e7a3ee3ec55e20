"""JSON Schema for the IDL's structure; semantic rules live in validate.py."""

from __future__ import annotations

from typing import Any

# Patterns end in \Z, not $: jsonschema matches with Python's re, where $ also matches before a
# trailing newline, so "x\n" would pass as a name and a block-scalar doc as one line.
SNAKE_NAME = r"^[a-z][a-z0-9]*(_[a-z0-9]+)*\Z"
CLASS_NAME = r"^[A-Z][A-Za-z0-9]*\Z"
UPPER_NAME = r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*\Z"
APP_CODE = r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\Z"
EVENT_PATH = r"^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*\Z"
WIRE_PATH = r"^[A-Z][A-Za-z0-9]*(\.[A-Z][A-Za-z0-9]*)*\Z"
ROUTE_KEY = r"^\$?[A-Za-z][A-Za-z0-9_.:-]{0,127}\Z"
HTTP_PATH = r"^(/[A-Za-z0-9@_.-]+|/\{[A-Za-z][A-Za-z0-9]*\})+\Z"
# DynamoDB names: index names as DynamoDB allows them; key values are short ASCII tokens (no quotes or spaces).
INDEX_NAME = r"^[A-Za-z0-9_.-]{3,64}\Z"
KEY_VALUE = r"^[A-Za-z0-9#:_.-]{1,64}\Z"
ENV_NAME = r"^[A-Z][A-Z0-9_]*\Z"
# The same pattern as SNAKE_NAME, so it shares SNAKE_NAME's help text below.
PACKAGE = SNAKE_NAME
# An npm package name, optionally scoped (lower case, as npm requires for new packages).
NPM_PACKAGE = r"^(@[a-z0-9][a-z0-9._-]*/)?[a-z0-9][a-z0-9._-]*\Z"
# A Go module path (domain-like first element, then path elements); safe in go.mod and import strings.
GO_MODULE = r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(/[A-Za-z0-9][A-Za-z0-9._~-]*)*\Z"
# One line of printable text: no control characters, no Unicode line/paragraph separators, no
# comment terminators, so a doc can be placed in any language's comment without escaping.
DOC = '^(?!.*\\*/)(?!.*""")[^\\x00-\\x1f\\x7f\\u2028\\u2029]{1,200}\\Z'
PRINTABLE = "^[^\\x00-\\x1f\\x7f\\u2028\\u2029]{0,2048}\\Z"
# Every IDL identifier (names, class names, codes, event types) fits this; paths and packages fit MAX_PATH.
MAX_NAME = 64
MAX_PATH = 256
# The largest integer every target holds exactly: a TypeScript number is a double (Go's int is int64).
MAX_SAFE_INTEGER = 2**53 - 1

PATTERN_HELP = {
    SNAKE_NAME: "a snake_case name (lower-case letters, digits, single underscores, starting with a letter)",
    CLASS_NAME: "a PascalCase class name (letters and digits, starting with an upper-case letter)",
    UPPER_NAME: "an UPPER_CASE name (upper-case letters, digits, single underscores)",
    APP_CODE: "an error code like 'app.not_found' (family.name, lower-case)",
    EVENT_PATH: "a dotted event path of identifiers like 'requestContext.connectionId'",
    WIRE_PATH: "a dotted wire path of PascalCase identifiers like 'Identity.SourceIp'",
    ROUTE_KEY: "a route key like '$default' or 'sendMessage' (letters, digits, _ . : -)",
    HTTP_PATH: "an HTTP path like '/@connections/{connectionId}'",
    DOC: "one line of printable text (1-200 characters; no control characters, line separators, '*/' or '\"\"\"')",
    PRINTABLE: "printable text without control characters",
    NPM_PACKAGE: "an npm package name like '@apptheory/websocket' (lower case, optional @scope/)",
    GO_MODULE: "a Go module path like 'github.com/org/repo/generated/go'",
    INDEX_NAME: "a DynamoDB index name like 'user-index' (3-64 letters, digits, _ . -)",
    KEY_VALUE: "a key value like 'CONN#' or 'META' (1-64 letters, digits, # : _ . -)",
    ENV_NAME: "an environment variable name like 'APPTHEORY_CONNECTIONS_TABLE'",
}

FIELD_TYPES = ["string", "int", "bool", "bytes", "timestamp", "string_map", "multi_map", "json"]
SHAPE_FIELD_TYPES = ["string", "int", "bool", "timestamp"]
INPUT_TYPES = ["string", "bytes"]
CONNECTION_FIELD_TYPES = ["string", "timestamp", "string_map", "principal"]
PRINCIPAL_FIELD_TYPES = ["string", "string_list", "json_map"]
STORE_INPUT_TYPES = ["string", "connection"]
STORE_OUTPUTS = ["none", "optional_connection", "connection_list", "count"]


def _name(pattern: str = SNAKE_NAME, max_length: int = MAX_NAME) -> dict[str, Any]:
    return {"type": "string", "pattern": pattern, "maxLength": max_length}


def _obj(required: list[str], props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": required, "additionalProperties": False, "properties": props}


def _list(item: dict[str, Any], min_items: int = 1) -> dict[str, Any]:
    return {"type": "array", "minItems": min_items, "items": item}


def _d(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with its description: one line each, rendered into docs/idl-reference.md by docs.py."""
    return {**schema, "description": description}


_DOC = {"type": "string", "pattern": DOC}
_EVENT_TYPE = _name(UPPER_NAME)
_APP_CODE = _name(APP_CODE)

_CONTEXT_FIELD = _obj(
    ["name", "type", "from", "events", "doc"],
    {
        "name": _d(
            "Field name; each target spells it in its own case (connection_id, ConnectionID, connectionId).", _name()
        ),
        "type": _d(
            "Value type of the accessor; json is any JSON value, multi_map a map of string lists.",
            {"type": "string", "enum": FIELD_TYPES},
        ),
        "from": _d(
            "Dotted path in the Lambda event the value is read from; it starts at an event key (requestContext, "
            "headers, body, ...).",
            _name(EVENT_PATH, MAX_PATH),
        ),
        "required": _d(
            "An absent or blank value makes the event malformed (400 app.bad_request); string fields only.",
            {"type": "boolean"},
        ),
        "trim": _d("Strip surrounding white space from the value; string fields only.", {"type": "boolean"}),
        "lowercase_keys": _d(
            "Lower-case map keys (A-Z only), as for header names; string_map and multi_map fields only.",
            {"type": "boolean"},
        ),
        "base64_flag": _d(
            "Event path of the boolean that says the value is base64 (isBase64Encoded); bytes fields only.",
            _name(EVENT_PATH, MAX_PATH),
        ),
        "events": _d("Event types that carry the field (names from event_types).", _list(_EVENT_TYPE)),
        "doc": _d("One-line doc, emitted on the accessor in every language.", _DOC),
    },
)

_VECTOR = _obj(
    ["doc", "input", "expect"],
    {
        "doc": _d("What this vector shows; the test's name in every language.", _DOC),
        "input": _d(
            "Inputs by name (one of the derivation's inputs): a string, or for env a map of environment variables.",
            {
                "type": "object",
                "additionalProperties": {
                    "oneOf": [
                        {"type": "string", "pattern": PRINTABLE},
                        {
                            "type": "object",
                            "additionalProperties": {"type": "string", "pattern": PRINTABLE},
                        },
                    ]
                },
            },
        ),
        "expect": _d(
            'The value every runtime must derive from input ("" for none).', {"type": "string", "pattern": PRINTABLE}
        ),
    },
)

_SHAPE_FIELD = _obj(
    ["name", "type", "wire", "doc"],
    {
        "name": _d("Field name in the generated class.", _name()),
        "type": _d(
            "Value type (timestamp: an RFC 3339 date-time on the wire).", {"type": "string", "enum": SHAPE_FIELD_TYPES}
        ),
        "wire": _d(
            "Dotted member path in the management API's JSON answer (Identity.SourceIp).", _name(WIRE_PATH, MAX_PATH)
        ),
        "doc": _d("One-line doc of the field.", _DOC),
    },
)

_INPUT = _obj(
    ["name", "type", "wire", "location", "doc"],
    {
        "name": _d("Parameter name in the generated client method.", _name()),
        "type": _d("Parameter type.", {"type": "string", "enum": INPUT_TYPES}),
        "wire": _d(
            "The SDK's member name; a path input's wire name, first letter lower-cased, is its path parameter.",
            _name(WIRE_PATH, MAX_PATH),
        ),
        "location": _d(
            "Where the value travels: a path parameter, or the request body (at most one body input).",
            {"type": "string", "enum": ["path", "body"]},
        ),
        "max_bytes": _d(
            "Name of the limit the value may not exceed, checked locally before any call; bytes inputs only.", _name()
        ),
        "doc": _d("One-line doc of the parameter.", _DOC),
    },
)

_CONNECTION_FIELD = _obj(
    ["name", "type", "attribute", "doc"],
    {
        "name": _d("Field name in the generated Connection class.", _name()),
        "type": _d(
            "string, timestamp (epoch milliseconds in the table), string_map, or principal (JSON text).",
            {"type": "string", "enum": CONNECTION_FIELD_TYPES},
        ),
        "attribute": _d("DynamoDB attribute holding the field.", _name()),
        "key": _d("The record's key (exactly one string field).", {"type": "boolean"}),
        "ttl": _d(
            "The table's TTL attribute, stored in epoch seconds (exactly one timestamp field).", {"type": "boolean"}
        ),
        "doc": _d("One-line doc of the field.", _DOC),
    },
)

_CONNECTIONS = _obj(
    ["class", "doc", "lifetime", "fields", "principal", "table"],
    {
        "class": _d("Class name of the connection record.", _name(CLASS_NAME)),
        "doc": _d("One-line doc of the record.", _DOC),
        "lifetime": _d("Name of the limit (seconds) that sets a record's default lifetime.", _name()),
        "fields": _d("Fields of the record, in order.", _list(_CONNECTION_FIELD)),
        "principal": _d(
            "The identity stored with a connection.",
            _obj(
                ["class", "doc", "fields"],
                {
                    "class": _d("Class name of the principal.", _name(CLASS_NAME)),
                    "doc": _d("One-line doc.", _DOC),
                    "fields": _d(
                        "Fields of the principal.",
                        _list(
                            _obj(
                                ["name", "type", "doc"],
                                {
                                    "name": _d("Field name.", _name()),
                                    "type": _d(
                                        "string, string_list or json_map.",
                                        {"type": "string", "enum": PRINCIPAL_FIELD_TYPES},
                                    ),
                                    "doc": _d("One-line doc.", _DOC),
                                },
                            )
                        ),
                    ),
                },
            ),
        ),
        "table": _d(
            "The DynamoDB layout of the connections table.",
            _obj(
                ["partition_key", "sort_key", "item_prefix", "item_sort", "indexes", "counter"],
                {
                    "partition_key": _d("Partition key attribute (string).", _name()),
                    "sort_key": _d("Sort key attribute (string).", _name()),
                    "item_prefix": _d(
                        "A connection item's partition key is this prefix plus its id.", _name(KEY_VALUE)
                    ),
                    "item_sort": _d("A connection item's sort key.", _name(KEY_VALUE)),
                    "indexes": _d(
                        "Global secondary indexes: partition by a string field, sorted by a timestamp field.",
                        _list(
                            _obj(
                                ["name", "index_name", "field", "sort_field", "doc"],
                                {
                                    "name": _d("IDL name of the index (store operations refer to it).", _name()),
                                    "index_name": _d("DynamoDB index name.", _name(INDEX_NAME)),
                                    "field": _d("Connection field (string) the index is partitioned by.", _name()),
                                    "sort_field": _d("Connection field (timestamp) the index sorts by.", _name()),
                                    "doc": _d("One-line doc.", _DOC),
                                },
                            )
                        ),
                    ),
                    "counter": _d(
                        "The active-connection counter item, updated in the same transaction as inserts and deletes.",
                        _obj(
                            ["partition", "sort", "attribute"],
                            {
                                "partition": _d("The counter item's partition key value.", _name(KEY_VALUE)),
                                "sort": _d("The counter item's sort key value.", _name(KEY_VALUE)),
                                "attribute": _d("Number attribute holding the count.", _name()),
                            },
                        ),
                    ),
                },
            ),
        ),
    },
)

_STORE_OPERATION = _obj(
    ["name", "doc", "input", "output", "errors"],
    {
        "name": _d(
            "One of save, get, delete, list_by_user, list_by_tenant, count_active (the runtime needs each).", _name()
        ),
        "doc": _d("One-line doc.", _DOC),
        "index": _d("The index a list operation queries (an index name from connections.table.indexes).", _name()),
        "input": _d(
            "Parameters, in order.",
            _list(
                _obj(
                    ["name", "type", "doc"],
                    {
                        "name": _d("Parameter name.", _name()),
                        "type": _d("string or connection.", {"type": "string", "enum": STORE_INPUT_TYPES}),
                        "doc": _d("One-line doc.", _DOC),
                    },
                ),
                min_items=0,
            ),
        ),
        "output": _d("What the operation returns.", {"type": "string", "enum": STORE_OUTPUTS}),
        "errors": _d("Store error classes the operation may raise.", _list(_name(CLASS_NAME), min_items=0)),
    },
)

_STORE = _obj(
    ["doc", "table_env", "errors", "operations"],
    {
        "doc": _d("One-line doc of the store interface.", _DOC),
        "table_env": _d("Environment variable naming the connections table.", _name(ENV_NAME)),
        "errors": _d(
            "Typed store errors.",
            _obj(
                ["base", "network", "errors"],
                {
                    "base": _d("Base class of every store error.", _name(CLASS_NAME)),
                    "network": _d("Class (one of errors) raised when the store cannot be reached.", _name(CLASS_NAME)),
                    "errors": _d(
                        "Error classes by the DynamoDB error codes they stand for.",
                        _list(
                            _obj(
                                ["class", "aws_codes", "retryable", "doc"],
                                {
                                    "class": _d("Class name.", _name(CLASS_NAME)),
                                    "aws_codes": _d("DynamoDB error codes mapped to it.", _list(_name(CLASS_NAME))),
                                    "retryable": _d("Whether retrying later may succeed.", {"type": "boolean"}),
                                    "doc": _d("One-line doc.", _DOC),
                                },
                            ),
                            min_items=0,
                        ),
                    ),
                },
            ),
        ),
        "operations": _d("The store operations.", _list(_STORE_OPERATION)),
    },
)


IDL_SCHEMA: dict[str, Any] = _obj(
    [
        "version",
        "targets",
        "event_types",
        "context",
        "derived",
        "routes",
        "limits",
        "errors",
        "streamer",
        "connections",
        "store",
    ],
    {
        "version": _d("Version of the IDL format.", {"type": "integer", "enum": [1]}),
        "targets": _d(
            "The languages to generate and their package names; python is always generated.",
            _obj(
                ["python"],
                {
                    "python": _d(
                        "Python target (generated/python).",
                        _obj(["package"], {"package": _d("Import name of the generated package.", _name(PACKAGE))}),
                    ),
                    "ts": _d(
                        "TypeScript target (generated/ts).",
                        _obj(["package"], {"package": _d("npm package name.", _name(NPM_PACKAGE, MAX_PATH))}),
                    ),
                    "go": _d(
                        "Go target (generated/go).",
                        _obj(["module"], {"module": _d("Go module path.", _name(GO_MODULE, MAX_PATH))}),
                    ),
                },
            ),
        ),
        "event_types": _d(
            "The values of requestContext.eventType; API Gateway sends CONNECT, DISCONNECT and MESSAGE.",
            _list(
                _obj(
                    ["name", "doc"], {"name": _d("Event type, unique.", _EVENT_TYPE), "doc": _d("One-line doc.", _DOC)}
                )
            ),
        ),
        "context": _d(
            "The typed WebSocket context: one accessor per field, parsed from the event in IDL order.",
            _obj(
                ["doc", "fields"],
                {
                    "doc": _d("Doc of the generated context class.", _DOC),
                    "fields": _d(
                        "Context fields; names unique and not taken by a runtime member; the runtime needs "
                        "connection_id, route_key, event_type, request_id, domain_name, stage, api_id, path, body and "
                        "is_base64.",
                        _list(_CONTEXT_FIELD),
                    ),
                },
            ),
        ),
        "derived": _d(
            "Values the runtimes compute from the event, each with test vectors emitted as a unit test per language.",
            _list(
                _obj(
                    ["name", "doc", "inputs", "vectors"],
                    {
                        "name": _d("A derivation the runtimes implement: management_endpoint or region.", _name()),
                        "doc": _d("One-line doc.", _DOC),
                        "inputs": _d(
                            "The inputs the vectors may set (management_endpoint: override, domain_name, stage, "
                            "api_id, path, env; region: domain_name, env).",
                            _list(_name()),
                        ),
                        "vectors": _d("Test vectors: inputs and the expected value.", _list(_VECTOR)),
                    },
                )
            ),
        ),
        "routes": _d(
            "The routes the IDL names (constants and event types); the runtime needs $connect, $disconnect and "
            "$default. Other keys are accepted at runtime.",
            _list(
                _obj(
                    ["name", "key", "event_type", "doc"],
                    {
                        "name": _d("Constant name of the route, unique.", _name()),
                        "key": _d("API Gateway route key, unique.", {"type": "string", "pattern": ROUTE_KEY}),
                        "event_type": _d(
                            "The event type API Gateway delivers for this key: CONNECT for $connect, DISCONNECT for "
                            "$disconnect, MESSAGE otherwise.",
                            _EVENT_TYPE,
                        ),
                        "doc": _d("One-line doc.", _DOC),
                    },
                )
            ),
        ),
        "limits": _d(
            "API Gateway's limits, emitted as constants; the runtime needs message_bytes.",
            _list(
                _obj(
                    ["name", "value", "doc"],
                    {
                        "name": _d("Constant name, unique.", _name()),
                        "value": _d(
                            "The limit (bytes or seconds, as the name says); at most 2^53-1 so TypeScript holds it "
                            "exactly.",
                            {"type": "integer", "minimum": 1, "maximum": MAX_SAFE_INTEGER},
                        ),
                        "doc": _d("One-line doc.", _DOC),
                    },
                )
            ),
        ),
        "errors": _d(
            "The error envelope's codes, the runtime's messages and the management client's typed errors.",
            _obj(
                ["app", "messages", "management"],
                {
                    "app": _d(
                        "Envelope codes and their HTTP status; the runtime needs app.bad_request, app.not_found and "
                        "app.internal.",
                        _list(
                            _obj(
                                ["code", "status", "doc"],
                                {
                                    "code": _d(
                                        "Error code (family.name), unique; the part after the family must differ too.",
                                        _APP_CODE,
                                    ),
                                    "status": _d(
                                        "HTTP status of the response carrying this code.",
                                        {"type": "integer", "minimum": 400, "maximum": 599},
                                    ),
                                    "doc": _d("One-line doc.", _DOC),
                                },
                            )
                        ),
                    ),
                    "messages": _d(
                        "The runtime's fixed error messages; it needs invalid_base64, invalid_json, invalid_event, "
                        "route_not_found and internal.",
                        _list(
                            _obj(
                                ["name", "code", "text", "doc"],
                                {
                                    "name": _d("Constant name, unique.", _name()),
                                    "code": _d(
                                        "Envelope code the message is sent with (one of errors.app).", _APP_CODE
                                    ),
                                    "text": _d(
                                        "The message text, sent as error.message.", {"type": "string", "pattern": DOC}
                                    ),
                                    "doc": _d("One-line doc.", _DOC),
                                },
                            )
                        ),
                    ),
                    "management": _d(
                        "Class names of the management client's errors; all class names are unique.",
                        _obj(
                            [
                                "base",
                                "server",
                                "invalid_connection",
                                "network",
                                "deadline_exceeded",
                                "malformed_response",
                                "errors",
                            ],
                            {
                                "base": _d(
                                    "Base class of every management error (also any unmapped AWS error).",
                                    _name(CLASS_NAME),
                                ),
                                "server": _d("A 5xx answer; retryable.", _name(CLASS_NAME)),
                                "invalid_connection": _d(
                                    "An empty or white-space connection id, refused before any call.", _name(CLASS_NAME)
                                ),
                                "network": _d(
                                    "No HTTP answer (refused, reset, DNS); status 0, retryable.", _name(CLASS_NAME)
                                ),
                                "deadline_exceeded": _d(
                                    "A timeout or the call's deadline; a kind of the network error.", _name(CLASS_NAME)
                                ),
                                "malformed_response": _d(
                                    "A success body that is not what the API sends; not retryable.", _name(CLASS_NAME)
                                ),
                                "errors": _d(
                                    "AWS error codes mapped to typed errors.",
                                    _list(
                                        _obj(
                                            ["aws_code", "status", "class", "retryable", "doc"],
                                            {
                                                "aws_code": _d("AWS error code, unique.", _name(CLASS_NAME)),
                                                "status": _d(
                                                    "HTTP status API Gateway answers with.",
                                                    {"type": "integer", "minimum": 400, "maximum": 599},
                                                ),
                                                "class": _d("Generated error class.", _name(CLASS_NAME)),
                                                "retryable": _d(
                                                    "Whether the error is marked retryable.", {"type": "boolean"}
                                                ),
                                                "doc": _d("One-line doc.", _DOC),
                                            },
                                        )
                                    ),
                                ),
                            },
                        ),
                    ),
                },
            ),
        ),
        "streamer": _d(
            "The management API client (streamer): retry and timeouts, output shapes, operations.",
            _obj(
                ["doc", "retry", "shapes", "operations"],
                {
                    "doc": _d("Doc of the generated client.", _DOC),
                    "retry": _d(
                        "Retry mode and time limits of every management call.",
                        _obj(
                            ["mode", "max_attempts", "connect_timeout_ms", "read_timeout_ms", "call_deadline_ms"],
                            {
                                "mode": _d("Each SDK's own retry mode.", {"type": "string", "enum": ["standard"]}),
                                "max_attempts": _d(
                                    "Attempts per call, the first included.",
                                    {"type": "integer", "minimum": 1, "maximum": 10},
                                ),
                                # API Gateway ends an integration after 29 s: no management call may outlive that.
                                "connect_timeout_ms": _d(
                                    "Time to open a connection, per attempt; at most call_deadline_ms.",
                                    {"type": "integer", "minimum": 1, "maximum": 29000},
                                ),
                                "read_timeout_ms": _d(
                                    "Wait for the answer's next bytes, per attempt; at most call_deadline_ms.",
                                    {"type": "integer", "minimum": 1, "maximum": 29000},
                                ),
                                "call_deadline_ms": _d(
                                    "The whole call: every attempt, backoff and body; under API Gateway's 29 s.",
                                    {"type": "integer", "minimum": 1, "maximum": 29000},
                                ),
                            },
                        ),
                    ),
                    "shapes": _d(
                        "Output shapes of operations, each a generated class.",
                        _list(
                            _obj(
                                ["name", "class", "doc", "fields"],
                                {
                                    "name": _d("Shape name, unique; operations name it as output.", _name()),
                                    "class": _d("Generated class name.", _name(CLASS_NAME)),
                                    "doc": _d("One-line doc.", _DOC),
                                    "fields": _d("Fields of the shape, names unique.", _list(_SHAPE_FIELD)),
                                },
                            ),
                            min_items=0,
                        ),
                    ),
                    "operations": _d(
                        "Management API operations; the runtime needs post_to_connection, get_connection and "
                        "delete_connection.",
                        _list(
                            _obj(
                                ["name", "method", "path", "doc", "input", "errors"],
                                {
                                    "name": _d("Operation name, unique; the client method's name.", _name()),
                                    "method": _d("HTTP method.", {"type": "string", "enum": ["GET", "POST", "DELETE"]}),
                                    "path": _d(
                                        "HTTP path; its {parameters} are exactly the path inputs.",
                                        _name(HTTP_PATH, MAX_PATH),
                                    ),
                                    "doc": _d("One-line doc.", _DOC),
                                    "input": _d("Parameters; every operation takes connection_id.", _list(_INPUT)),
                                    "output": _d(
                                        "Name of the shape returned (one of shapes); absent: returns nothing.", _name()
                                    ),
                                    "gone_is_success": _d(
                                        "A 410 GoneException counts as success (a closed connection is the goal).",
                                        {"type": "boolean"},
                                    ),
                                    "errors": _d(
                                        "AWS error codes the operation may raise (from errors.management.errors).",
                                        _list(_name(CLASS_NAME), min_items=0),
                                    ),
                                },
                            )
                        ),
                    ),
                },
            ),
        ),
        "connections": _d("The connection record and its DynamoDB layout (Lift's Connection).", _CONNECTIONS),
        "store": _d("The connection store operations and errors (Lift's ConnectionStore).", _STORE),
    },
)
