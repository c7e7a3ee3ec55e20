"""What every target shares: rendering a template, copying static sources with the marker."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jinja2

from apptheory_codegen import ir
from apptheory_codegen.errors import GenerateError

TEMPLATES_DIR = Path(__file__).resolve().parent.parent.parent / "templates"


def cache_dir(kind: str) -> Path:
    """Where the generator memoizes pure results (formatter output, compiled templates); never required."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "apptheory" / kind


@dataclass(frozen=True, slots=True)
class Target:
    """A language target: its name (the IDL `targets` key) and a function producing its files."""

    name: str
    files: Callable[[jinja2.Environment, ir.Api], dict[str, str]]


@dataclass(frozen=True, slots=True)
class Container:
    """A mapping on the way to context fields, read once per event (e.g. requestContext.identity),
    named in the target language: `var` is read from `parent_var` under `key_literal`."""

    var: str
    parent_var: str
    key_literal: str
    path_literal: str


def render_template(env: jinja2.Environment, template: str, **context: object) -> str:
    try:
        return env.get_template(template).render(**context)
    except jinja2.TemplateError as err:
        raise GenerateError(f"template {template}: {err}") from None


def static_files(lang: str, marker: Callable[[str], str | None]) -> dict[str, str]:
    """IDL-independent sources under templates/<lang>/static/, each with the marker line prepended.

    `marker(relative_path)` returns the first line to add, or None for files that cannot carry one
    (e.g. go.sum, JSON).
    """
    root = TEMPLATES_DIR / lang / "static"
    files: dict[str, str] = {}
    if not root.is_dir():
        return files
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8")
        line = marker(rel)
        files[rel] = f"{line}\n{text}" if line is not None else text
    return files
