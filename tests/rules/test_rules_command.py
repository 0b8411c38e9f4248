"""`inferops rules` lists every rule; `inferops explain ID` shows its doc page with examples."""

from __future__ import annotations

import pytest

from inferops.cli import main
from inferops.rules.base import REGISTRY, load_all_rules
from inferops.rules.command import markdown_table

load_all_rules()


def test_rules_lists_every_rule_with_family_severity_and_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if line and not line.startswith(" ")}
    assert set(REGISTRY) <= set(lines)
    assert "guardrails" in lines["pod-privileged"] and "error" in lines["pod-privileged"]
    assert "warning" in lines["required-labels"]
    assert out.index("yaml-invalid") < out.index("gpu-limit-missing") < out.index("pod-privileged")


def test_rules_as_markdown_is_the_readme_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out == markdown_table() + "\n"
    rows = [line for line in out.splitlines() if line.startswith("| `")]
    assert len(rows) == len(REGISTRY)
    assert "| `credential-literal` | guardrails | error |" in out


def test_explain_shows_the_doc_with_failing_and_fixed_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "argocd-revision-unpinned"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# argocd-revision-unpinned\n")
    assert "## Failing example" in out and "## Fixed example" in out and "```yaml" in out
    assert "Severity: error" in out
    assert "inferops.io/exempt.argocd-revision-unpinned" in out


def test_explain_unknown_id_suggests_close_ids(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "pod-privilege"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "unknown rule id 'pod-privilege'" in err and "pod-privileged" in err


def test_explain_unknown_id_without_neighbours(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "zzzz"]) == 2
    assert "`inferops rules` lists them all" in capsys.readouterr().err
