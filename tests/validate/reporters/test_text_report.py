"""Text format: grouped by file, sorted by line, a hint under each finding, a summary, colour on request."""

from inferops.validate.report import Report
from inferops.validate.reporters import render


def test_groups_by_file_and_sorts_by_line(report: Report) -> None:
    out = render(report, "text")
    lines = out.splitlines()
    assert lines[0] == "apps/llm/base/deployment.yaml"
    assert lines[1].split() == ["12", "error", "schema-invalid", "Deployment/llm/vllm:", "spec.replicaz:", "unknown", "field"]
    assert lines[2].strip() == "hint: remove the field"
    assert lines[3].split()[:3] == ["40", "warning", "gpu-limit-missing"]
    assert out.index("apps/x/chart/Chart.yaml\n") < out.index("broken.yaml\n")


def test_unknown_line_is_a_dash_and_no_hint_line_without_hint(report: Report) -> None:
    lines = render(report, "text").splitlines()
    at = lines.index("apps/x/chart/Chart.yaml")
    assert lines[at + 1].split()[:3] == ["-", "info", "render-skipped"]
    assert lines[at + 2] == ""


def test_notes_and_summary_close_the_report(report: Report, clean: Report) -> None:
    lines = render(report, "text").splitlines()
    assert lines[-2:] == ["note: apps/x/chart: Helm chart skipped", "2 errors, 1 warning, 1 info in 5 files (9 objects)"]
    assert render(clean, "text") == "✓ no findings in 3 files (4 objects)\n"


def test_colour_only_when_asked(report: Report) -> None:
    assert "\033[" not in render(report, "text")
    coloured = render(report, "text", color=True)
    assert "\033[31merror" in coloured and "\033[33mwarning" in coloured
