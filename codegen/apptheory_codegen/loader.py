"""Safe YAML loading that remembers the line of every mapping key and sequence item."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from apptheory_codegen.errors import IdlError, IdlProblem


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


for _loader in (_PyLineLoader, _LineLoader):
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(text: str, display_path: str) -> Any:
    """Parse YAML text safely; syntax errors and duplicate keys become IdlError with a line."""
    try:
        try:
            return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError:
            if _LineLoader is _PyLineLoader:
                raise
            return yaml.load(text, Loader=_PyLineLoader)  # noqa: S506 - same error, clearer message
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


def format_path(path: list[str | int]) -> str:
    """IDL path as text: streamer.operations[1].input."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out
