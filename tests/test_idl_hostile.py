"""Hostile IDLs: each is refused with one located line (no traceback, nothing written), or it is accepted
and every target's output compiles: Python imports and passes mypy --strict, Go passes `go vet` and
`go build`, TypeScript passes `tsc --noEmit`.

Refusal cases edit the real `idl/apptheory.yaml` (as in test_idl_validation.py) and assert exact messages;
the accepted cases are combined into one hostile IDL so the toolchains run once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from apptheory_codegen import cli, ir, loader, naming, validate
from apptheory_codegen.errors import IdlError
from apptheory_codegen.schema import MAX_SAFE_INTEGER

ROOT = Path(__file__).resolve().parent.parent
IDL = "idl/apptheory.yaml"
IDL_TEXT = (ROOT / IDL).read_text(encoding="utf-8")
# A doc/text line that occurs once in the real IDL, and the line holding it.
DOC_LINE = "      doc: Client User-Agent header.\n"
FIELD_LINE = "    - name: user_agent\n      type: string\n"


def mutate(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} must occur exactly once"
    return text.replace(old, new)


def line_of(text: str, anchor: str) -> int:
    assert text.count(anchor) == 1, f"anchor {anchor!r} must occur exactly once"
    return text[: text.index(anchor)].count("\n") + 1


def problems(text: str) -> list[str]:
    with pytest.raises(IdlError) as caught:
        validate.build(loader.load_yaml(text, IDL), IDL)
    return [str(p) for p in caught.value.problems]


# --- characters no target can carry ------------------------------------------------------------------

FORMAT = "an invisible format character (bidi controls can make code read unlike it compiles); not allowed"


@pytest.mark.parametrize(
    ("escape", "message"),
    [
        ("\\u202e", f"character 8 is U+202E RIGHT-TO-LEFT OVERRIDE, {FORMAT}"),
        ("\\u202a", f"character 8 is U+202A LEFT-TO-RIGHT EMBEDDING, {FORMAT}"),
        ("\\u2066", f"character 8 is U+2066 LEFT-TO-RIGHT ISOLATE, {FORMAT}"),
        ("\\u2069", f"character 8 is U+2069 POP DIRECTIONAL ISOLATE, {FORMAT}"),
        ("\\u200b", f"character 8 is U+200B ZERO WIDTH SPACE, {FORMAT}"),
        ("\\ufeff", f"character 8 is U+FEFF ZERO WIDTH NO-BREAK SPACE, {FORMAT}"),
        (
            "\\ud800",
            "character 8 is U+D800, a lone UTF-16 surrogate, not a character (no target can encode it); not allowed",
        ),
        ("\\x85", "character 8 is U+0085, a control character; not allowed"),
        ("\\ue000", "character 8 is U+E000, a private-use character; not allowed"),
        ("\\U000E0080", "character 8 is U+E0080, not a character assigned in Unicode 14.0.0; not allowed"),
        ("\\u202e\\u202c", f"character 8 is U+202E RIGHT-TO-LEFT OVERRIDE, {FORMAT} (and 1 more)"),
    ],
)
def test_a_doc_with_a_character_no_target_can_carry_is_refused(escape: str, message: str) -> None:
    text = mutate(IDL_TEXT, DOC_LINE, f'      doc: "Client {escape}User-Agent header."\n')
    at = line_of(text, '      doc: "Client')
    assert problems(text) == [f"{IDL}:{at}: context.fields[11].doc: {message}"]


def test_bidi_controls_in_a_name_a_message_text_and_a_vector_are_refused_all_at_once() -> None:
    text = mutate(IDL_TEXT, FIELD_LINE, '    - name: "user\\u2067_agent"\n      type: string\n')
    text = mutate(text, "      text: internal error\n", '      text: "internal \\u202d error"\n')
    text = mutate(text, "        expect: us-west-2\n", '        expect: "us-west-2\\u2068"\n')
    assert problems(text) == [
        f"{IDL}:{line_of(text, 'user' + chr(92))}: context.fields[11].name: "
        f"character 5 is U+2067 RIGHT-TO-LEFT ISOLATE, {FORMAT}",
        f"{IDL}:{line_of(text, 'us-west-2' + chr(92))}: derived[1].vectors[2].expect: "
        f"character 10 is U+2068 FIRST STRONG ISOLATE, {FORMAT}",
        f"{IDL}:{line_of(text, 'internal ' + chr(92))}: errors.messages[5].text: "
        f"character 10 is U+202D LEFT-TO-RIGHT OVERRIDE, {FORMAT}",
    ]


def test_a_refused_character_in_a_key_is_reported_escaped() -> None:
    text = mutate(IDL_TEXT, "{AWS_DEFAULT_REGION: us-west-2}}", '{"AWS\\u202e": us-west-2}}')
    assert problems(text) == [
        f'{IDL}:{line_of(text, "AWS" + chr(92))}: derived[1].vectors[2].input.env."AWS\\u202e": '
        f"key character 4 is U+202E RIGHT-TO-LEFT OVERRIDE, {FORMAT}"
    ]


def test_literals_keep_astral_characters_and_escape_the_rest_of_non_ascii() -> None:
    # One spelling valid in Python, Go and TypeScript: no UTF-16 surrogate escapes (invalid in Go).
    assert validate.literal("a \U0001f600 é \\ud83d") == '"a \U0001f600 \\u00e9 \\\\ud83d"'
    assert validate.literal({"k\u2028": "\U0001d518"}) == '{"k\\u2028": "\U0001d518"}'


# --- numbers and lengths ---------------------------------------------------------------------------


def test_a_limit_beyond_two_to_the_53_is_refused_and_the_maximum_is_accepted() -> None:
    text = mutate(IDL_TEXT, "    value: 131072\n", "    value: 99999999999999999999999999\n")
    assert problems(text) == [
        f"{IDL}:{line_of(text, '    value: 9999')}: limits[0].value: 99999999999999999999999999 must be at most "
        "9007199254740991 (2^53-1: the largest integer a TypeScript number holds exactly; Go's int64 holds it too)"
    ]
    ok = mutate(IDL_TEXT, "    value: 131072\n", f"    value: {MAX_SAFE_INTEGER}\n")
    assert validate.build(loader.load_yaml(ok, IDL), IDL).limits[0].value == MAX_SAFE_INTEGER


def test_an_integer_literal_too_long_for_python_is_refused_at_its_line() -> None:
    text = mutate(IDL_TEXT, "    value: 131072\n", f"    value: {'9' * 5000}\n")
    assert problems(text) == [
        f"{IDL}:{line_of(text, '    value: 9999')}: integer literal of 5000 characters; the limit is 40"
    ]


def test_a_million_character_name_is_refused_without_echoing_it() -> None:
    text = mutate(IDL_TEXT, FIELD_LINE, f"    - name: {'a' * 1_000_000}\n      type: string\n")
    assert problems(text) == [
        f"{IDL}:{line_of(text, '    - name: aaa')}: context.fields[11].name: "
        "is 1000000 characters long; the limit is 64"
    ]


def test_a_long_invalid_name_is_shortened_in_the_message() -> None:
    text = mutate(IDL_TEXT, FIELD_LINE, f"    - name: {'A' * 70}\n      type: string\n")
    assert problems(text) == [
        f'{IDL}:{line_of(text, "    - name: AAA")}: context.fields[11].name: "{"A" * 40}"... (70 characters) is not '
        "a snake_case name (lower-case letters, digits, single underscores, starting with a letter)",
        f"{IDL}:{line_of(text, '    - name: AAA')}: context.fields[11].name: is 70 characters long; the limit is 64",
    ]


# --- YAML bounds -----------------------------------------------------------------------------------


def _load_problems(text: str) -> list[str]:
    with pytest.raises(IdlError) as caught:
        loader.load_yaml(text, IDL)
    return [str(p) for p in caught.value.problems]


def test_an_alias_bomb_is_refused_before_it_expands() -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 12)]  # 9**12 items expanded
    assert _load_problems("\n".join(levels) + "\n") == [
        f"{IDL}:2: a1[0]: YAML aliases and merge keys are not allowed in the IDL "
        "(this repeats the value anchored on line 1); write the value out"
    ]


def test_aliases_and_merge_keys_are_refused_where_they_are_used() -> None:
    text = mutate(IDL_TEXT, "version: 1\n", "version: 1\nx-base: &base {mode: standard}\n")
    text = mutate(text, "  retry:\n    mode: standard\n", "  retry:\n    <<: *base\n")
    assert _load_problems(text) == [
        f"{IDL}:{line_of(text, '    <<: *base')}: streamer.retry.<<: YAML aliases and merge keys are not allowed in "
        "the IDL (this repeats the value anchored on line 4); write the value out"
    ]


@pytest.mark.parametrize("text", ["a: " + "[" * 100_000 + "]" * 100_000, "- " * 100_000 + "x\n"])
def test_deep_nesting_is_a_located_message_not_a_recursion_error(text: str) -> None:
    assert _load_problems(text) == [f"{IDL}:1: nested deeper than {loader.MAX_DEPTH} levels (the limit)"]


def test_nesting_just_over_the_limit_names_a_shortened_path() -> None:
    depth = loader.MAX_DEPTH
    assert _load_problems("a: " + "[" * depth + "]" * depth) == [
        f"{IDL}:1: a[0][0][0][0][0][0][0]....: nested deeper than {depth} levels (the limit)"
    ]


def test_a_document_over_one_mib_is_refused(tmp_path: Path) -> None:
    text = IDL_TEXT + "#" * loader.MAX_IDL_BYTES + "\n"
    size = len(text.encode())
    assert _load_problems(text) == [f"{IDL}:1: the IDL is {size} bytes; the limit is 1048576 (1 MiB)"]
    path = tmp_path / "big.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(IdlError) as caught:
        loader.load_file(path, IDL)
    assert [str(p) for p in caught.value.problems] == [
        f"{IDL}:1: the IDL is {size} bytes; the limit is 1048576 (1 MiB)"
    ]


def test_a_hostile_idl_on_the_command_line_prints_lines_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "idl").mkdir()
    bad = mutate(IDL_TEXT, DOC_LINE, '      doc: "Client \\ud800 header."\n')
    (tmp_path / IDL).write_text(bad, encoding="utf-8")
    assert cli.main(["generate", "--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    at = line_of(bad, '      doc: "Client')
    assert f"  {IDL}:{at}: context.fields[11].doc: character 8 is U+D800" in err
    assert not (tmp_path / "generated").exists()


# --- names that break a target's conventions: escaped, and the output still compiles -----------------


# MarshalXML/UnmarshalXML cannot arise (xml is not an initialism: marshal_xml is MarshalXml).
@pytest.mark.parametrize("name", sorted(naming.GO_METHOD_RESERVED - {"MarshalXML", "UnmarshalXML"}))
def test_go_method_names_with_a_fixed_meaning_are_escaped(name: str) -> None:
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_").replace("j_s_o_n", "json")
    assert naming.go_exported(snake) == f"{name}_"


# Context field names chosen to collide with something in at least one target: Go methods that vet
# checks or that give a type a meaning (error, Stringer, marshalers), keywords and builtins of the
# three languages, JavaScript's Object.prototype members, and the generated code's own locals.
HOSTILE_FIELDS = [
    "as",
    "is",
    "unwrap",
    "error",
    "string",
    "format",
    "go_string",
    "marshal_json",
    "unmarshal_json",
    "marshal_text",
    "unmarshal_text",
    "gob_encode",
    "gob_decode",
    "scan",
    "seek",
    "read_byte",
    "read_rune",
    "read_from",
    "write_to",
    "write_byte",
    "unread_byte",
    "unread_rune",
    "value",
    "to_string",
    "value_of",
    "has_own_property",
    "is_prototype_of",
    "to_locale_string",
    "constructor",
    "prototype",
    "proto",
    "self",
    "cls",
    "type",
    "class",
    "def",
    "import",
    "none",
    "true",
    "false",
    "null",
    "undefined",
    "delete",
    "new",
    "function",
    "func",
    "interface",
    "struct",
    "map",
    "chan",
    "range",
    "select",
    "package",
    "var",
    "let",
    "yield",
    "await",
    "async",
    "mro",
    "dict",
    "init",
    "slots",
    "get",
    "set",
    "any",
    "object",
    "event",
    "err",
    "ctx",
    "out",
    "f",
    "c",
    "v",
    "fields",
]
KINDS = ("string", "int", "bool", "bytes", "timestamp", "string_map", "multi_map", "json")
ASTRAL = "\U0001f600 \U0001d518nicode \u00e9 \u4e2d \u2713"


def hostile_idl() -> str:
    """The real IDL plus every accepted-but-hostile construct at once."""
    extra = "".join(
        f'    - name: "{name}"\n      type: {KINDS[i % len(KINDS)]}\n      from: requestContext.hostile.f{i}\n'
        f'      events: [MESSAGE]\n      doc: "{name} {ASTRAL} \\\\ \\" \' ` ${{x}} {{{{y}}}} %s //"\n'
        for i, name in enumerate(HOSTILE_FIELDS)
    )
    context_at = IDL_TEXT.index("\ncontext:\n")
    fields_at = IDL_TEXT.index("  fields:\n", context_at) + len("  fields:\n")
    text = IDL_TEXT[:fields_at] + extra + IDL_TEXT[fields_at:]
    text = mutate(text, "      text: internal error\n", f'      text: "internal error {ASTRAL}"\n')
    text = mutate(text, "      - doc: otherwise no region\n", f'      - doc: "otherwise no region {ASTRAL}"\n')
    text = mutate(
        text,
        "limits:\n",
        f'limits:\n  - name: error\n    value: {MAX_SAFE_INTEGER}\n    doc: "{ASTRAL}"\n'
        f"  - name: as\n    value: 1\n    doc: the smallest limit\n",
    )
    text = mutate(
        text,
        "routes:\n",
        "routes:\n"
        + "".join(
            f'  - name: {name}\n    key: {key}\n    event_type: MESSAGE\n    doc: "{ASTRAL}"\n'
            for name, key in (
                ("as", "as"),
                ("error", "Error"),
                ("constructor", "constructor"),
                ("is", "hasOwnProperty"),
            )
        ),
    )
    return text


def test_the_hostile_idl_is_accepted_with_escaped_names() -> None:
    api: ir.Api = validate.build(loader.load_yaml(hostile_idl(), IDL), IDL)
    by_idl = {f.name.idl: f.name for f in api.fields}
    assert (by_idl["as"].go, by_idl["as"].py, by_idl["as"].ts) == ("As_", "as_", "as_")
    assert (by_idl["error"].go, by_idl["error"].go_local) == ("Error_", "error_")
    assert by_idl["marshal_json"].go == "MarshalJSON_"
    assert api.limits[0].value == MAX_SAFE_INTEGER


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False, env=env, timeout=900)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"[-6000:]


def test_every_target_of_the_hostile_idl_compiles(tmp_path: Path) -> None:
    """Generate all three targets of the hostile IDL and compile each with its own toolchain."""
    (tmp_path / "idl").mkdir()
    (tmp_path / IDL).write_text(hostile_idl(), encoding="utf-8")
    shutil.copytree(ROOT / "contract-tests", tmp_path / "contract-tests")
    assert cli.main(["generate", "--root", str(tmp_path)]) == 0
    out = tmp_path / "generated"
    files = [p for p in out.rglob("*") if p.is_file()]
    assert any("\U0001f600" in p.read_text(encoding="utf-8") for p in files if p.suffix == ".go")

    python_out = out / "python"
    package = next(p for p in python_out.iterdir() if (p / "__init__.py").is_file())
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(python_out), str(ROOT / "runtime_py")])}
    modules = sorted(p.stem for p in package.glob("*.py") if p.stem != "__init__")
    imports = "; ".join(f"import {package.name}.{m}" for m in modules)
    _run([sys.executable, "-c", f"import {package.name}; {imports}"], tmp_path, env)
    mypy_env = {**env, "MYPYPATH": env["PYTHONPATH"]}
    config = ["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(tmp_path / "mypy-cache")]
    _run([sys.executable, "-m", "mypy", "--strict", *config, str(package)], ROOT, mypy_env)

    go_bin = shutil.which("go")
    if go_bin is not None:
        _run([go_bin, "vet", "./..."], out / "go")
        _run([go_bin, "build", "./..."], out / "go")

    node_modules = ROOT / "generated" / "ts" / "node_modules"
    tsc = node_modules / ".bin" / "tsc"
    if tsc.exists():
        (out / "ts" / "node_modules").symlink_to(node_modules, target_is_directory=True)
        _run([str(tsc), "--noEmit", "-p", "."], out / "ts")
    if go_bin is None or not tsc.exists():
        pytest.skip("Python checked; Go toolchain or generated/ts/node_modules missing (run npm ci in generated/ts)")
