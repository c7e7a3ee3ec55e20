"""Write generated files (only those that changed, each atomically) and detect drift."""

from __future__ import annotations

import difflib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Files under generated/ that tools other than the generator create; never drift.
IGNORED_PARTS = frozenset({"__pycache__", ".mypy_cache", ".pytest_cache", "node_modules", ".ruff_cache", "dist"})
IGNORED_SUFFIXES = (".pyc",)


@dataclass(frozen=True, slots=True)
class Drift:
    path: str
    kind: str  # "changed", "missing" or "extra"
    diff: str


def _owned_files(out_dir: Path) -> set[str]:
    if not out_dir.is_dir():
        return set()
    found = set()
    for path in out_dir.rglob("*"):
        rel = path.relative_to(out_dir)
        if path.is_dir() or IGNORED_PARTS.intersection(rel.parts) or path.name.endswith(IGNORED_SUFFIXES):
            continue
        found.add(rel.as_posix())
    return found


def _atomic_write(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write(out_dir: Path, files: dict[str, str]) -> tuple[list[str], list[str]]:
    """Make out_dir hold exactly `files`; returns (written, removed) relative paths."""
    written: list[str] = []
    for rel, content in files.items():
        target = out_dir / rel
        try:
            current = target.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            current = None
        if current != content:
            _atomic_write(target, content)
            written.append(rel)
    removed = sorted(_owned_files(out_dir) - set(files))
    for rel in removed:
        (out_dir / rel).unlink()
    return written, removed


def write_one(path: Path, content: str) -> bool:
    """Write one file outside generated/ (atomically) if its content differs; True when written."""
    try:
        current = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        current = None
    if current == content:
        return False
    _atomic_write(path, content)
    return True


def check_one(path: Path, content: str, rel: str) -> Drift | None:
    """Compare one file outside generated/ with `content`: None when identical."""
    if not path.is_file():
        return Drift(rel, "missing", "")
    try:
        current = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        current = ""
    return None if current == content else Drift(rel, "changed", _short_diff(current, content, rel))


def _short_diff(old: str, new: str, rel: str, limit: int = 40) -> str:
    lines = list(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=f"on disk: {rel}",
            tofile=f"generated: {rel}",
            n=2,
        )
    )
    if len(lines) > limit:
        lines = [*lines[:limit], f"... ({len(lines) - limit} more diff lines)\n"]
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def check(out_dir: Path, files: dict[str, str]) -> list[Drift]:
    """Compare out_dir with `files`: every changed, missing or extra file."""
    drift: list[Drift] = []
    for rel, content in files.items():
        target = out_dir / rel
        if not target.is_file():
            drift.append(Drift(rel, "missing", ""))
            continue
        try:
            current = target.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            current = ""
        if current != content:
            drift.append(Drift(rel, "changed", _short_diff(current, content, rel)))
    for rel in sorted(_owned_files(out_dir) - set(files)):
        drift.append(Drift(rel, "extra", ""))
    return sorted(drift, key=lambda d: d.path)
