"""GitHub format: workflow-command annotations with GitHub's escaping, then the summary."""

from inferops.validate.report import Report
from inferops.validate.reporters import render
from inferops.validate.reporters.github import escape_data, escape_property


def test_one_annotation_per_finding_by_severity(report: Report) -> None:
    lines = render(report, "github").splitlines()
    assert lines[0] == (
        "::error file=apps/llm/base/deployment.yaml,line=12,title=schema-invalid::"
        "Deployment/llm/vllm: spec.replicaz: unknown field%0Ahint: remove the field"
    )
    assert lines[1].startswith("::warning file=apps/llm/base/deployment.yaml,line=40,title=gpu-limit-missing::")
    assert lines[2] == "::notice file=apps/x/chart/Chart.yaml,title=render-skipped::Helm chart not rendered"
    assert lines[-2:] == ["note: apps/x/chart: Helm chart skipped", "2 errors, 1 warning, 1 info in 5 files (9 objects)"]


def test_message_escapes_percent_and_newlines(report: Report) -> None:
    warning = render(report, "github").splitlines()[1]
    assert warning.endswith("::Deployment/llm/vllm: GPU 100%25 requested, a,b: not limited%0Ahint: set resources.limits")


def test_escaping_follows_github_toolkit() -> None:
    assert escape_data("50%\r\nnext: a,b") == "50%25%0D%0Anext: a,b"
    assert escape_property("dir,x/a:b%.yaml") == "dir%2Cx/a%3Ab%25.yaml"


def test_clean_run_has_no_annotations(clean: Report) -> None:
    assert render(clean, "github") == "✓ no findings in 3 files (4 objects)\n"
