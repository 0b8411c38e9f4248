"""Allow ``python -m inferops``."""

from inferops.cli import main

raise SystemExit(main())
