"""`python -m apptheory_codegen` runs the CLI."""

from apptheory_codegen.cli import main

raise SystemExit(main())
