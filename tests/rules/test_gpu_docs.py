"""Each GPU rule's doc page shows a failing example the rule flags and a fixed example no GPU rule flags."""

from __future__ import annotations

import re

import pytest
import yaml
from gpu_cases import gpu_findings

from inferops.policy import Policy
from inferops.rules.base import REGISTRY, load_all_rules

load_all_rules()
GPU_RULES = sorted(r.id for r in REGISTRY.values() if r.family == "gpu")


def _block(text: str, heading: str) -> str | None:
    match = re.search(rf"^## {heading}\n.*?```yaml\n(.*?)```", text, re.S | re.M)
    return match.group(1) if match else None


def test_there_are_gpu_rules() -> None:
    assert len(GPU_RULES) >= 20


@pytest.mark.parametrize("rule_id", GPU_RULES)
def test_doc_examples_fail_and_pass(rule_id: str) -> None:
    text = REGISTRY[rule_id].doc_path.read_text()
    assert text.startswith(f"# {rule_id}\n")
    failing, fixed, policy_text = (_block(text, h) for h in ("Failing example", "Fixed example", "Policy"))
    assert failing and fixed
    policy = Policy.model_validate(yaml.safe_load(policy_text)) if policy_text else None
    assert rule_id in {f.rule_id for f in gpu_findings(failing, policy=policy)}
    assert [f"{f.rule_id}: {f.message}" for f in gpu_findings(fixed, policy=policy)] == []
