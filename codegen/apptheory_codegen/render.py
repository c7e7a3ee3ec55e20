"""Load the project (IDL + fixture list) and render every enabled target; nothing touches disk."""

from __future__ import annotations

import json
from pathlib import Path

import jinja2
import jsonschema

from apptheory_codegen import ir, loader, validate
from apptheory_codegen.errors import GenerateError
from apptheory_codegen.targets import TARGETS
from apptheory_codegen.targets.base import TEMPLATES_DIR, cache_dir

IDL_RELATIVE = "idl/apptheory.yaml"
FIXTURES_RELATIVE = "contract-tests/fixtures"
FIXTURE_SCHEMA_RELATIVE = "contract-tests/fixture.schema.json"
OUT_RELATIVE = "generated"


def _environment() -> jinja2.Environment:
    if not TEMPLATES_DIR.is_dir():
        raise GenerateError(f"templates not found at {TEMPLATES_DIR}; is the codegen/ checkout complete?")
    bytecode_dir = cache_dir("jinja")
    try:
        bytecode_dir.mkdir(parents=True, exist_ok=True)
        bytecode_cache: jinja2.BytecodeCache | None = jinja2.FileSystemBytecodeCache(str(bytecode_dir))
    except OSError:
        bytecode_cache = None  # compiling every template costs time, nothing else
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        bytecode_cache=bytecode_cache,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - output is source code; every IDL string arrives pre-escaped in the IR
    )


def load_fixtures(root: Path) -> tuple[ir.Fixture, ...]:
    """List contract fixtures (sorted), each validated against the fixture schema."""
    fixtures_dir = root / FIXTURES_RELATIVE
    if not fixtures_dir.is_dir():
        return ()
    schema_path = root / FIXTURE_SCHEMA_RELATIVE
    validator = None
    if schema_path.is_file():
        validator = jsonschema.Draft202012Validator(json.loads(schema_path.read_text(encoding="utf-8")))
    found: list[ir.Fixture] = []
    seen: dict[str, str] = {}
    problems: list[str] = []
    for path in sorted(fixtures_dir.glob("*.json")):
        rel = f"{FIXTURES_RELATIVE}/{path.name}"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            problems.append(f"{rel}: not valid JSON: {err}")
            continue
        if validator is not None:
            for issue in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
                where = loader.format_path(list(issue.absolute_path)) or "(top level)"
                problems.append(f"{rel}: {where}: {issue.message}")
        fixture_id = data.get("id") if isinstance(data, dict) else None
        if not isinstance(fixture_id, str):
            continue
        if fixture_id in seen:
            problems.append(f"{rel}: duplicate fixture id {fixture_id!r} (also in {seen[fixture_id]})")
        seen[fixture_id] = rel
        found.append(
            ir.Fixture(
                file=path.name,
                file_literal=validate.literal(path.name),
                id=fixture_id,
                id_literal=validate.literal(fixture_id),
            )
        )
    if problems:
        raise GenerateError("invalid contract fixtures:\n" + "\n".join(f"  {p}" for p in problems))
    return tuple(found)


def load_api(root: Path, idl_relative: str = IDL_RELATIVE) -> ir.Api:
    """Load, validate and resolve the IDL (and fixture list) of a project root."""
    doc = loader.load_file(root / idl_relative, idl_relative)
    return validate.build(doc, idl_relative, load_fixtures(root))


def render(api: ir.Api) -> dict[str, str]:
    """Every generated file as {path relative to generated/: content}; nothing touches disk."""
    env = _environment()
    files: dict[str, str] = {}
    for target in TARGETS:
        if target.name in api.targets:
            files.update(target.files(env, api))
    return dict(sorted(files.items()))
