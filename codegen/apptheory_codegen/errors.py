"""Errors the generator reports: every IDL problem with file, line and IDL path."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class IdlProblem:
    """One thing wrong with the IDL, located by file, line and IDL path."""

    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class IdlError(Exception):
    """The IDL is invalid; carries every problem found, not just the first."""

    def __init__(self, problems: list[IdlProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.path, p.message))
        count = len(self.problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"invalid IDL ({count} problem{'s' if count != 1 else ''}):\n{lines}")


class GenerateError(Exception):
    """Generation failed for a reason other than the IDL (template, formatter, fixture, filesystem)."""
