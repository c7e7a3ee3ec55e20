"""TypeScript target: generated/ts/, an npm package (ESM, Node 20+) emitted already prettier-canonical.

Generation never runs Node: templates and the static sources under templates/ts/static/ are written in
the exact form the pinned prettier (see static/package.json and static/.prettierrc.yaml) prints, and
`scripts/test-ts` runs `prettier --check` on the output. TS-specific views of the IR (types, parse
functions, literals quoted as prettier quotes them) are computed here; templates only format them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import jinja2

from apptheory_codegen import ir, naming
from apptheory_codegen.errors import GenerateError
from apptheory_codegen.targets import ts_store
from apptheory_codegen.targets.base import Target, render_template, static_files

# (template, output path relative to generated/)
OUTPUTS = (
    ("ts/constants.ts.j2", "ts/src/generated/constants.ts"),
    ("ts/fields.ts.j2", "ts/src/generated/fields.ts"),
    ("ts/errors.ts.j2", "ts/src/generated/errors.ts"),
    ("ts/streamer.ts.j2", "ts/src/generated/streamer.ts"),
    ("ts/fake.ts.j2", "ts/src/generated/fake.ts"),
    ("ts/contract-fixtures.test.ts.j2", "ts/test/contract-fixtures.test.ts"),
    ("ts/derived-values.test.ts.j2", "ts/test/derived-values.test.ts"),
)

# Compiled tests live in generated/ts/dist/test/; the fixtures folder seen from there.
FIXTURES_FROM_DIST_TEST = "../../../../contract-tests/fixtures/"

# Context field type -> (TS type, parse function in src/event.ts)
FIELD_TYPES = {
    "string": ("string", "parse.stringField"),
    "int": ("number", "parse.integerField"),
    "bool": ("boolean", "parse.booleanField"),
    "bytes": ("Uint8Array", "parse.payloadField"),
    "timestamp": ("Date | null", "parse.timestampField"),
    "string_map": ("StringMap", "parse.stringMapField"),
    "multi_map": ("MultiMap", "parse.multiMapField"),
    "json": ("JsonValue", "parse.jsonField"),
}
SHAPE_TYPES = {
    "string": ("string", "wire.stringMember"),
    "int": ("number", "wire.integerMember"),
    "bool": ("boolean", "wire.booleanMember"),
    "timestamp": ("Date | null", "wire.timestampMember"),
}
INPUT_TYPES = {"string": "string", "bytes": "Uint8Array"}

_ES5_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*\Z")


def ts_string(value: str) -> str:
    """A TS string literal quoted as prettier prints it: double quotes unless that needs more escapes."""
    body = json.dumps(value, ensure_ascii=True)[1:-1]
    if value.count('"') > value.count("'"):
        return "'" + body.replace('\\"', '"').replace("'", "\\'") + "'"
    return '"' + body + '"'


def ts_key(value: str) -> str:
    """An object key as prettier prints it with quoteProps "as-needed"."""
    return value if _ES5_IDENTIFIER.match(value) else ts_string(value)


def ts_array(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(ts_string(v) for v in values) + "]"


def _idl_input_name(py_kwarg: str) -> str:
    # naming.py_name appends "_" to reserved words; IDL snake names never end in "_", so this inverts it.
    if py_kwarg.endswith("_") and py_kwarg[:-1] in naming.PY_RESERVED:
        return py_kwarg[:-1]
    return py_kwarg


@dataclass(frozen=True, slots=True)
class TsField:
    name: str
    const: str
    type: str
    parse: str
    path: str
    path_text: str
    required: str
    trim: str
    lowercase_keys: str
    flag: str
    doc: str
    key: str = '""'
    """The last path element: the member read from the field's container."""
    where: str = '""'
    """The path as error messages name it."""
    flag_key: str = '""'
    """The last element of the base64 flag path ("" without a flag)."""
    args: str = ""
    """Arguments of the parse call: the container variable, the spec, and the flag's container for a flag."""
    lazy: bool = False
    """Stored privately and exposed by a getter (a text body's bytes are made on first read)."""


@dataclass(frozen=True, slots=True)
class TsContainer:
    """One mapping on the way to fields, resolved once per event (parents first)."""

    var: str
    parent: str
    key: str
    where: str
    path_text: str


@dataclass(frozen=True, slots=True)
class TsEntry:
    """One `key: literal` line of an object literal."""

    key: str
    value: str


@dataclass(frozen=True, slots=True)
class TsVector:
    doc: str
    inputs: tuple[TsEntry, ...]
    env: tuple[TsEntry, ...]
    expect: str


@dataclass(frozen=True, slots=True)
class TsDerived:
    function: str
    vectors_const: str
    vectors: tuple[TsVector, ...]


@dataclass(frozen=True, slots=True)
class TsShapeField:
    name: str
    type: str
    parse: str
    wire: str
    doc: str


@dataclass(frozen=True, slots=True)
class TsShape:
    interface: str
    from_wire: str
    fields: tuple[TsShapeField, ...]
    doc: str


@dataclass(frozen=True, slots=True)
class TsOperation:
    method_name: str
    op_literal: str
    http: str
    params: str
    command: str
    command_fields: tuple[TsEntry, ...]
    connection_input: str
    size_checked: tuple[tuple[str, str], ...]
    output_from_wire: str
    returns: str
    gone_is_success: bool
    doc: str


@dataclass(frozen=True, slots=True)
class TsConstant:
    name: str
    value: str
    doc: str
    key: str = ""


@dataclass(frozen=True, slots=True)
class TsMessage:
    name: str
    code: str
    text: str
    doc: str


@dataclass(frozen=True, slots=True)
class TsFixture:
    id: str
    file: str


@dataclass(frozen=True, slots=True)
class TsView:
    """Everything the TS templates see besides the IR itself."""

    event_types: tuple[TsConstant, ...]
    routes: tuple[TsConstant, ...]
    route_event_types: tuple[TsEntry, ...]
    limits: tuple[TsConstant, ...]
    retry_mode: str
    max_attempts: int
    containers: tuple[TsContainer, ...]
    fields: tuple[TsField, ...]
    app_codes: tuple[TsConstant, ...]
    app_status: tuple[TsEntry, ...]
    messages: tuple[TsMessage, ...]
    shapes: tuple[TsShape, ...]
    operations: tuple[TsOperation, ...]
    derived: tuple[TsDerived, ...]
    fixtures: tuple[TsFixture, ...]
    fixtures_dir: str
    gone_status: int
    gone_code: str
    gone_class: str
    gone_is_success_ops: tuple[str, ...]
    invalid_connection: str
    too_large_status: int
    too_large_code: str
    timeouts: tuple[int, int, int] = (0, 0, 0)
    """connect_timeout_ms, read_timeout_ms, call_deadline_ms of streamer.retry."""
    body_members: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    """(SDK command name, ((JSON path array literal, IDL type literal), ...)) of operations with output."""


def build_view(api: ir.Api) -> TsView:
    shapes = {s.name.idl: s for s in api.streamer.shapes}
    return TsView(
        event_types=tuple(
            TsConstant(f"EVENT_TYPE_{e.name}", ts_string(e.name), e.doc.text, key=e.name) for e in api.event_types
        ),
        routes=tuple(TsConstant(f"ROUTE_{r.name.const}", ts_string(r.key), r.doc.text) for r in api.routes),
        route_event_types=tuple(TsEntry(ts_key(r.key), ts_string(r.event_type)) for r in api.routes),
        limits=tuple(TsConstant(lim.name.const, str(lim.value), lim.doc.text) for lim in api.limits),
        retry_mode=ts_string(api.streamer.retry_mode),
        max_attempts=api.streamer.max_attempts,
        containers=_containers(api),
        fields=tuple(_field(f, _container_vars(api)) for f in api.fields),
        app_codes=tuple(
            TsConstant(a.name.const, ts_string(a.code), f"{a.doc.text} (HTTP {a.status})") for a in api.app_codes
        ),
        app_status=tuple(TsEntry(ts_string(a.code), str(a.status)) for a in api.app_codes),
        messages=tuple(
            TsMessage(m.name.const, f"AppErrorCode.{m.code_const}", ts_string(json.loads(m.text_literal)), m.doc.text)
            for m in api.messages
        ),
        shapes=tuple(
            TsShape(
                interface=s.class_name,
                from_wire=f"{s.name.ts}FromWire",
                doc=s.doc.text,
                fields=tuple(
                    TsShapeField(
                        name=f.name.ts,
                        type=SHAPE_TYPES[f.kind][0],
                        parse=SHAPE_TYPES[f.kind][1],
                        wire=ts_array(f.wire),
                        doc=f.doc.text,
                    )
                    for f in s.fields
                ),
            )
            for s in api.streamer.shapes
        ),
        operations=tuple(
            TsOperation(
                method_name=op.name.ts,
                op_literal=ts_string(op.name.idl),
                http=f"{op.method} {op.path}",
                params=", ".join(f"{p.name.ts}: {INPUT_TYPES[p.kind]}" for p in op.inputs),
                command=f"{naming.pascal(op.name.idl)}Command",
                command_fields=tuple(TsEntry(p.wire, p.name.ts) for p in op.inputs),
                connection_input=op.connection_input.ts,
                size_checked=tuple((p.name.ts, p.max_bytes_const) for p in op.size_checked),
                output_from_wire=f"{shapes[op.output.name.idl].name.ts}FromWire" if op.output else "",
                returns=op.output.class_name if op.output else "void",
                gone_is_success=op.gone_is_success,
                doc=op.doc.text,
            )
            for op in api.streamer.operations
        ),
        derived=tuple(
            TsDerived(
                function=d.name.ts,
                vectors_const=f"{d.name.const}_VECTORS",
                vectors=tuple(
                    TsVector(
                        doc=ts_string(v.doc.text),
                        inputs=tuple(
                            TsEntry(naming.ts_name(_idl_input_name(k)), ts_string(json.loads(val)))
                            for k, val in v.kwargs_py
                        ),
                        env=tuple(
                            TsEntry(ts_key(k), ts_string(val)) for k, val in sorted(json.loads(v.env_literal).items())
                        ),
                        expect=ts_string(json.loads(v.expect_literal)),
                    )
                    for v in d.vectors
                ),
            )
            for d in api.derived
        ),
        fixtures=tuple(TsFixture(ts_string(fx.id), ts_string(fx.file)) for fx in api.fixtures),
        fixtures_dir=ts_string(FIXTURES_FROM_DIST_TEST),
        gone_status=api.gone.status,
        gone_code=ts_string(api.gone.aws_code),
        gone_class=api.gone.class_name,
        gone_is_success_ops=tuple(op.name.idl for op in api.streamer.operations if op.gone_is_success),
        invalid_connection=api.management_invalid_connection,
        too_large_status=api.too_large.status,
        too_large_code=ts_string(api.too_large.aws_code),
        timeouts=(api.streamer.connect_timeout_ms, api.streamer.read_timeout_ms, api.streamer.call_deadline_ms),
        body_members=tuple(
            (
                f"{naming.pascal(op.name.idl)}Command",
                tuple((ts_array(f.json_path), ts_string(f.kind)) for f in op.output.fields),
            )
            for op in api.streamer.operations
            if op.output is not None
        ),
    )


def _container_vars(api: ir.Api) -> dict[tuple[str, ...], str]:
    """Variable of each container in the generated parser: `root` for the event, c0, c1... in IDL order."""
    names: dict[tuple[str, ...], str] = {(): "root"}
    for index, parts in enumerate(api.event_containers):
        names[tuple(parts)] = f"c{index}"
    return names


def _containers(api: ir.Api) -> tuple[TsContainer, ...]:
    names = _container_vars(api)
    seen: set[tuple[str, ...]] = {()}
    out = []
    for parts in api.event_containers:
        parent = tuple(parts[:-1])
        if parent not in seen:
            raise GenerateError(f"event container {'.'.join(parts)}: its parent is not a container listed before it")
        seen.add(tuple(parts))
        where = ".".join(parts)
        out.append(TsContainer(names[tuple(parts)], names[parent], ts_string(parts[-1]), ts_string(where), where))
    return tuple(out)


def _field(f: ir.ContextField, names: dict[tuple[str, ...], str]) -> TsField:
    def holder(path: tuple[str, ...]) -> str:
        parent = tuple(path[:-1])
        if parent not in names:
            raise GenerateError(f"context field {f.path_text}: {'.'.join(parent)} is not an event container")
        return names[parent]

    args = f"{holder(f.path)}, FIELD_{f.name.const}"
    if f.base64_flag_path:
        args += f", {holder(f.base64_flag_path)}"
    return TsField(
        name=f.name.ts,
        const=f"FIELD_{f.name.const}",
        type=FIELD_TYPES[f.kind][0],
        parse=FIELD_TYPES[f.kind][1],
        path=ts_array(f.path),
        path_text=f.path_text,
        required=_bool(f.required),
        trim=_bool(f.trim),
        lowercase_keys=_bool(f.lowercase_keys),
        flag=ts_array(f.base64_flag_path),
        doc=f.doc.text,
        key=ts_string(f.path[-1]),
        where=ts_string(".".join(f.path)),
        flag_key=ts_string(f.base64_flag_path[-1] if f.base64_flag_path else ""),
        args=args,
        lazy=f.kind == "bytes",
    )


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _marker(api: ir.Api) -> Callable[[str], str | None]:
    def marker(rel: str) -> str | None:
        if rel.endswith((".ts", "tsconfig.json")):
            return f"// {api.marker_text}"
        if rel.endswith((".yaml", ".prettierignore", ".npmrc")):
            return f"# {api.marker_text}"
        return None

    return marker


def _npm_json(text: str, rel: str, api: ir.Api) -> str:
    """package.json / package-lock.json: the IDL's package name, and the marker as a first "//" key.

    npm writes these files as JSON.stringify(value, null, 2) + newline; json.dumps(indent=2) prints the
    same bytes. The marker goes on the first line so every generated file starts with it.
    """
    data = json.loads(text)
    if not isinstance(data, dict):
        raise GenerateError(f"templates/ts/static/{rel} must hold a JSON object")
    data["name"] = api.ts_package
    packages = data.get("packages")
    if isinstance(packages, dict) and isinstance(packages.get(""), dict):
        packages[""]["name"] = api.ts_package
    body = json.dumps(data, indent=2, ensure_ascii=False)
    return "{" + f'"//": {json.dumps(api.marker_text)},' + body[1:] + "\n"


def files(env: jinja2.Environment, api: ir.Api) -> dict[str, str]:
    if not api.ts_package:
        raise GenerateError("the ts target needs targets.ts.package in the IDL")
    out: dict[str, str] = {}
    for rel, text in static_files("ts", _marker(api)).items():
        if rel in ("package.json", "package-lock.json"):
            text = _npm_json(text, rel, api)
        out[f"ts/{rel}"] = text
    view = build_view(api)
    for template, path in OUTPUTS:
        out[path] = render_template(env, template, api=api, ts=view)
    out.update(ts_store.files(env, api))  # the connection store (targets/ts_store.py)
    return out


TARGET = Target(name="ts", files=files)
