"""`python -m apptheory generate|check` (the code generator's CLI)."""

from apptheory_codegen.cli import main

raise SystemExit(main())
