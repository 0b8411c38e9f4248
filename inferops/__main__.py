"""Allow ``python -m inferops``."""

from inferops.cli import entry

raise SystemExit(entry())
