"""Per-language names for IDL identifiers; reserved words are data here, never in templates."""

from __future__ import annotations

import keyword
import re

# Python: hard and soft keywords, plus names whose shadowing breaks generated modules.
PY_RESERVED = (
    frozenset(keyword.kwlist)
    | frozenset(keyword.softkwlist)
    | {
        "self",
        "cls",
        "object",
        "type",
        "str",
        "int",
        "bytes",
        "bool",
        "dict",
        "list",
        "any",
    }
)

GO_RESERVED = frozenset(
    [
        "break",
        "case",
        "chan",
        "const",
        "continue",
        "default",
        "defer",
        "else",
        "fallthrough",
        "for",
        "func",
        "go",
        "goto",
        "if",
        "import",
        "interface",
        "map",
        "package",
        "range",
        "return",
        "select",
        "struct",
        "switch",
        "type",
        "var",
        "any",
        "bool",
        "byte",
        "comparable",
        "complex64",
        "complex128",
        "error",
        "float32",
        "float64",
        "int",
        "int8",
        "int16",
        "int32",
        "int64",
        "rune",
        "string",
        "uint",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "uintptr",
        "true",
        "false",
        "iota",
        "nil",
        "append",
        "cap",
        "clear",
        "close",
        "complex",
        "copy",
        "delete",
        "imag",
        "len",
        "make",
        "max",
        "min",
        "new",
        "panic",
        "print",
        "println",
        "real",
        "recover",
        "ctx",
        "err",
    ]
)

# Exported Go names that must not become methods with other signatures: `go vet` (stdmethods) checks
# the canonical ones (As, Is, Unwrap, Format, MarshalJSON, ...), and Error/String/GoString/... would
# silently make a type an error, Stringer or (un)marshaler. protoc-gen-go escapes such names with a
# trailing underscore, as here (a snake_case IDL name never ends in one, so no escape can clash).
GO_METHOD_RESERVED = frozenset(
    [
        "As",
        "Format",
        "GobDecode",
        "GobEncode",
        "Is",
        "MarshalJSON",
        "MarshalXML",
        "ReadByte",
        "ReadFrom",
        "ReadRune",
        "Scan",
        "Seek",
        "UnmarshalJSON",
        "UnmarshalXML",
        "UnreadByte",
        "UnreadRune",
        "Unwrap",
        "WriteByte",
        "WriteTo",
        "Error",
        "String",
        "GoString",
        "MarshalText",
        "UnmarshalText",
        "MarshalBinary",
        "UnmarshalBinary",
        "Value",
    ]
)

TS_RESERVED = frozenset(
    [
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "enum",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "function",
        "if",
        "import",
        "in",
        "instanceof",
        "new",
        "null",
        "return",
        "super",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "var",
        "void",
        "while",
        "with",
        "as",
        "implements",
        "interface",
        "let",
        "package",
        "private",
        "protected",
        "public",
        "static",
        "yield",
        "any",
        "boolean",
        "constructor",
        "declare",
        "get",
        "module",
        "require",
        "number",
        "set",
        "string",
        "symbol",
        "type",
        "from",
        "of",
        "async",
        "await",
        "undefined",
        "arguments",
        "eval",
        "object",
        "never",
        "unknown",
    ]
)

# Class names the IDL may not take: builtins or globals in one of the targets.
RESERVED_CLASS_NAMES = frozenset(
    [
        "Exception",
        "BaseException",
        "Error",
        "TypeError",
        "ValueError",
        "KeyError",
        "RuntimeError",
        "Object",
        "String",
        "Number",
        "Boolean",
        "Symbol",
        "Date",
        "Map",
        "Set",
        "Array",
        "Promise",
        "JSON",
        "Math",
        "Function",
        "RegExp",
        "Buffer",
        "Uint8Array",
        "Context",
        "Response",
        "App",
        "Any",
        "Optional",
        "Protocol",
        "Self",
    ]
)

# Members of the runtime's WebSocket context; a context field may not take these names.
CONTEXT_MEMBERS = frozenset(
    [
        "text",
        "json",
        "send_message",
        "send_json_message",
        "broadcast",
        "get_connection",
        "disconnect",
        "management_endpoint",
        "region",
        "app",
        "lambda_context",
        "as_websocket",
        "is_connect_event",
        "is_disconnect_event",
        "is_message_event",
        "broadcast_json",
        "connection_metadata",
        "send_to_user",
        "send_to_tenant",
    ]
)

# Go initialisms (protogen/golint style) rendered in upper case inside exported names.
GO_INITIALISMS = frozenset(
    [
        "id",
        "ip",
        "api",
        "url",
        "uri",
        "http",
        "https",
        "json",
        "html",
        "sql",
        "ttl",
        "uid",
        "uuid",
        "utf8",
        "aws",
        "sdk",
        "cpu",
        "tcp",
        "udp",
    ]
)

SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def split_words(snake: str) -> list[str]:
    return snake.split("_")


def py_name(snake: str) -> str:
    return f"{snake}_" if snake in PY_RESERVED else snake


def go_exported(snake: str) -> str:
    name = "".join(w.upper() if w in GO_INITIALISMS else w[:1].upper() + w[1:] for w in split_words(snake))
    return f"{name}_" if name in GO_METHOD_RESERVED else name


def go_local(snake: str) -> str:
    words = split_words(snake)
    first = words[0]
    rest = "".join(w.upper() if w in GO_INITIALISMS else w[:1].upper() + w[1:] for w in words[1:])
    name = first + rest
    return f"{name}_" if name in GO_RESERVED else name


def ts_name(snake: str) -> str:
    words = split_words(snake)
    name = words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:])
    return f"{name}_" if name in TS_RESERVED else name


def const_name(snake: str) -> str:
    return snake.upper()


def pascal(snake: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in split_words(snake))


def isort_order(names: list[str]) -> tuple[str, ...]:
    """Names in the order isort/ruff sort `from x import (...)`: CONSTANTS, Classes, functions."""

    def key(name: str) -> tuple[int, str]:
        kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
        return kind, name.lower()

    return tuple(sorted(set(names), key=key))
