"""Read the examples of a rule's doc page (``## Failing example``, ``## Fixed example``, optional ``## Policy``)
and run rules over them, the way `inferops explain` shows them to users."""

from __future__ import annotations

import re
from collections.abc import Iterable

import yaml

from inferops.policy import Policy
from inferops.rules.base import REGISTRY, Context, load_all_rules, run_rules
from inferops.validate.findings import Finding
from inferops.validate.manifest import Manifest

load_all_rules()


def doc_text(rule_id: str) -> str:
    return REGISTRY[rule_id].doc_path.read_text(encoding="utf-8")


def yaml_block(text: str, heading: str) -> str | None:
    """The first ```yaml block under ``## heading``, or ``None``."""
    match = re.search(rf"^## {heading}\n(?:(?!^## ).)*?```yaml\n(.*?)```", text, re.S | re.M)
    return match.group(1) if match else None


def doc_policy(text: str) -> Policy:
    block = yaml_block(text, "Policy")
    return Policy.model_validate(yaml.safe_load(block)) if block else Policy()


def manifests(block: str, file: str) -> list[Manifest]:
    return [Manifest(data=d, file=file, line=1) for d in yaml.safe_load_all(block) if d is not None]


def example_findings(rule_id: str, heading: str, families: Iterable[str]) -> list[Finding]:
    text = doc_text(rule_id)
    block = yaml_block(text, heading)
    assert block is not None, f"{rule_id}: no yaml block under ## {heading}"
    ctx = Context(policy=doc_policy(text))
    return list(run_rules(manifests(block, f"docs/{rule_id}.md"), ctx, families))
