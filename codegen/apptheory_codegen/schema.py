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
}

FIELD_TYPES = ["string", "int", "bool", "bytes", "timestamp", "string_map", "multi_map", "json"]
SHAPE_FIELD_TYPES = ["string", "int", "bool", "timestamp"]
INPUT_TYPES = ["string", "bytes"]


def _name(pattern: str = SNAKE_NAME, max_length: int = MAX_NAME) -> dict[str, Any]:
    return {"type": "string", "pattern": pattern, "maxLength": max_length}


def _obj(required: list[str], props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": required, "additionalProperties": False, "properties": props}


def _list(item: dict[str, Any], min_items: int = 1) -> dict[str, Any]:
    return {"type": "array", "minItems": min_items, "items": item}


_DOC = {"type": "string", "pattern": DOC}
_EVENT_TYPE = _name(UPPER_NAME)
_APP_CODE = _name(APP_CODE)

_CONTEXT_FIELD = _obj(
    ["name", "type", "from", "events", "doc"],
    {
        "name": _name(),
        "type": {"type": "string", "enum": FIELD_TYPES},
        "from": _name(EVENT_PATH, MAX_PATH),
        "required": {"type": "boolean"},
        "trim": {"type": "boolean"},
        "lowercase_keys": {"type": "boolean"},
        "base64_flag": _name(EVENT_PATH, MAX_PATH),
        "events": _list(_EVENT_TYPE),
        "doc": _DOC,
    },
)

_VECTOR = _obj(
    ["doc", "input", "expect"],
    {
        "doc": _DOC,
        "input": {
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
        "expect": {"type": "string", "pattern": PRINTABLE},
    },
)

_SHAPE_FIELD = _obj(
    ["name", "type", "wire", "doc"],
    {
        "name": _name(),
        "type": {"type": "string", "enum": SHAPE_FIELD_TYPES},
        "wire": _name(WIRE_PATH, MAX_PATH),
        "doc": _DOC,
    },
)

_INPUT = _obj(
    ["name", "type", "wire", "location", "doc"],
    {
        "name": _name(),
        "type": {"type": "string", "enum": INPUT_TYPES},
        "wire": _name(WIRE_PATH, MAX_PATH),
        "location": {"type": "string", "enum": ["path", "body"]},
        "max_bytes": _name(),
        "doc": _DOC,
    },
)

IDL_SCHEMA: dict[str, Any] = _obj(
    ["version", "targets", "event_types", "context", "derived", "routes", "limits", "errors", "streamer"],
    {
        "version": {"type": "integer", "enum": [1]},
        "targets": _obj(
            ["python"],
            {
                "python": _obj(["package"], {"package": _name(PACKAGE)}),
                "ts": _obj(["package"], {"package": _name(NPM_PACKAGE, MAX_PATH)}),
                "go": _obj(["module"], {"module": _name(GO_MODULE, MAX_PATH)}),
            },
        ),
        "event_types": _list(_obj(["name", "doc"], {"name": _EVENT_TYPE, "doc": _DOC})),
        "context": _obj(["doc", "fields"], {"doc": _DOC, "fields": _list(_CONTEXT_FIELD)}),
        "derived": _list(
            _obj(
                ["name", "doc", "inputs", "vectors"],
                {
                    "name": _name(),
                    "doc": _DOC,
                    "inputs": _list(_name()),
                    "vectors": _list(_VECTOR),
                },
            )
        ),
        "routes": _list(
            _obj(
                ["name", "key", "event_type", "doc"],
                {
                    "name": _name(),
                    "key": {"type": "string", "pattern": ROUTE_KEY},
                    "event_type": _EVENT_TYPE,
                    "doc": _DOC,
                },
            )
        ),
        "limits": _list(
            _obj(
                ["name", "value", "doc"],
                {"name": _name(), "value": {"type": "integer", "minimum": 1, "maximum": MAX_SAFE_INTEGER}, "doc": _DOC},
            )
        ),
        "errors": _obj(
            ["app", "messages", "management"],
            {
                "app": _list(
                    _obj(
                        ["code", "status", "doc"],
                        {
                            "code": _APP_CODE,
                            "status": {"type": "integer", "minimum": 400, "maximum": 599},
                            "doc": _DOC,
                        },
                    )
                ),
                "messages": _list(
                    _obj(
                        ["name", "code", "text", "doc"],
                        {
                            "name": _name(),
                            "code": _APP_CODE,
                            "text": {"type": "string", "pattern": DOC},
                            "doc": _DOC,
                        },
                    )
                ),
                "management": _obj(
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
                        "base": _name(CLASS_NAME),
                        "server": _name(CLASS_NAME),
                        "invalid_connection": _name(CLASS_NAME),
                        "network": _name(CLASS_NAME),
                        "deadline_exceeded": _name(CLASS_NAME),
                        "malformed_response": _name(CLASS_NAME),
                        "errors": _list(
                            _obj(
                                ["aws_code", "status", "class", "retryable", "doc"],
                                {
                                    "aws_code": _name(CLASS_NAME),
                                    "status": {"type": "integer", "minimum": 400, "maximum": 599},
                                    "class": _name(CLASS_NAME),
                                    "retryable": {"type": "boolean"},
                                    "doc": _DOC,
                                },
                            )
                        ),
                    },
                ),
            },
        ),
        "streamer": _obj(
            ["doc", "retry", "shapes", "operations"],
            {
                "doc": _DOC,
                "retry": _obj(
                    ["mode", "max_attempts", "connect_timeout_ms", "read_timeout_ms", "call_deadline_ms"],
                    {
                        "mode": {"type": "string", "enum": ["standard"]},
                        "max_attempts": {"type": "integer", "minimum": 1, "maximum": 10},
                        # API Gateway ends an integration after 29 s: no management call may outlive that.
                        "connect_timeout_ms": {"type": "integer", "minimum": 1, "maximum": 29000},
                        "read_timeout_ms": {"type": "integer", "minimum": 1, "maximum": 29000},
                        "call_deadline_ms": {"type": "integer", "minimum": 1, "maximum": 29000},
                    },
                ),
                "shapes": _list(
                    _obj(
                        ["name", "class", "doc", "fields"],
                        {
                            "name": _name(),
                            "class": _name(CLASS_NAME),
                            "doc": _DOC,
                            "fields": _list(_SHAPE_FIELD),
                        },
                    ),
                    min_items=0,
                ),
                "operations": _list(
                    _obj(
                        ["name", "method", "path", "doc", "input", "errors"],
                        {
                            "name": _name(),
                            "method": {"type": "string", "enum": ["GET", "POST", "DELETE"]},
                            "path": _name(HTTP_PATH, MAX_PATH),
                            "doc": _DOC,
                            "input": _list(_INPUT),
                            "output": _name(),
                            "gone_is_success": {"type": "boolean"},
                            "errors": _list(_name(CLASS_NAME), min_items=0),
                        },
                    )
                ),
            },
        ),
    },
)
