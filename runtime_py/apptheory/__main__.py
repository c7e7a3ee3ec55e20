"""`python -m apptheory generate|check|docs|dev` (the `apptheory` command)."""

from apptheory.cli import main

raise SystemExit(main())
