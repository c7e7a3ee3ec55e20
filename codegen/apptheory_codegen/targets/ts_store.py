"""TypeScript target, connection store: src/generated/store.ts (the record, ConnectionStore, in-memory, fake,
DynamoDB). A separate module from ts.py: this view only reads the IR's `connections` and `store` sections."""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import SimpleNamespace

import jinja2

from apptheory_codegen import ir
from apptheory_codegen.targets.base import render_template

OUTPUTS = (("ts/store.ts.j2", "ts/src/generated/store.ts"),)

TS_RECORD_TYPES = {
    "string": "string",
    "timestamp": "Date | null",
    "string_map": "{ readonly [key: string]: string }",
    "string_list": "readonly string[]",
    "json_map": "{ readonly [key: string]: JsonValue }",
}
TS_DEFAULTS = {
    "string": '""',
    "timestamp": "null",
    "string_map": "{}",
    "string_list": "[]",
    "json_map": "{}",
    "principal": "null",
}


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    idl: str
    ts_type: str
    default: str
    doc: str
    kind: str
    attribute: str
    ttl: bool


@dataclass(frozen=True, slots=True)
class ErrorView:
    class_name: str
    codes: str
    retryable: str
    doc: str


@dataclass(frozen=True, slots=True)
class OpView:
    idl: str
    method: str
    doc: str
    errors: str


def _members(fields: tuple[ir.RecordField, ...], principal_class: str) -> tuple[Member, ...]:
    return tuple(
        Member(
            name=f.name.ts,
            idl=f.name.idl,
            ts_type=f"{principal_class} | null" if f.kind == "principal" else TS_RECORD_TYPES[f.kind],
            default=TS_DEFAULTS[f.kind],
            doc=f.doc.text.rstrip(),
            kind=f.kind,
            attribute=f.attribute_literal,
            ttl=f.ttl,
        )
        for f in fields
    )


def _method(snake: str) -> str:
    """A method name: camelCase, reserved words kept (get and delete are valid member names, as in Map)."""
    words = snake.split("_")
    return words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:])


def _array(codes: list[str]) -> str:
    """A string array as prettier prints it after `  static override readonly CODES: readonly string[] = `."""
    one_line = "[" + ", ".join(f'"{c}"' for c in codes) + "]"
    if len("  static override readonly CODES: readonly string[] = ") + len(one_line) + 1 <= 120:
        return one_line
    return "[\n" + "".join(f'    "{c}",\n' for c in codes) + "  ]"


def build(api: ir.Api) -> SimpleNamespace:
    conn = api.connections
    store = api.store
    by_idl = {f.name.idl: f for f in conn.fields}
    ops = {
        o.name.idl: OpView(
            idl=f'"{o.name.idl}"',
            method=_method(o.name.idl),
            doc=o.doc.text.rstrip(),
            errors=", ".join(f'"{e.class_name}"' for e in o.errors),
        )
        for o in store.operations
    }
    return SimpleNamespace(
        marker=f"// {api.marker_text}",
        store_doc=store.doc.text.rstrip(),
        conn_class=conn.class_name,
        conn_doc=conn.doc.text.rstrip(),
        fields=_members(conn.fields, conn.principal_class),
        principal_class=conn.principal_class,
        principal_doc=conn.principal_doc.text.rstrip(),
        principal_fields=_members(conn.principal_fields, conn.principal_class),
        key=conn.key.name.ts,
        user=by_idl["user_id"].name.ts,
        tenant=by_idl["tenant_id"].name.ts,
        created=conn.created.name.ts,
        ttl=conn.ttl.name.ts,
        ttl_attribute=conn.ttl.attribute_literal,
        lifetime_seconds=conn.lifetime_seconds,
        table_env=store.table_env_literal,
        partition_key=conn.partition_key_literal,
        sort_key=conn.sort_key_literal,
        item_prefix=conn.item_prefix_literal,
        item_sort=conn.item_sort_literal,
        counter_partition=conn.counter_partition_literal,
        counter_sort=conn.counter_sort_literal,
        counter_attribute=conn.counter_attribute_literal,
        indexes=tuple(
            SimpleNamespace(
                idl=f'"{x.name.idl}"',
                name=x.index_name_literal,
                attribute=x.field.attribute_literal,
                sort_attribute=x.sort_field.attribute_literal,
                doc=x.doc.text.rstrip(),
            )
            for x in conn.indexes
        ),
        index_of=SimpleNamespace(
            **{o.name.idl: f'"{o.index.name.idl}"' for o in store.operations if o.index is not None}
        ),
        error_base=store.error_base,
        errors=tuple(
            ErrorView(
                class_name=e.class_name,
                codes=_array(re.findall(r'"([A-Za-z0-9_.]+)"', e.aws_codes_literal)),
                retryable="true" if e.retryable else "false",
                doc=e.doc.text.rstrip(),
            )
            for e in store.errors
        ),
        network=store.error_network,
        ops=tuple(ops.values()),
        op=SimpleNamespace(**ops),
    )


def files(env: jinja2.Environment, api: ir.Api) -> dict[str, str]:
    view = build(api)
    return {path: render_template(env, template, s=view) for template, path in OUTPUTS}
