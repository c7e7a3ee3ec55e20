"""IDL validation (structure via JSON Schema, then semantics) and IR construction.

Every problem is collected with file:line and an IDL path; nothing is built unless all pass.
"""

from __future__ import annotations

import json
import keyword
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import jsonschema

from apptheory_codegen import ir, naming
from apptheory_codegen.errors import IdlError, IdlProblem
from apptheory_codegen.loader import format_path, line_of
from apptheory_codegen.schema import IDL_SCHEMA, MAX_SAFE_INTEGER, PATTERN_HELP

# Top-level keys of an API Gateway WebSocket proxy event a context field may read from.
EVENT_ROOTS = (
    "requestContext",
    "headers",
    "multiValueHeaders",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "body",
    "isBase64Encoded",
    "path",
    "stageVariables",
)
# Event type API Gateway sets for a route key; every other (custom) key arrives as MESSAGE.
ROUTE_EVENT_TYPES = {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}
# Derivations the hand-written runtimes implement, with the inputs each accepts.
DERIVATION_INPUTS = {
    "management_endpoint": ("override", "domain_name", "stage", "api_id", "path", "env"),
    "region": ("domain_name", "env"),
}
# What the hand-written runtimes rely on; an IDL without these cannot drive them.
RUNTIME_NEEDS = {
    "context field": (
        "connection_id",
        "route_key",
        "event_type",
        "request_id",
        "domain_name",
        "stage",
        "api_id",
        "path",
        "body",
        "is_base64",
    ),
    "route": ("$connect", "$disconnect", "$default"),
    "operation": ("post_to_connection", "get_connection", "delete_connection"),
    "limit": ("message_bytes",),
    "app error code": ("app.bad_request", "app.not_found", "app.internal"),
    "AWS error code": ("GoneException", "PayloadTooLargeException"),
    "message": ("invalid_base64", "invalid_json", "invalid_event", "route_not_found", "internal"),
    "connection field": ("id", "user_id", "tenant_id", "created_at", "expires_at", "metadata", "principal"),
    "principal field": ("subject", "scopes", "claims"),
    "store operation": ("save", "get", "delete", "list_by_user", "list_by_tenant", "count_active"),
}
# Types the runtimes rely on for the record's and the principal's fields.
RECORD_FIELD_KINDS = {
    "id": "string",
    "user_id": "string",
    "tenant_id": "string",
    "created_at": "timestamp",
    "expires_at": "timestamp",
    "metadata": "string_map",
    "principal": "principal",
    "subject": "string",
    "scopes": "string_list",
    "claims": "json_map",
}
# Store operations the runtimes implement: (inputs as (name, type), output, whether it queries an index).
STORE_SIGNATURES: dict[str, tuple[tuple[tuple[str, str], ...], str, bool]] = {
    "save": ((("connection", "connection"),), "none", False),
    "get": ((("connection_id", "string"),), "optional_connection", False),
    "delete": ((("connection_id", "string"),), "none", False),
    "list_by_user": ((("user_id", "string"),), "connection_list", True),
    "list_by_tenant": ((("tenant_id", "string"),), "connection_list", True),
    "count_active": ((), "count", False),
}

PY_TYPES = {
    "string": ("str", "_string"),
    "int": ("int", "_integer"),
    "bool": ("bool", "_boolean"),
    "bytes": ("bytes", "_payload"),
    "timestamp": ("datetime | None", "_timestamp"),
    "string_map": ("dict[str, str]", "_string_map"),
    "multi_map": ("dict[str, list[str]]", "_multi_map"),
    "json": ("JsonValue", "_json_value"),
}
PY_SHAPE_TYPES = {
    "string": ("str", "_wire_string"),
    "int": ("int", "_wire_integer"),
    "bool": ("bool", "_wire_boolean"),
    "timestamp": ("datetime | None", "_wire_timestamp"),
}
PY_INPUT_TYPES = {"string": "str", "bytes": "bytes"}
# Connection and principal field types: (Python type, dataclass default).
PY_RECORD_TYPES = {
    "string": ("str", '""'),
    "timestamp": ("datetime | None", "None"),
    "string_map": ("dict[str, str]", "field(default_factory=dict)"),
    "string_list": ("tuple[str, ...]", "()"),
    "json_map": ("dict[str, JsonValue]", "field(default_factory=dict)"),
}
PY_STORE_INPUT_TYPES = {"string": "str"}  # a connection input is the record class
PY_STORE_OUTPUTS = {
    "none": "None",
    "optional_connection": "{cls} | None",
    "connection_list": "list[{cls}]",
    "count": "int",
}

Path = list[str | int]


_BMP_NON_ASCII = re.compile("[\u0080-\uffff]")


def literal(value: object) -> str:
    """A string/number/map literal valid in Python, Go and TypeScript alike (escaped JSON).

    Non-ASCII BMP characters become \\uXXXX (the same escape in all three); characters beyond the BMP
    stay as they are (UTF-8 source), because no single escape for them exists in all three languages
    (JSON's surrogate pair is invalid in Go and two lone surrogates in Python). Validation has already
    refused lone surrogates and every other character a target cannot carry.
    """
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return _BMP_NON_ASCII.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _describe_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return type(value).__name__


def _is_integer(_checker: object, value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# JSON Schema counts 3.0 as an integer; the IDL does not (it would reach generated code as a float).
_IdlValidator = jsonschema.validators.extend(  # type: ignore[no-untyped-call]  # the stub leaves extend untyped
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)


def _show(value: object) -> str:
    """A value quoted for a message: escaped JSON, shortened when long (a message stays one short line)."""
    if isinstance(value, str) and len(value) > 60:
        return f"{json.dumps(value[:40])}... ({len(value)} characters)"
    return json.dumps(value)


# Characters no IDL string may hold. Category Cf covers the Trojan Source bidi controls (U+202A-U+202E,
# U+2066-U+2069), zero-width characters and U+FEFF (Go rejects a byte order mark anywhere in source).
# ASCII controls and U+2028/U+2029 are refused by the schema patterns, with the pattern's help text.
_REFUSED_CATEGORIES = {
    "Cc": "a control character",
    "Cf": "an invisible format character (bidi controls can make code read unlike it compiles)",
    "Cs": "a lone UTF-16 surrogate, not a character (no target can encode it)",
    "Co": "a private-use character",
    "Cn": f"not a character assigned in Unicode {unicodedata.unidata_version}",
}


def _bad_character(text: str) -> str | None:
    """Why `text` cannot reach generated code, or None; ASCII text is left to the schema patterns."""
    if text.isascii():
        return None
    bad = [
        (index, char)
        for index, char in enumerate(text)
        if ord(char) >= 0x80 and unicodedata.category(char) in _REFUSED_CATEGORIES
    ]
    if not bad:
        return None
    index, char = bad[0]
    name = unicodedata.name(char, "")
    what = _REFUSED_CATEGORIES[unicodedata.category(char)]
    more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
    return f"character {index + 1} is U+{ord(char):04X}{f' {name}' if name else ''}, {what}; not allowed{more}"


def _character_problems(doc: Any) -> list[tuple[Path, str]]:
    """Every key and string value holding a refused character, walking the loaded IDL once."""
    found: list[tuple[Path, str]] = []
    stack: list[tuple[Any, Path]] = [(doc, [])]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and (why := _bad_character(key)):
                    found.append(([*path, key], f"key {why}"))
                stack.append((value, [*path, key]))
        elif isinstance(node, list):
            stack.extend((item, [*path, index]) for index, item in enumerate(node))
        elif isinstance(node, str) and (why := _bad_character(node)):
            found.append((path, why))
    return found


def _schema_messages(err: jsonschema.ValidationError) -> list[tuple[Path, str]]:
    path: Path = list(err.absolute_path)
    if err.validator == "additionalProperties" and isinstance(err.schema, dict) and isinstance(err.instance, dict):
        # One schema error covers every unknown key of a mapping; report each at its own line.
        allowed = sorted(err.schema.get("properties", {}))
        extra = sorted(set(err.instance) - set(allowed))
        return [([*path, key], f"unknown key {key!r}; allowed keys: {', '.join(allowed)}") for key in extra]
    if err.validator == "oneOf" and isinstance(err.validator_value, list):
        # The value has the right kind for one branch: report why that branch failed, not the union.
        kind = "string" if isinstance(err.instance, str) else "object" if isinstance(err.instance, dict) else ""
        branch = next((i for i, b in enumerate(err.validator_value) if b.get("type") == kind), None)
        failed = [sub for sub in err.context if sub.relative_schema_path and sub.relative_schema_path[0] == branch]
        if failed:
            return [message for sub in failed for message in _schema_messages(sub)]
    return [_schema_message(err)]


def _schema_message(err: jsonschema.ValidationError) -> tuple[Path, str]:
    path: Path = list(err.absolute_path)
    validator = err.validator
    if validator == "required":
        missing = str(err.message).split("'")[1] if "'" in err.message else err.message
        return path, f"missing required key {missing!r}"
    if validator == "type":
        wanted = err.validator_value
        wanted_text = " or ".join(wanted) if isinstance(wanted, list) else str(wanted)
        wanted_text = wanted_text.replace("object", "mapping").replace("array", "list")
        return path, f"expected {wanted_text}, got {_describe_type(err.instance)}"
    if validator == "enum":
        enum = err.schema.get("enum", []) if isinstance(err.schema, dict) else []
        allowed_values = ", ".join(json.dumps(v) for v in enum)
        return path, f"{_show(err.instance)} is not allowed; allowed: {allowed_values}"
    if validator == "pattern":
        help_text = PATTERN_HELP.get(str(err.validator_value), f"matching {err.validator_value}")
        return path, f"{_show(err.instance)} is not {help_text}"
    if validator == "maxLength":
        length = len(err.instance) if isinstance(err.instance, str) else 0
        return path, f"is {length} characters long; the limit is {err.validator_value}"
    if validator == "minItems":
        return path, f"must have at least {err.validator_value} item(s)"
    if validator in ("minimum", "maximum"):
        bound = "at least" if validator == "minimum" else "at most"
        why = ""
        if err.validator_value == MAX_SAFE_INTEGER:
            why = " (2^53-1: the largest integer a TypeScript number holds exactly; Go's int64 holds it too)"
        return path, f"{err.instance} must be {bound} {err.validator_value}{why}"
    if validator == "oneOf":
        return path, f"expected a string or a mapping of strings, got {_describe_type(err.instance)}"
    return path, str(err.message)


class _Checker:
    def __init__(self, doc: Any, display_path: str) -> None:
        self.doc = doc
        self.file = display_path
        self.problems: list[IdlProblem] = []

    def add(self, path: Path, message: str) -> None:
        self.problems.append(IdlProblem(self.file, line_of(self.doc, path), format_path(path), message))

    def unique(self, items: Iterable[tuple[Path, str]], what: str) -> None:
        seen: dict[str, str] = {}
        for path, value in items:
            if value in seen:
                self.add(path, f"duplicate {what} {value!r} (first at {seen[value]})")
            else:
                seen[value] = format_path(path)

    def known(self, path: Path, value: str, allowed: Iterable[str], what: str) -> bool:
        allowed_list = sorted(set(allowed))
        if value not in allowed_list:
            self.add(path, f"unknown {what} {value!r}; known: {', '.join(allowed_list) or '(none)'}")
            return False
        return True


def check_structure(doc: Any, display_path: str) -> None:
    """Validate the IDL's shape against the schema; raise IdlError listing every problem."""
    checker = _Checker(doc, display_path)
    if not isinstance(doc, dict):
        checker.add([], f"the IDL must be a mapping at the top level, got {_describe_type(doc)}")
        raise IdlError(checker.problems)
    refused = _character_problems(doc)
    for path, message in refused:
        checker.add(path, message)
    refused_paths = {tuple(path) for path, _ in refused}
    for err in _IdlValidator(IDL_SCHEMA).iter_errors(doc):
        for path, message in _schema_messages(err):
            # A string with a refused character fails its pattern too; its character message says more.
            if tuple(path) not in refused_paths:
                checker.add(path, message)
    if checker.problems:
        raise IdlError(checker.problems)


def _doc(text: str) -> ir.Doc:
    return ir.Doc(text=text, py=text.replace("\\", "\\\\").replace('"', '\\"'))


def _name(snake: str) -> ir.Name:
    return ir.Name(
        idl=snake,
        py=naming.py_name(snake),
        go=naming.go_exported(snake),
        go_local=naming.go_local(snake),
        ts=naming.ts_name(snake),
        const=naming.const_name(snake),
    )


def _check_clashes(checker: _Checker, named: list[tuple[Path, str]], what: str) -> None:
    """Two IDL names that resolve to the same identifier in some language are an error."""
    for lang, resolve in (
        ("Python", naming.py_name),
        ("Go", naming.go_exported),
        ("TypeScript", naming.ts_name),
    ):
        seen: dict[str, str] = {}
        for path, snake in named:
            resolved = resolve(snake)
            if resolved in seen and seen[resolved] != snake:
                checker.add(
                    path,
                    f"{what} {snake!r} and {seen[resolved]!r} both become {resolved!r} in {lang}",
                )
            seen.setdefault(resolved, snake)


def _unique_names(checker: _Checker, named: list[tuple[Path, str]], what: str) -> None:
    """IDL names of one kind must differ, also after each language's case conversion."""
    checker.unique(named, what)
    _check_clashes(checker, named, what)


def _class_name(checker: _Checker, path: Path, value: str) -> None:
    # keyword.iskeyword: None, True and False are PascalCase yet cannot name a Python class.
    if value in naming.RESERVED_CLASS_NAMES or keyword.iskeyword(value):
        checker.add(path, f"class name {value!r} is reserved in a target language; choose another")


def build(doc: Any, display_path: str, fixtures: tuple[ir.Fixture, ...] = ()) -> ir.Api:
    """Validate structure and semantics of a loaded IDL and return the resolved IR."""
    check_structure(doc, display_path)
    c = _Checker(doc, display_path)

    event_types = [e["name"] for e in doc["event_types"]]
    c.unique(((["event_types", i, "name"], n) for i, n in enumerate(event_types)), "event type")

    fields = doc["context"]["fields"]
    c.unique(((["context", "fields", i, "name"], f["name"]) for i, f in enumerate(fields)), "field name")
    _check_clashes(c, [(["context", "fields", i, "name"], f["name"]) for i, f in enumerate(fields)], "field")
    for i, f in enumerate(fields):
        base: Path = ["context", "fields", i]
        if f["name"] in naming.CONTEXT_MEMBERS:
            c.add(
                [*base, "name"],
                f"field name {f['name']!r} is taken by a runtime context member "
                f"({', '.join(sorted(naming.CONTEXT_MEMBERS))})",
            )
        root = f["from"].split(".")[0]
        if root not in EVENT_ROOTS:
            c.add(
                [*base, "from"],
                f"event path {f['from']!r} does not start at an event key; allowed roots: {', '.join(EVENT_ROOTS)}",
            )
        c.unique((([*base, "events", j], ev) for j, ev in enumerate(f["events"])), "event type")
        for j, ev in enumerate(f["events"]):
            c.known([*base, "events", j], ev, event_types, "event type")
        if f.get("required") and f["type"] != "string":
            c.add([*base, "required"], f"only string fields can be required, not {f['type']}")
        if f.get("trim") and f["type"] != "string":
            c.add([*base, "trim"], f"only string fields can be trimmed, not {f['type']}")
        if f.get("lowercase_keys") and f["type"] not in ("string_map", "multi_map"):
            c.add([*base, "lowercase_keys"], f"lowercase_keys applies to string_map and multi_map, not {f['type']}")
        if "base64_flag" in f:
            if f["type"] != "bytes":
                c.add([*base, "base64_flag"], f"base64_flag applies to bytes fields, not {f['type']}")
            if f["base64_flag"].split(".")[0] not in EVENT_ROOTS:
                c.add(
                    [*base, "base64_flag"],
                    f"event path {f['base64_flag']!r} does not start at an event key; "
                    f"allowed roots: {', '.join(EVENT_ROOTS)}",
                )

    derived = doc["derived"]
    c.unique(((["derived", i, "name"], d["name"]) for i, d in enumerate(derived)), "derived value")
    for i, d in enumerate(derived):
        base = ["derived", i]
        if not c.known([*base, "name"], d["name"], DERIVATION_INPUTS, "derived value"):
            continue
        allowed_inputs = DERIVATION_INPUTS[d["name"]]
        c.unique((([*base, "inputs", j], inp) for j, inp in enumerate(d["inputs"])), "input")
        for j, inp in enumerate(d["inputs"]):
            c.known([*base, "inputs", j], inp, allowed_inputs, f"input of {d['name']}")
        for j, vec in enumerate(d["vectors"]):
            for key, value in vec["input"].items():
                vpath = [*base, "vectors", j, "input", key]
                known_input = c.known(vpath, key, d["inputs"], f"input of {d['name']}")
                if known_input and (key == "env") != isinstance(value, dict):
                    c.add(vpath, "env must be a mapping of strings; other inputs are strings")

    routes = doc["routes"]
    _unique_names(c, [(["routes", i, "name"], r["name"]) for i, r in enumerate(routes)], "route name")
    c.unique(((["routes", i, "key"], r["key"]) for i, r in enumerate(routes)), "route key")
    for i, r in enumerate(routes):
        if c.known(["routes", i, "event_type"], r["event_type"], event_types, "event type"):
            delivered_as = ROUTE_EVENT_TYPES.get(r["key"], "MESSAGE")
            if r["event_type"] != delivered_as:
                c.add(
                    ["routes", i, "event_type"],
                    f"API Gateway delivers route {r['key']!r} as {delivered_as} events, not {r['event_type']}",
                )

    limits = doc["limits"]
    _unique_names(c, [(["limits", i, "name"], lim["name"]) for i, lim in enumerate(limits)], "limit")
    limit_names = [lim["name"] for lim in limits]

    errors = doc["errors"]
    app = errors["app"]
    c.unique(((["errors", "app", i, "code"], a["code"]) for i, a in enumerate(app)), "error code")
    app_codes = [a["code"] for a in app]
    _check_clashes(
        c, [(["errors", "app", i, "code"], a["code"].split(".", 1)[1]) for i, a in enumerate(app)], "error code"
    )
    # Constants are named after the part behind the family, so app.not_found and auth.not_found collide.
    code_by_suffix: dict[str, str] = {}
    for i, a in enumerate(app):
        first = code_by_suffix.setdefault(a["code"].split(".", 1)[1], a["code"])
        if first != a["code"]:
            c.add(
                ["errors", "app", i, "code"],
                f"error codes {a['code']!r} and {first!r} would share one constant; "
                "the part after the family must differ",
            )
    messages = errors["messages"]
    _unique_names(c, [(["errors", "messages", i, "name"], m["name"]) for i, m in enumerate(messages)], "message")
    for i, m in enumerate(messages):
        c.known(["errors", "messages", i, "code"], m["code"], app_codes, "error code")

    mgmt = errors["management"]
    mgmt_errors = mgmt["errors"]
    c.unique(
        ((["errors", "management", "errors", i, "aws_code"], e["aws_code"]) for i, e in enumerate(mgmt_errors)),
        "AWS error code",
    )
    class_items: list[tuple[Path, str]] = [
        (["errors", "management", "base"], mgmt["base"]),
        (["errors", "management", "server"], mgmt["server"]),
        (["errors", "management", "invalid_connection"], mgmt["invalid_connection"]),
        (["errors", "management", "network"], mgmt["network"]),
        (["errors", "management", "deadline_exceeded"], mgmt["deadline_exceeded"]),
        (["errors", "management", "malformed_response"], mgmt["malformed_response"]),
    ]
    class_items += [(["errors", "management", "errors", i, "class"], e["class"]) for i, e in enumerate(mgmt_errors)]
    shapes = doc["streamer"]["shapes"]
    class_items += [(["streamer", "shapes", i, "class"], s["class"]) for i, s in enumerate(shapes)]
    c.unique(class_items, "class name")
    for path, value in class_items:
        _class_name(c, path, value)
    aws_codes = [e["aws_code"] for e in mgmt_errors]

    streamer = doc["streamer"]
    retry = streamer["retry"]
    for key in ("connect_timeout_ms", "read_timeout_ms"):
        if retry[key] > retry["call_deadline_ms"]:
            c.add(
                ["streamer", "retry", key],
                f"{key} ({retry[key]}) must not exceed call_deadline_ms ({retry['call_deadline_ms']})",
            )
    _unique_names(c, [(["streamer", "shapes", i, "name"], s["name"]) for i, s in enumerate(shapes)], "shape")
    for i, s in enumerate(shapes):
        shape_fields: list[tuple[Path, str]] = [
            (["streamer", "shapes", i, "fields", j, "name"], f["name"]) for j, f in enumerate(s["fields"])
        ]
        _unique_names(c, shape_fields, "shape field")
    ops = streamer["operations"]
    _unique_names(c, [(["streamer", "operations", i, "name"], o["name"]) for i, o in enumerate(ops)], "operation")
    shape_names = [s["name"] for s in shapes]
    for i, o in enumerate(ops):
        base = ["streamer", "operations", i]
        _unique_names(c, [([*base, "input", j, "name"], p["name"]) for j, p in enumerate(o["input"])], "input")
        path_params = [seg[1:-1] for seg in o["path"].split("/") if seg.startswith("{")]
        path_inputs = [p["wire"][:1].lower() + p["wire"][1:] for p in o["input"] if p["location"] == "path"]
        if sorted(path_params) != sorted(path_inputs):
            c.add(
                [*base, "path"],
                f"path parameters {path_params} must match the path inputs (wire names, first letter lower-cased) "
                f"{path_inputs}",
            )
        if not any(p["name"] == "connection_id" for p in o["input"]):
            c.add([*base, "input"], "every management operation takes a connection_id input")
        if sum(1 for p in o["input"] if p["location"] == "body") > 1:
            c.add([*base, "input"], "at most one input may be the body")
        for j, p in enumerate(o["input"]):
            if "max_bytes" in p:
                c.known([*base, "input", j, "max_bytes"], p["max_bytes"], limit_names, "limit")
                if p["type"] != "bytes":
                    c.add([*base, "input", j, "max_bytes"], "max_bytes applies to bytes inputs only")
        if "output" in o:
            c.known([*base, "output"], o["output"], shape_names, "shape")
        c.unique((([*base, "errors", j], code) for j, code in enumerate(o["errors"])), "AWS error code")
        for j, code in enumerate(o["errors"]):
            c.known([*base, "errors", j], code, aws_codes, "AWS error code")

    _check_connections(c, doc, limit_names, class_items)

    conn_fields = doc["connections"]["fields"]
    needs: dict[str, tuple[list[str], Path]] = {
        "connection field": ([f["name"] for f in conn_fields], ["connections", "fields"]),
        "principal field": (
            [f["name"] for f in doc["connections"]["principal"]["fields"]],
            ["connections", "principal", "fields"],
        ),
        "store operation": ([o["name"] for o in doc["store"]["operations"]], ["store", "operations"]),
        "context field": ([f["name"] for f in fields], ["context", "fields"]),
        "route": ([r["key"] for r in routes], ["routes"]),
        "operation": ([o["name"] for o in ops], ["streamer", "operations"]),
        "limit": (limit_names, ["limits"]),
        "app error code": (app_codes, ["errors", "app"]),
        "message": ([m["name"] for m in messages], ["errors", "messages"]),
        "AWS error code": (aws_codes, ["errors", "management", "errors"]),
    }
    for what, required in RUNTIME_NEEDS.items():
        present, path = needs[what]
        missing = [r for r in required if r not in present]
        if missing:
            c.add(path, f"the runtime needs {what}(s) {', '.join(missing)}; add them")

    if c.problems:
        raise IdlError(c.problems)
    return _to_ir(doc, display_path, fixtures)


def _check_connections(c: _Checker, doc: Any, limit_names: list[str], class_items: list[tuple[Path, str]]) -> None:
    """Semantic rules of the connections and store sections."""
    conns = doc["connections"]
    c.known(["connections", "lifetime"], conns["lifetime"], limit_names, "limit")
    fields = conns["fields"]
    base: Path = ["connections", "fields"]
    _unique_names(c, [([*base, i, "name"], f["name"]) for i, f in enumerate(fields)], "connection field")
    table = conns["table"]
    reserved_attrs = {
        table["partition_key"]: "connections.table.partition_key",
        table["sort_key"]: "connections.table.sort_key",
        table["counter"]["attribute"]: "connections.table.counter.attribute",
    }
    if table["partition_key"] == table["sort_key"]:
        c.add(["connections", "table", "sort_key"], "the sort key must differ from the partition key")
    c.unique((([*base, i, "attribute"], f["attribute"]) for i, f in enumerate(fields)), "attribute")
    for i, f in enumerate(fields):
        if f["attribute"] in reserved_attrs:
            c.add([*base, i, "attribute"], f"attribute {f['attribute']!r} is taken by {reserved_attrs[f['attribute']]}")
    for flag, kind, what in (("key", "string", "the record's key"), ("ttl", "timestamp", "the TTL attribute")):
        flagged = [i for i, f in enumerate(fields) if f.get(flag)]
        if not flagged:
            c.add(base, f"exactly one field must be {what} ({flag}: true); none is")
        for i in flagged[1:]:
            c.add([*base, i, flag], f"exactly one field may be {what}; {fields[flagged[0]]['name']!r} already is")
        for i in flagged:
            if fields[i]["type"] != kind:
                c.add([*base, i, flag], f"{what} must be a {kind} field, not {fields[i]['type']}")
    principal = conns["principal"]
    for where, items in (("fields", fields), ("principal", principal["fields"])):
        for i, f in enumerate(items):
            kind = RECORD_FIELD_KINDS.get(f["name"], f["type"])
            if f["type"] != kind:
                path: Path = (
                    ["connections", where, i, "type"]
                    if where == "fields"
                    else ["connections", "principal", "fields", i, "type"]
                )
                c.add(path, f"the runtime needs {f['name']!r} to be a {kind} field, not {f['type']}")
    _unique_names(
        c,
        [(["connections", "principal", "fields", i, "name"], f["name"]) for i, f in enumerate(principal["fields"])],
        "principal field",
    )
    by_name = {f["name"]: f for f in fields}
    indexes = table["indexes"]
    ibase: Path = ["connections", "table", "indexes"]
    _unique_names(c, [([*ibase, i, "name"], x["name"]) for i, x in enumerate(indexes)], "index")
    c.unique((([*ibase, i, "index_name"], x["index_name"]) for i, x in enumerate(indexes)), "index name")
    for i, x in enumerate(indexes):
        for key, kind in (("field", "string"), ("sort_field", "timestamp")):
            if c.known([*ibase, i, key], x[key], by_name, "connection field"):
                target = by_name[x[key]]
                if target["type"] != kind:
                    c.add([*ibase, i, key], f"an index {key} must be a {kind} field; {x[key]!r} is {target['type']}")
                elif key == "field" and target.get("key"):
                    c.add([*ibase, i, key], f"{x[key]!r} is the record's key; index another field")
    counter = table["counter"]
    if counter["partition"].startswith(table["item_prefix"]):
        c.add(
            ["connections", "table", "counter", "partition"],
            f"the counter's partition {counter['partition']!r} starts with item_prefix {table['item_prefix']!r} "
            "and could collide with a connection's item",
        )

    store = doc["store"]
    errors = store["errors"]["errors"]
    ebase: Path = ["store", "errors", "errors"]
    store_classes: list[tuple[Path, str]] = [(["store", "errors", "base"], store["errors"]["base"])]
    store_classes += [([*ebase, i, "class"], e["class"]) for i, e in enumerate(errors)]
    store_classes += [
        (["connections", "class"], conns["class"]),
        (["connections", "principal", "class"], principal["class"]),
    ]
    seen = {value: format_path(path) for path, value in reversed(class_items)}
    for path, value in store_classes:
        if value in seen:
            c.add(path, f"duplicate class name {value!r} (first at {seen[value]})")
        else:
            seen[value] = format_path(path)
    for path, value in store_classes:
        _class_name(c, path, value)
    c.unique(
        (([*ebase, i, "aws_codes", j], code) for i, e in enumerate(errors) for j, code in enumerate(e["aws_codes"])),
        "DynamoDB error code",
    )
    error_classes = [e["class"] for e in errors]
    c.known(["store", "errors", "network"], store["errors"]["network"], error_classes, "store error")
    index_names = {x["name"]: x for x in indexes}
    ops = store["operations"]
    _unique_names(c, [(["store", "operations", i, "name"], o["name"]) for i, o in enumerate(ops)], "store operation")
    for i, o in enumerate(ops):
        obase: Path = ["store", "operations", i]
        if not c.known([*obase, "name"], o["name"], STORE_SIGNATURES, "store operation"):
            continue
        inputs, output, queries = STORE_SIGNATURES[o["name"]]
        declared = tuple((p["name"], p["type"]) for p in o["input"])
        if declared != inputs:
            wanted = ", ".join(f"{n}: {t}" for n, t in inputs) or "nothing"
            c.add([*obase, "input"], f"store operation {o['name']!r} takes ({wanted})")
        if o["output"] != output:
            c.add([*obase, "output"], f"store operation {o['name']!r} returns {output}, not {o['output']}")
        if queries and "index" not in o:
            c.add(obase, f"store operation {o['name']!r} queries an index: add index (one of {', '.join(index_names)})")
        elif not queries and "index" in o:
            c.add([*obase, "index"], f"store operation {o['name']!r} does not query an index")
        elif queries and c.known([*obase, "index"], o["index"], index_names, "index"):
            field_name = index_names[o["index"]]["field"]
            if inputs and field_name in by_name and field_name != inputs[0][0]:
                c.add(
                    [*obase, "index"],
                    f"index {o['index']!r} is partitioned by {field_name!r}, but the operation takes {inputs[0][0]!r}",
                )
        c.unique((([*obase, "errors", j], e) for j, e in enumerate(o["errors"])), "store error")
        for j, e in enumerate(o["errors"]):
            c.known([*obase, "errors", j], e, error_classes, "store error")


def _record_field(f: dict[str, Any]) -> ir.RecordField:
    py_type, default = PY_RECORD_TYPES.get(f["type"], ("", ""))
    return ir.RecordField(
        name=_name(f["name"]),
        kind=f["type"],
        attribute_literal=literal(f["attribute"]) if "attribute" in f else "",
        key=bool(f.get("key", False)),
        ttl=bool(f.get("ttl", False)),
        py_type=py_type,
        py_default="" if f.get("key") else default,
        doc=_doc(f["doc"]),
    )


def _connections_ir(doc: Any) -> tuple[ir.Connections, ir.Store]:
    conns = doc["connections"]
    cls = conns["class"]
    principal_class = conns["principal"]["class"]
    fields = []
    for f in conns["fields"]:
        field = _record_field(f)
        if f["type"] == "principal":
            field = replace(field, py_type=f"{principal_class} | None", py_default="None")
        fields.append(field)
    by_name = {f.name.idl: f for f in fields}
    table = conns["table"]
    indexes = tuple(
        ir.ConnectionIndex(
            name=_name(x["name"]),
            index_name_literal=literal(x["index_name"]),
            field=by_name[x["field"]],
            sort_field=by_name[x["sort_field"]],
            doc=_doc(x["doc"]),
        )
        for x in table["indexes"]
    )
    by_index = {x.name.idl: x for x in indexes}
    lifetime = next(lim["value"] for lim in doc["limits"] if lim["name"] == conns["lifetime"])
    connections = ir.Connections(
        class_name=cls,
        doc=_doc(conns["doc"]),
        lifetime_const=naming.const_name(conns["lifetime"]),
        lifetime_seconds=lifetime,
        fields=tuple(fields),
        key=next(f for f in fields if f.key),
        created=by_name["created_at"],
        ttl=next(f for f in fields if f.ttl),
        principal_class=principal_class,
        principal_doc=_doc(conns["principal"]["doc"]),
        principal_fields=tuple(_record_field(f) for f in conns["principal"]["fields"]),
        partition_key_literal=literal(table["partition_key"]),
        sort_key_literal=literal(table["sort_key"]),
        item_prefix_literal=literal(table["item_prefix"]),
        item_sort_literal=literal(table["item_sort"]),
        indexes=indexes,
        counter_partition_literal=literal(table["counter"]["partition"]),
        counter_sort_literal=literal(table["counter"]["sort"]),
        counter_attribute_literal=literal(table["counter"]["attribute"]),
    )
    store = doc["store"]
    errors = tuple(
        ir.StoreError(
            class_name=e["class"],
            aws_codes_literal=_tuple_literal(e["aws_codes"]),
            retryable=e["retryable"],
            doc=_doc(e["doc"]),
        )
        for e in store["errors"]["errors"]
    )
    by_class = {e.class_name: e for e in errors}
    operations = []
    for o in store["operations"]:
        inputs = tuple(
            ir.StoreInput(
                name=_name(p["name"]),
                kind=p["type"],
                py_type=cls if p["type"] == "connection" else PY_STORE_INPUT_TYPES[p["type"]],
                doc=_doc(p["doc"]),
            )
            for p in o["input"]
        )
        op_errors = tuple(by_class[e] for e in o["errors"])
        operations.append(
            ir.StoreOperation(
                name=_name(o["name"]),
                doc=_doc(o["doc"]),
                inputs=inputs,
                params_py="".join(f", {p.name.py}: {p.py_type}" for p in inputs),
                args_py=", ".join(p.name.py for p in inputs),
                output=o["output"],
                py_return=PY_STORE_OUTPUTS[o["output"]].format(cls=cls),
                index=by_index[o["index"]] if "index" in o else None,
                errors=op_errors,
                error_classes_literal=_tuple_literal([e.class_name for e in op_errors]),
            )
        )
    return connections, ir.Store(
        doc=_doc(store["doc"]),
        table_env_literal=literal(store["table_env"]),
        error_base=store["errors"]["base"],
        error_network=store["errors"]["network"],
        errors=errors,
        operations=tuple(operations),
    )


def _to_ir(doc: Any, display_path: str, fixtures: tuple[ir.Fixture, ...]) -> ir.Api:
    fields = tuple(
        ir.ContextField(
            name=_name(f["name"]),
            kind=f["type"],
            path=tuple(f["from"].split(".")),
            path_text=f["from"],
            path_literal=_tuple_literal(f["from"].split(".")),
            required=bool(f.get("required", False)),
            trim=bool(f.get("trim", False)),
            lowercase_keys=bool(f.get("lowercase_keys", False)),
            base64_flag_path=tuple(f["base64_flag"].split(".")) if "base64_flag" in f else (),
            events_literal=literal(sorted(f["events"])),
            py_type=PY_TYPES[f["type"]][0],
            py_parse=PY_TYPES[f["type"]][1],
            doc=_doc(f["doc"]),
        )
        for f in doc["context"]["fields"]
    )
    derived = tuple(
        ir.Derived(
            name=_name(d["name"]),
            doc=_doc(d["doc"]),
            inputs=tuple(d["inputs"]),
            vectors=tuple(
                ir.Vector(
                    doc=_doc(v["doc"]),
                    doc_literal=literal(v["doc"]),
                    kwargs_py=tuple(
                        (naming.py_name(k), literal(val)) for k, val in sorted(v["input"].items()) if k != "env"
                    ),
                    env_literal=literal(dict(v["input"].get("env", {}))),
                    expect_literal=literal(v["expect"]),
                )
                for v in d["vectors"]
            ),
        )
        for d in doc["derived"]
    )
    app_codes = tuple(
        ir.AppCode(
            name=_name(a["code"].split(".", 1)[1]),
            code=a["code"],
            code_literal=literal(a["code"]),
            status=a["status"],
            doc=_doc(a["doc"]),
        )
        for a in doc["errors"]["app"]
    )
    code_const = {a.code: a.name.const for a in app_codes}
    mgmt_errors = tuple(
        ir.ManagementErrorClass(
            class_name=e["class"],
            aws_code=e["aws_code"],
            aws_code_literal=literal(e["aws_code"]),
            status=e["status"],
            retryable=e["retryable"],
            doc=_doc(e["doc"]),
        )
        for e in doc["errors"]["management"]["errors"]
    )
    by_code = {e.aws_code: e for e in mgmt_errors}
    shapes = tuple(
        ir.Shape(
            name=_name(s["name"]),
            class_name=s["class"],
            doc=_doc(s["doc"]),
            fields=tuple(
                ir.ShapeField(
                    name=_name(f["name"]),
                    kind=f["type"],
                    wire=tuple(f["wire"].split(".")),
                    wire_literal=_tuple_literal(f["wire"].split(".")),
                    py_type=PY_SHAPE_TYPES[f["type"]][0],
                    py_parse=PY_SHAPE_TYPES[f["type"]][1],
                    doc=_doc(f["doc"]),
                    json_path=tuple(w[:1].lower() + w[1:] for w in f["wire"].split(".")),
                )
                for f in s["fields"]
            ),
        )
        for s in doc["streamer"]["shapes"]
    )
    by_shape = {s.name.idl: s for s in shapes}
    operations = []
    for o in doc["streamer"]["operations"]:
        inputs = tuple(
            ir.Input(
                name=_name(p["name"]),
                kind=p["type"],
                wire=p["wire"],
                location=p["location"],
                py_type=PY_INPUT_TYPES[p["type"]],
                max_bytes_const=naming.const_name(p["max_bytes"]) if "max_bytes" in p else "",
                doc=_doc(p["doc"]),
            )
            for p in o["input"]
        )
        output = by_shape[o["output"]] if "output" in o else None
        op_errors = tuple(by_code[code] for code in o["errors"])
        operations.append(
            ir.Operation(
                name=_name(o["name"]),
                method=o["method"],
                path=o["path"],
                path_literal=literal(o["path"]),
                inputs=inputs,
                params_py=", ".join(f"{p.name.py}: {p.py_type}" for p in inputs),
                call_kwargs_py=", ".join(f"{p.wire}={p.name.py}" for p in inputs),
                size_checked=tuple(p for p in inputs if p.max_bytes_const),
                connection_input=next(p.name for p in inputs if p.name.idl == "connection_id"),
                output=output,
                py_return=output.class_name if output else "None",
                errors=op_errors,
                error_classes_literal=literal([e.class_name for e in op_errors]),
                gone_is_success=o.get("gone_is_success", False),
                doc=_doc(o["doc"]),
            )
        )
    connections, store = _connections_ir(doc)
    streamer = doc["streamer"]
    mgmt_base = doc["errors"]["management"]["base"]
    mgmt_server = doc["errors"]["management"]["server"]
    error_exports = naming.isort_order(
        [
            "APP_ERROR_STATUS",
            "AppError",
            "AppErrorCode",
            "ErrorMessage",
            "Messages",
            "management_error",
            "check_connection_id",
            mgmt_base,
            mgmt_server,
            doc["errors"]["management"]["invalid_connection"],
            doc["errors"]["management"]["network"],
            doc["errors"]["management"]["deadline_exceeded"],
            doc["errors"]["management"]["malformed_response"],
            *(e.class_name for e in mgmt_errors),
        ]
    )
    streamer_exports = naming.isort_order(
        ["Boto3ManagementClient", "ManagementClient", *(s.class_name for s in shapes)]
    )
    return ir.Api(
        source=display_path,
        targets=tuple(sorted(doc["targets"])),
        marker_text=f"Code generated by apptheory from {display_path}. DO NOT EDIT.",
        py_package=doc["targets"]["python"]["package"],
        event_types=tuple(
            ir.EventType(name=e["name"], literal=literal(e["name"]), doc=_doc(e["doc"])) for e in doc["event_types"]
        ),
        context_doc=_doc(doc["context"]["doc"]),
        fields=fields,
        event_containers=_event_containers(fields),
        derived=derived,
        routes=tuple(
            ir.Route(
                name=_name(r["name"]),
                key_literal=literal(r["key"]),
                key=r["key"],
                event_type=r["event_type"],
                doc=_doc(r["doc"]),
            )
            for r in doc["routes"]
        ),
        limits=tuple(
            ir.Limit(name=_name(lim["name"]), value=lim["value"], doc=_doc(lim["doc"])) for lim in doc["limits"]
        ),
        app_codes=app_codes,
        messages=tuple(
            ir.Message(
                name=_name(m["name"]),
                code_literal=literal(m["code"]),
                code_const=code_const[m["code"]],
                text_literal=literal(m["text"]),
                doc=_doc(m["doc"]),
            )
            for m in doc["errors"]["messages"]
        ),
        management_base=doc["errors"]["management"]["base"],
        management_server=doc["errors"]["management"]["server"],
        management_invalid_connection=doc["errors"]["management"]["invalid_connection"],
        management_network=doc["errors"]["management"]["network"],
        management_deadline_exceeded=doc["errors"]["management"]["deadline_exceeded"],
        management_malformed_response=doc["errors"]["management"]["malformed_response"],
        management_errors=mgmt_errors,
        too_large=by_code["PayloadTooLargeException"],
        gone=by_code["GoneException"],
        py_error_exports=error_exports,
        py_streamer_exports=streamer_exports,
        py_gone_is_success_literal=_frozenset_literal([o.name.idl for o in operations if o.gone_is_success]),
        py_streamer_error_imports=", ".join(
            naming.isort_order(
                [
                    by_code["GoneException"].class_name,
                    "check_connection_id",
                    "management_error",
                    doc["errors"]["management"]["network"],
                    doc["errors"]["management"]["deadline_exceeded"],
                    doc["errors"]["management"]["malformed_response"],
                    "require_boto3",
                ]
            )
        ),
        py_fake_error_imports=", ".join(
            naming.isort_order(
                [
                    "MANAGEMENT_ERRORS_BY_CODE",
                    "TRANSPORT_ERRORS",
                    mgmt_base,
                    by_code["GoneException"].class_name,
                    "check_connection_id",
                    "management_error",
                ]
            )
        ),
        py_all=tuple(
            sorted(
                {
                    *error_exports,
                    *streamer_exports,
                    "EventError",
                    "JsonValue",
                    "WebSocketFields",
                }
            )
        ),
        streamer=ir.Streamer(
            doc=_doc(streamer["doc"]),
            retry_mode=streamer["retry"]["mode"],
            max_attempts=streamer["retry"]["max_attempts"],
            connect_timeout_ms=streamer["retry"]["connect_timeout_ms"],
            read_timeout_ms=streamer["retry"]["read_timeout_ms"],
            call_deadline_ms=streamer["retry"]["call_deadline_ms"],
            shapes=shapes,
            operations=tuple(operations),
        ),
        connections=connections,
        store=store,
        fixtures=fixtures,
        fixtures_dir_literal=literal("../../../contract-tests/fixtures"),
        ts_package=doc["targets"].get("ts", {}).get("package", ""),
        go_module=doc["targets"].get("go", {}).get("module", ""),
    )


def _event_containers(fields: tuple[ir.ContextField, ...]) -> tuple[tuple[str, ...], ...]:
    """Each mapping on the way to a field or base64 flag, parents first, in a fixed order."""
    parents: set[tuple[str, ...]] = set()
    for f in fields:
        for path in (f.path, f.base64_flag_path):
            parents.update(path[:depth] for depth in range(1, len(path)))
    return tuple(sorted(parents, key=lambda p: (len(p), p)))


def _frozenset_literal(parts: list[str]) -> str:
    return "frozenset({" + ", ".join(literal(p) for p in parts) + "})" if parts else "frozenset()"


def _tuple_literal(parts: list[str]) -> str:
    inner = ", ".join(literal(p) for p in parts)
    return f"({inner},)" if len(parts) == 1 else f"({inner})"
