"""A report with every shape of finding the reporters must handle."""

import pytest

from inferops.validate.findings import Finding, Severity
from inferops.validate.report import Report


@pytest.fixture
def report() -> Report:
    return Report(
        findings=[
            Finding("yaml-invalid", Severity.ERROR, "mapping values are not allowed here", "broken.yaml", 3,
                    None, "fix the syntax at the given line", "input"),
            Finding("gpu-limit-missing", Severity.WARNING, "GPU 100% requested, a,b: not limited",
                    "apps/llm/base/deployment.yaml", 40, "Deployment/llm/vllm", "set resources.limits", "gpu"),
            Finding("schema-invalid", Severity.ERROR, "spec.replicaz: unknown field",
                    "apps/llm/base/deployment.yaml", 12, "Deployment/llm/vllm", "remove the field", "schema"),
            Finding("render-skipped", Severity.INFO, "Helm chart not rendered", "apps/x/chart/Chart.yaml",
                    None, None, None, "render"),
        ],
        files_checked=5,
        objects_checked=9,
        notes=["apps/x/chart: Helm chart skipped"],
    )


@pytest.fixture
def clean() -> Report:
    return Report(findings=[], files_checked=3, objects_checked=4)
