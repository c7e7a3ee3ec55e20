"""Python target: generated/python/<package>/ and its pytest modules, formatted with black."""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
from dataclasses import dataclass

import jinja2

from apptheory_codegen import ir, validate
from apptheory_codegen.errors import GenerateError
from apptheory_codegen.targets.base import Container, Target, cache_dir, render_template

BLACK_LINE_LENGTH = 100

# (template, output path relative to generated/; {pkg} is the Python package)
OUTPUTS = (
    ("python/__init__.py.j2", "python/{pkg}/__init__.py"),
    ("python/py.typed.j2", "python/{pkg}/py.typed"),
    ("python/constants.py.j2", "python/{pkg}/constants.py"),
    ("python/context.py.j2", "python/{pkg}/context.py"),
    ("python/errors.py.j2", "python/{pkg}/errors.py"),
    ("python/streamer.py.j2", "python/{pkg}/streamer.py"),
    ("python/fake.py.j2", "python/{pkg}/fake.py"),
    ("python/store.py.j2", "python/{pkg}/store.py"),
    ("python/dynamodb.py.j2", "python/{pkg}/dynamodb.py"),
    ("python/test_contract_fixtures.py.j2", "python/tests/test_contract_fixtures.py"),
    ("python/test_derived_values.py.j2", "python/tests/test_derived_values.py"),
)


def format_python(source: str, where: str) -> str:
    """black's output for `source`, memoized on disk by a hash of (black version, mode, source).

    black is a pure function of those inputs, so a cache hit returns exactly what black would; the
    cache only makes repeated generate/check runs fast. Any cache problem falls back to black.
    """
    version = importlib.metadata.version("black")
    key = hashlib.sha256(f"{version}\0py311\0{BLACK_LINE_LENGTH}\0{source}".encode()).hexdigest()
    cached = cache_dir("black") / f"{key}.py"
    try:
        return cached.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        pass
    import black  # imported only on a cache miss: black's import is most of a warm run's cost
    from black.mode import TargetVersion

    mode = black.Mode(target_versions={TargetVersion.PY311}, line_length=BLACK_LINE_LENGTH)
    try:
        formatted: str = black.format_str(source, mode=mode)
    except Exception as err:  # black raises several parse error types
        raise GenerateError(f"{where}: rendered Python does not parse: {err}") from None
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_name(f".{key}.{os.getpid()}.tmp")
        tmp.write_bytes(formatted.encode("utf-8"))
        os.replace(tmp, cached)
    except OSError:
        pass  # a read-only home or full disk only costs speed
    return formatted


@dataclass(frozen=True, slots=True)
class FieldRead:
    """How the generated parser reads one context field: from which container, with which options."""

    field: ir.ContextField
    container_var: str
    key_literal: str
    path_literal: str
    expr: str
    slot: str
    lazy: bool


def _container_var(parts: tuple[str, ...]) -> str:
    return "event" if not parts else "c_" + "_".join(p.lower() for p in parts)


def context_reads(api: ir.Api) -> tuple[tuple[Container, ...], tuple[FieldRead, ...]]:
    """Containers (parents first) and per-field reads for the straight-line event parser."""
    containers = tuple(
        Container(
            var=_container_var(parts),
            parent_var=_container_var(parts[:-1]),
            key_literal=validate.literal(parts[-1]),
            path_literal=validate.literal(".".join(parts)),
        )
        for parts in api.event_containers
    )
    reads = tuple(
        FieldRead(
            field=f,
            container_var=_container_var(f.path[:-1]),
            key_literal=validate.literal(f.path[-1]),
            path_literal=validate.literal(f.path_text),
            expr=_read_expr(f),
            slot=f"_{f.name.idl}_ms" if f.kind == "timestamp" else f.name.py,
            lazy=f.kind == "timestamp",
        )
        for f in api.fields
    )
    return containers, reads


def _read_expr(f: ir.ContextField) -> str:
    """The expression that reads one field; optional strings get an inline fast path (the hot case)."""
    value = f"{_container_var(f.path[:-1])}.get({validate.literal(f.path[-1])})"
    reader = "_epoch_ms" if f.kind == "timestamp" else f.py_parse  # timestamps: validated now, converted on read
    call = f"{reader}({{}}, {validate.literal(f.path_text)}{_extra_args(f)})"
    if f.kind == "string" and not f.required:
        fast = "v.strip()" if f.trim else "v"
        return f"{fast} if type(v := {value}) is str else {call.format('v')}"
    return call.format(value)


def _extra_args(f: ir.ContextField) -> str:
    """Arguments after (value, path) for the field's reader in context.py.j2."""
    if f.kind == "string":
        return f", {f.required}, {f.trim}"
    if f.kind in ("string_map", "multi_map"):
        return f", {f.lowercase_keys}"
    if f.kind == "bytes":
        if not f.base64_flag_path:
            return ", False"
        flag = f.base64_flag_path
        return (
            f", _boolean({_container_var(flag[:-1])}.get({validate.literal(flag[-1])}), "
            f"{validate.literal('.'.join(flag))})"
        )
    return ""


def files(env: jinja2.Environment, api: ir.Api) -> dict[str, str]:
    out: dict[str, str] = {}
    containers, reads = context_reads(api)
    for template, pattern in OUTPUTS:
        path = pattern.format(pkg=api.py_package)
        text = render_template(env, template, api=api, containers=containers, reads=reads)
        if path.endswith(".py"):
            text = format_python(text, f"{path} (from template {template})")
        out[path] = text
    return out


TARGET = Target(name="python", files=files)
