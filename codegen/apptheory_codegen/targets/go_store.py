"""Go target, connection store: generated/go/connections/ (the record, ConnectionStore, in-memory, fake, DynamoDB).

A separate module from go.py: this view only reads the IR's `connections` and `store` sections. The
templates emit gofmt-canonical Go; struct members and const blocks are padded here as gofmt aligns them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import SimpleNamespace

import jinja2

from apptheory_codegen import ir
from apptheory_codegen.errors import GenerateError
from apptheory_codegen.targets.base import render_template

# (template, output path relative to generated/)
OUTPUTS = (
    ("go/connections_store.go.j2", "go/connections/store.go"),
    ("go/connections_dynamodb.go.j2", "go/connections/dynamodb.go"),
    ("go/connections_names_test.go.j2", "go/connections/names_test.go"),
)

GO_RECORD_TYPES = {
    "string": "string",
    "timestamp": "time.Time",
    "string_map": "map[string]string",
    "string_list": "[]string",
    "json_map": "map[string]any",
}
# Exported names the static sources of package connections define; IDL classes may not take them.
STATIC_NAMES = frozenset({"EncodePythonJSON", "DecodeJSON"})


@dataclass(frozen=True, slots=True)
class Member:
    """A struct member: Go name padded as gofmt aligns it, its type, its doc; plus its table form."""

    name: str
    json_key: str
    """`"idl": ` padded as gofmt aligns the members of a map literal."""
    lit_key: str
    """`Name: ` padded as gofmt aligns the members of a struct literal."""
    go_type: str
    doc: str
    idl: str
    kind: str
    attribute_literal: str
    ttl: bool


@dataclass(frozen=True, slots=True)
class StoreErrorView:
    class_name: str
    class_literal: str
    sentinel: str
    sentinel_text: str
    codes: tuple[str, ...]
    retryable: bool
    doc: str


@dataclass(frozen=True, slots=True)
class OpView:
    const: str
    const_padded: str
    idl_literal: str
    method: str
    doc: str
    errors: tuple[str, ...]
    """Go string literals of the error class names the operation declares."""


@dataclass(frozen=True, slots=True)
class IndexView:
    const: str
    index_name_literal: str
    attribute_literal: str
    sort_attribute_literal: str
    field: str
    doc: str


@dataclass(frozen=True, slots=True)
class GoStore:
    marker: str
    module: str
    store_doc: str
    conn_class: str
    conn_doc: str
    fields: tuple[Member, ...]
    principal_class: str
    principal_doc: str
    principal_fields: tuple[Member, ...]
    key: str
    user: str
    tenant: str
    created: str
    ttl: str
    principal: str
    metadata: str
    lifetime_seconds: int
    table_env_literal: str
    partition_key_literal: str
    sort_key_literal: str
    item_prefix_literal: str
    item_sort_literal: str
    counter_partition_literal: str
    counter_sort_literal: str
    counter_attribute_literal: str
    indexes: tuple[IndexView, ...]
    error_base: str
    error_base_sentinel: str
    errors: tuple[StoreErrorView, ...]
    network: str
    ops: tuple[OpView, ...]
    op: SimpleNamespace
    """Operations by IDL name as attributes (s.op.save); a dict's get/delete would be its methods."""
    list_by_user_index: str
    list_by_tenant_index: str


def _stem(class_name: str) -> str:
    return class_name.removesuffix("Error") or class_name


def _words(class_name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", " ", _stem(class_name)).lower()


def _members(fields: tuple[ir.RecordField, ...], principal_class: str) -> tuple[Member, ...]:
    go_width = max(len(f.name.go) for f in fields) + 1
    idl_width = max(len(f.name.idl) for f in fields) + 3
    out = []
    for f in fields:
        go_type = "*" + principal_class if f.kind == "principal" else GO_RECORD_TYPES[f.kind]
        out.append(
            Member(
                name=f.name.go,
                json_key=f'"{f.name.idl}":'.ljust(idl_width) + " ",
                lit_key=f"{f.name.go}:".ljust(go_width) + " ",
                go_type=go_type,
                doc=f.doc.text.rstrip(),
                idl=f.name.idl,
                kind=f.kind,
                attribute_literal=f.attribute_literal,
                ttl=f.ttl,
            )
        )
    return tuple(out)


def build(api: ir.Api, marker: str) -> GoStore:
    conn = api.connections
    store = api.store
    by_idl = {f.name.idl: f for f in conn.fields}
    base_sentinel = "ErrConnectionStore"
    errors = tuple(
        StoreErrorView(
            class_name=e.class_name,
            class_literal=f'"{e.class_name}"',
            sentinel=f"Err{_stem(e.class_name)}",
            sentinel_text=f'"connection store error: {_words(e.class_name)}"',
            codes=tuple(f'"{c}"' for c in _codes(e.aws_codes_literal)),
            retryable=e.retryable,
            doc=e.doc.text.rstrip(),
        )
        for e in store.errors
    )
    consts = [f"Op{o.name.go}" for o in store.operations]
    width = max(len(c) for c in consts)
    ops = tuple(
        OpView(
            const=c,
            const_padded=f"{c}:".ljust(width + 1),
            idl_literal=f'"{o.name.idl}"',
            method=o.name.go,
            doc=o.doc.text.rstrip(),
            errors=tuple(f'"{e.class_name}"' for e in o.errors),
        )
        for c, o in zip(consts, store.operations, strict=True)
    )
    indexes = tuple(
        IndexView(
            const=f"Index{x.name.go}",
            index_name_literal=x.index_name_literal,
            attribute_literal=x.field.attribute_literal,
            sort_attribute_literal=x.sort_field.attribute_literal,
            field=x.field.name.go,
            doc=x.doc.text.rstrip(),
        )
        for x in conn.indexes
    )
    op_by_idl = {o.name.idl: v for o, v in zip(store.operations, ops, strict=True)}
    index_of = {o.name.idl: f"Index{o.index.name.go}" for o in store.operations if o.index is not None}
    names = [conn.class_name, conn.principal_class, store.error_base, base_sentinel]
    names += [e.class_name for e in errors] + [e.sentinel for e in errors] + consts
    names += [x.const for x in indexes]
    clash = sorted({n for n in names if names.count(n) > 1 or n in STATIC_NAMES})
    if clash:
        raise GenerateError(f"Go target: connection store names clash in package connections: {', '.join(clash)}")
    return GoStore(
        marker=marker,
        module=api.go_module,
        store_doc=store.doc.text.rstrip(),
        conn_class=conn.class_name,
        conn_doc=conn.doc.text.rstrip(),
        fields=_members(conn.fields, conn.principal_class),
        principal_class=conn.principal_class,
        principal_doc=conn.principal_doc.text.rstrip(),
        principal_fields=_members(conn.principal_fields, conn.principal_class),
        key=conn.key.name.go,
        user=by_idl["user_id"].name.go,
        tenant=by_idl["tenant_id"].name.go,
        created=conn.created.name.go,
        ttl=conn.ttl.name.go,
        principal=by_idl["principal"].name.go,
        metadata=by_idl["metadata"].name.go,
        lifetime_seconds=conn.lifetime_seconds,
        table_env_literal=store.table_env_literal,
        partition_key_literal=conn.partition_key_literal,
        sort_key_literal=conn.sort_key_literal,
        item_prefix_literal=conn.item_prefix_literal,
        item_sort_literal=conn.item_sort_literal,
        counter_partition_literal=conn.counter_partition_literal,
        counter_sort_literal=conn.counter_sort_literal,
        counter_attribute_literal=conn.counter_attribute_literal,
        indexes=indexes,
        error_base=store.error_base,
        error_base_sentinel=base_sentinel,
        errors=errors,
        network=store.error_network,
        ops=ops,
        op=SimpleNamespace(**op_by_idl),
        list_by_user_index=index_of["list_by_user"],
        list_by_tenant_index=index_of["list_by_tenant"],
    )


def _codes(tuple_literal: str) -> list[str]:
    """The codes of a Python tuple literal of plain identifiers, e.g. ("A", "B")."""
    return re.findall(r'"([A-Za-z0-9_.]+)"', tuple_literal)


def files(env: jinja2.Environment, api: ir.Api, marker: str) -> dict[str, str]:
    view = build(api, marker)
    return {path: render_template(env, template, s=view) for template, path in OUTPUTS}
