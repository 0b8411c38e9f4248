"""Every registered rule, whoever wrote it, is documented, demonstrated and tested: a doc page with a
failing example the rule flags and a fixed example it does not, an id usable in an exemption
annotation, and a test that names it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from doc_examples import doc_text, example_findings, manifests, yaml_block

from inferops.rules.base import EXEMPT_PREFIX, REGISTRY, load_all_rules

load_all_rules()
ALL_IDS = sorted(REGISTRY)
CHECKED_IDS = sorted(r.id for r in REGISTRY.values() if r.check is not None)
#: Core findings (render, schema, input) are tested with the validator, so all of tests/ counts.
TESTS_DIR = Path(__file__).resolve().parent.parent


def test_registry_has_the_families_of_the_validator() -> None:
    families = {r.family for r in REGISTRY.values()}
    assert {"input", "schema", "render", "gpu", "guardrails"} <= families


@pytest.mark.parametrize("rule_id", ALL_IDS)
def test_id_is_a_valid_exemption_annotation_key(rule_id: str) -> None:
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule_id)
    name = (EXEMPT_PREFIX + rule_id).split("/", 1)[1]
    assert len(name) <= 63  # Kubernetes limit on the name part of an annotation key


@pytest.mark.parametrize("rule_id", ALL_IDS)
def test_rule_has_summary_hint_and_doc_page(rule_id: str) -> None:
    r = REGISTRY[rule_id]
    assert r.summary.strip() and "\n" not in r.summary
    assert r.hint.strip() and "\n" not in r.hint
    text = doc_text(rule_id)
    assert text.startswith(f"# {rule_id}\n\n")
    for heading in ("Failing example", "Fixed example"):
        block = yaml_block(text, heading)
        assert block, f"{rule_id}: missing ```yaml block under ## {heading}"


@pytest.mark.parametrize("rule_id", CHECKED_IDS)
def test_failing_example_triggers_the_rule_and_fixed_example_does_not(rule_id: str) -> None:
    family = REGISTRY[rule_id].family
    failing = example_findings(rule_id, "Failing example", [family])
    assert rule_id in {f.rule_id for f in failing}
    fixed = example_findings(rule_id, "Fixed example", [family])
    assert [f"{f.rule_id}: {f.message}" for f in fixed if f.rule_id == rule_id] == []


@pytest.mark.parametrize("rule_id", ALL_IDS)
def test_examples_are_kubernetes_objects(rule_id: str) -> None:
    text = doc_text(rule_id)
    for heading in ("Failing example", "Fixed example"):
        block = yaml_block(text, heading)
        assert block is not None
        if REGISTRY[rule_id].family in ("input", "render", "schema"):
            continue  # these pages show broken input on purpose
        for m in manifests(block, "doc"):
            assert m.api_version and m.kind and m.name, f"{rule_id} {heading}: {m.ref}"


def test_every_rule_is_named_by_a_test() -> None:
    corpus = "\n".join(
        p.read_text(encoding="utf-8") for p in TESTS_DIR.rglob("*.py") if p.name != Path(__file__).name
    )
    untested = [
        rule_id for rule_id in ALL_IDS
        if not re.search(rf"(?<![a-z0-9-]){re.escape(rule_id)}(?![a-z0-9-])", corpus)
    ]
    assert untested == []
