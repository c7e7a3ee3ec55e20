"""Output targets: one module per language, each turning the IR into files under generated/<lang>/.

A target is enabled when the IDL's `targets` section names it.
"""

from __future__ import annotations

from apptheory_codegen.targets import go, python, ts
from apptheory_codegen.targets.base import Target

TARGETS: tuple[Target, ...] = (python.TARGET, ts.TARGET, go.TARGET)

__all__ = ["TARGETS", "Target"]
