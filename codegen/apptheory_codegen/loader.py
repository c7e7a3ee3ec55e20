"""Safe YAML loading that remembers the line of every mapping key and sequence item.

Bounded before anything is built: document size, nesting depth, and no YAML aliases (an alias bomb
is refused in one pass over the composed nodes, before any value is constructed or expanded).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from apptheory_codegen.errors import IdlError, IdlProblem

# The real IDL is ~15 KB and 7 levels deep; these bounds are far above any real IDL and far below harm.
MAX_IDL_BYTES = 1024 * 1024
MAX_DEPTH = 64


class LineMap(dict[str, Any]):
    """A YAML mapping; `key_lines[key]` is the 1-based line of each key, `line` of the mapping."""

    line: int
    key_lines: dict[str, int]


class LineList(list[Any]):
    """A YAML sequence; `item_lines[i]` is the 1-based line of item i, `line` of the sequence."""

    line: int
    item_lines: list[int]


class _DuplicateKey(Exception):
    def __init__(self, key: str, line: int, first_line: int) -> None:
        super().__init__(key)
        self.key, self.line, self.first_line = key, line, first_line


class _Refused(Exception):
    """The YAML is well formed but outside the loader's bounds; `line` is 1-based."""

    def __init__(self, line: int, path: list[str | int], message: str) -> None:
        super().__init__(message)
        self.line, self.path, self.message = line, path, message


class _PyLineLoader(yaml.SafeLoader):
    """SafeLoader (no arbitrary objects) whose containers carry line numbers; duplicate keys fail."""


# libyaml's parser when PyYAML was built with it (several times faster), with the same constructors.
# Syntax errors are re-parsed with the pure-Python loader, whose messages say what was found.
_LineLoader: Any = _PyLineLoader
if hasattr(yaml, "CSafeLoader"):

    class _CLineLoader(yaml.CSafeLoader):
        """The same loader on libyaml's parser."""

    _LineLoader = _CLineLoader


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LineMap:
    loader.flatten_mapping(node)
    result = LineMap()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            key = str(key)
        line = key_node.start_mark.line + 1
        if key in result.key_lines:
            raise _DuplicateKey(key, line, result.key_lines[key])
        result.key_lines[key] = line
        result[key] = loader.construct_object(value_node, deep=True)
    return result


def _construct_sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


MAX_INT_DIGITS = 40


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    # Python refuses to parse integers over 4300 digits with a bare ValueError; refuse long ones here.
    if len(str(node.value)) > MAX_INT_DIGITS:
        raise _Refused(
            node.start_mark.line + 1,
            [],
            f"integer literal of {len(str(node.value))} characters; the limit is {MAX_INT_DIGITS}",
        )
    value: int = loader.construct_yaml_int(node)
    return value


for _loader in (_PyLineLoader, _LineLoader):
    _loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def _check_nodes(root: yaml.Node) -> None:
    """Refuse aliases and over-deep nesting, walking the composed nodes once (iteratively)."""
    seen: set[int] = set()
    # (node, depth, IDL path, line of what refers to it: its key, or its sequence)
    stack: list[tuple[yaml.Node, int, list[str | int], int]] = [(root, 1, [], root.start_mark.line + 1)]
    while stack:
        node, depth, path, line = stack.pop()
        if id(node) in seen:
            # A node reached twice is an alias (*name) or a merge (<<): refused, so nothing can expand.
            raise _Refused(
                line,
                path,
                f"YAML aliases and merge keys are not allowed in the IDL (this repeats the value anchored on "
                f"line {node.start_mark.line + 1}); write the value out",
            )
        seen.add(id(node))
        if depth > MAX_DEPTH:
            shown = path if len(path) <= 8 else [*path[:8], "..."]
            raise _Refused(node.start_mark.line + 1, shown, f"nested deeper than {MAX_DEPTH} levels (the limit)")
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in reversed(node.value):
                key_line = key_node.start_mark.line + 1
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
                stack.append((value_node, depth + 1, [*path, key], key_line))
                stack.append((key_node, depth + 1, [*path, key], key_line))
        elif isinstance(node, yaml.SequenceNode):
            # An alias item's marks are its anchor's, so an item is located by its sequence's line.
            seq_line = node.start_mark.line + 1
            for index, child in reversed(list(enumerate(node.value))):
                stack.append((child, depth + 1, [*path, index], seq_line))


def _load_bounded(loader_class: Any, text: str) -> Any:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_nodes(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def load_yaml(text: str, display_path: str) -> Any:
    """Parse YAML text safely; syntax errors, duplicate keys and refused input become IdlError with a line."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_IDL_BYTES:
        raise IdlError(
            [IdlProblem(display_path, 1, "", f"the IDL is {size} bytes; the limit is {MAX_IDL_BYTES} (1 MiB)")]
        )
    try:
        try:
            return _load_bounded(_LineLoader, text)
        except yaml.YAMLError as c_error:
            if _LineLoader is _PyLineLoader:
                raise
            if "maximum nesting depth" in str(c_error):
                # libyaml stops at 1000 levels; the pure-Python parser would recurse until RecursionError.
                mark = getattr(c_error, "problem_mark", None)
                line = mark.line + 1 if mark is not None else 1
                raise _Refused(line, [], f"nested deeper than {MAX_DEPTH} levels (the limit)") from None
            try:
                return _load_bounded(_PyLineLoader, text)  # same error, clearer message
            except RecursionError:
                raise c_error from None
    except _Refused as refused:
        raise IdlError([IdlProblem(display_path, refused.line, format_path(refused.path), refused.message)]) from None
    except _DuplicateKey as dup:
        raise IdlError(
            [
                IdlProblem(
                    display_path,
                    dup.line,
                    "",
                    f"duplicate key {dup.key!r} (first defined on line {dup.first_line})",
                )
            ]
        ) from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise IdlError([IdlProblem(display_path, line, "", f"YAML syntax error: {err.problem or err}")]) from None
    except yaml.YAMLError as err:
        raise IdlError([IdlProblem(display_path, 1, "", f"YAML error: {err}")]) from None


def load_file(path: Path, display_path: str) -> Any:
    """Read and parse one IDL file."""
    try:
        size = path.stat().st_size
        if size > MAX_IDL_BYTES:
            problem = f"the IDL is {size} bytes; the limit is {MAX_IDL_BYTES} (1 MiB)"
            raise IdlError([IdlProblem(display_path, 1, "", problem)])
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise IdlError([IdlProblem(display_path, 1, "", f"cannot read IDL file: {err}")]) from None
    return load_yaml(text, display_path)


def line_of(root: Any, path: list[str | int]) -> int:
    """Best line for an IDL path: the deepest container or key on it that carries a line."""
    line = getattr(root, "line", 1)
    node = root
    for part in path:
        if isinstance(node, LineMap) and isinstance(part, str) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line


def _path_part(part: str) -> str:
    # A key is printed as it is only when that is plain printable ASCII; anything else is quoted and escaped,
    # so a message never carries control, bidi or other invisible characters to the terminal.
    return part if part.isascii() and part.isprintable() and part else json.dumps(part)


def format_path(path: list[str | int]) -> str:
    """IDL path as text: streamer.operations[1].input."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = _path_part(part)
            out += f".{text}" if out else text
    return out
