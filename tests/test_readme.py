"""README.md shows the current rules table: regenerate it with `inferops rules --format markdown` and paste
it between the markers when a rule is added, renamed or changes severity."""

from __future__ import annotations

import re
from pathlib import Path

from inferops.rules.command import markdown_table

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- rules-table:start -->", "<!-- rules-table:end -->"


def test_readme_rules_table_is_current() -> None:
    text = README.read_text(encoding="utf-8")
    match = re.search(re.escape(START) + r"\n(.*?)\n" + re.escape(END), text, re.S)
    assert match, f"README.md has no {START} ... {END} section"
    assert match.group(1).strip() == markdown_table(), (
        "README rules table is stale: run `inferops rules --format markdown` and paste it between the markers"
    )
