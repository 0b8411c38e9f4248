"""The doc pages of the loader's and schema engine's finding ids: failing examples fail, fixed ones pass."""

import re

import pytest

from inferops.rules.base import DOCS_DIR

OPTIONS = {"kind-rejected": {"reject": ["ClusterRoleBinding"]}}
CHECKED = ("yaml-invalid", "object-invalid", "schema-invalid", "schema-missing", "kind-rejected")


def examples(rule_id: str) -> tuple[str, str]:
    text = (DOCS_DIR / f"{rule_id}.md").read_text()
    assert text.startswith(f"# {rule_id}\n")
    failing = re.search(r"## Failing example\n\n```yaml\n(.*?)```", text, re.S)
    fixed = re.search(r"## Fixed example\n\n```yaml\n(.*?)```", text, re.S)
    assert failing and fixed, f"{rule_id}.md needs a failing and a fixed yaml example"
    return failing.group(1), fixed.group(1)


@pytest.mark.parametrize("rule_id", CHECKED)
def test_failing_example_fails_with_its_rule_and_fixed_example_passes(check, rule_id: str) -> None:
    failing, fixed = examples(rule_id)
    options = OPTIONS.get(rule_id, {})
    assert rule_id in {f.rule_id for f in check(failing, **options)}
    assert check(fixed, **options) == []


def test_file_unreadable_page_has_both_examples() -> None:
    failing, fixed = examples("file-unreadable")
    assert failing and fixed
