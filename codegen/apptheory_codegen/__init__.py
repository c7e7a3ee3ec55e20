"""AppTheory code generator: YAML IDL -> validated IR -> generated bindings."""

from apptheory_codegen.errors import IdlError, IdlProblem

__all__ = ["IdlError", "IdlProblem"]
