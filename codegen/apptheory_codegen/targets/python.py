"""Python target: generated/python/<package>/ and its pytest modules, formatted with black."""

from __future__ import annotations

import jinja2

from apptheory_codegen import ir
from apptheory_codegen.errors import GenerateError
from apptheory_codegen.targets.base import Target, render_template

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
    ("python/test_contract_fixtures.py.j2", "python/tests/test_contract_fixtures.py"),
    ("python/test_derived_values.py.j2", "python/tests/test_derived_values.py"),
)


def format_python(source: str, where: str) -> str:
    import black  # imported here: only generation pays black's import cost
    from black.mode import TargetVersion

    mode = black.Mode(target_versions={TargetVersion.PY311}, line_length=BLACK_LINE_LENGTH)
    try:
        return black.format_str(source, mode=mode)
    except Exception as err:  # black raises several parse error types
        raise GenerateError(f"{where}: rendered Python does not parse: {err}") from None


def files(env: jinja2.Environment, api: ir.Api) -> dict[str, str]:
    out: dict[str, str] = {}
    for template, pattern in OUTPUTS:
        path = pattern.format(pkg=api.py_package)
        text = render_template(env, template, api=api)
        if path.endswith(".py"):
            text = format_python(text, f"{path} (from template {template})")
        out[path] = text
    return out


TARGET = Target(name="python", files=files)
