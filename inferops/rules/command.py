"""``inferops rules`` (list every rule, as text or as the README's Markdown table) and ``inferops explain ID``
(a rule's doc page: why, a failing and a fixed example)."""

from __future__ import annotations

import argparse
import difflib

from inferops.errors import EXIT_OK, InferopsError
from inferops.rules.base import EXEMPT_PREFIX, Rule, load_all_rules

#: Families in the order a validation runs them.
FAMILY_ORDER = ("input", "render", "schema", "gpu", "guardrails")


def sorted_rules() -> list[Rule]:
    """Every registered rule, grouped by family in run order, then by id."""
    def key(r: Rule) -> tuple[int, str]:
        rank = FAMILY_ORDER.index(r.family) if r.family in FAMILY_ORDER else len(FAMILY_ORDER)
        return rank, r.id

    return sorted(load_all_rules().values(), key=key)


def text_table() -> str:
    rules = sorted_rules()
    width = max(len(r.id) for r in rules)
    lines = [f"{r.id:<{width}}  {r.family:<10}  {r.severity.value:<7}  {r.summary}" for r in rules]
    lines.append(f"\n{len(rules)} rules. `inferops explain ID` shows one with examples; "
                 f"exempt an object with the annotation {EXEMPT_PREFIX}ID: <reason>.")
    return "\n".join(lines)


def markdown_table() -> str:
    """The rules table of README.md (between ``<!-- rules-table:start -->`` and ``<!-- rules-table:end -->``)."""
    rows = ["| id | family | severity | what it flags | fix |", "|---|---|---|---|---|"]
    for r in sorted_rules():
        cells = (f"`{r.id}`", r.family, r.severity.value, r.summary, r.hint)
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows)


def explain(rule_id: str) -> str:
    """A rule's doc page followed by its severity, family, fix hint and how to exempt an object."""
    rules = load_all_rules()
    found = rules.get(rule_id.strip().lower())
    if found is None:
        close = difflib.get_close_matches(rule_id.strip().lower(), list(rules), n=3, cutoff=0.5)
        suggestion = f"did you mean {', '.join(close)}? " if close else ""
        raise InferopsError(f"unknown rule id {rule_id!r}; {suggestion}`inferops rules` lists them all")
    from inferops.fix.registry import load_all_fixers

    fixer = load_all_fixers().get(found.id)
    mechanical = f"`inferops fix` {fixer.summary}" if fixer else "none mechanical (`inferops fix` leaves it to you)"
    try:
        doc = found.doc_path.read_text(encoding="utf-8").rstrip()
    except OSError:
        doc = f"# {found.id}\n\n{found.summary}"
    return (
        f"{doc}\n\n"
        f"Severity: {found.severity.value} (family {found.family}; the policy file can change it).\n"
        f"Fix: {found.hint}.\n"
        f"Mechanical fix: {mechanical}.\n"
        f"Exempt one object: annotation `{EXEMPT_PREFIX}{found.id}: <why the rule does not apply>`."
    )


def run(args: argparse.Namespace) -> int:
    if args.command == "explain":
        print(explain(args.rule_id))
    elif args.format == "markdown":
        print(markdown_table())
    else:
        print(text_table())
    return EXIT_OK
