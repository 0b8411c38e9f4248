"""The report model: exit code, order and summary shared by every format."""

from inferops.errors import EXIT_FINDINGS, EXIT_OK
from inferops.validate.findings import Finding, Severity
from inferops.validate.report import Report, describe


def test_errors_fail_the_run(report: Report) -> None:
    assert report.exit_code == EXIT_FINDINGS


def test_warnings_and_info_do_not_fail_the_run() -> None:
    findings = [
        Finding("a", Severity.WARNING, "w", "x.yaml", 1),
        Finding("b", Severity.INFO, "i", "x.yaml", 2),
    ]
    assert Report(findings, 1, 1).exit_code == EXIT_OK


def test_findings_sorted_by_file_then_line(report: Report) -> None:
    assert [(f.file, f.line) for f in report.sorted_findings()] == [
        ("apps/llm/base/deployment.yaml", 12),
        ("apps/llm/base/deployment.yaml", 40),
        ("apps/x/chart/Chart.yaml", None),
        ("broken.yaml", 3),
    ]


def test_summary_counts_each_severity(report: Report, clean: Report) -> None:
    assert report.summary() == "2 errors, 1 warning, 1 info in 5 files (9 objects)"
    assert clean.summary() == "✓ no findings in 3 files (4 objects)"
    assert Report([], 1, 1).summary() == "✓ no findings in 1 file (1 object)"


def test_describe_prefixes_the_object_and_appends_the_hint(report: Report) -> None:
    schema, yaml_error = report.sorted_findings()[0], report.sorted_findings()[3]
    assert describe(schema) == "Deployment/llm/vllm: spec.replicaz: unknown field"
    assert describe(schema, hint=True).endswith("\nhint: remove the field")
    assert describe(yaml_error) == "mapping values are not allowed here"
