"""JUnit format: a testsuite per file, a testcase per object, failures for errors only."""

import xml.etree.ElementTree as ET

from inferops.validate.report import Report
from inferops.validate.reporters import render


def _parse(report: Report) -> ET.Element:
    return ET.fromstring(render(report, "junit"))


def test_testsuite_per_file_and_testcase_per_object(report: Report) -> None:
    root = _parse(report)
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == ["inferops", "apps/llm/base/deployment.yaml", "apps/x/chart/Chart.yaml", "broken.yaml"]
    deployment = suites["apps/llm/base/deployment.yaml"]
    assert [c.get("name") for c in deployment.findall("testcase")] == ["Deployment/llm/vllm"]
    assert suites["broken.yaml"].find("testcase").get("name") == "broken.yaml"


def test_errors_are_failures_and_warnings_are_output(report: Report) -> None:
    root = _parse(report)
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "2", "0")
    case = root.find("testsuite[@name='apps/llm/base/deployment.yaml']/testcase")
    failures = case.findall("failure")
    assert len(failures) == 1
    assert failures[0].get("type") == "schema-invalid"
    assert "apps/llm/base/deployment.yaml:12" in failures[0].text and "hint: remove the field" in failures[0].text
    assert "gpu-limit-missing" not in failures[0].text
    assert "gpu-limit-missing" in case.find("system-out").text
    info_case = root.find("testsuite[@name='apps/x/chart/Chart.yaml']/testcase")
    assert info_case.find("failure") is None and info_case.find("skipped") is None


def test_summary_testcase_carries_summary_and_notes(report: Report, clean: Report) -> None:
    out = _parse(report).find("testsuite[@name='inferops']/testcase/system-out").text
    assert out.splitlines() == ["2 errors, 1 warning, 1 info in 5 files (9 objects)", "apps/x/chart: Helm chart skipped"]
    root = _parse(clean)
    assert (root.get("tests"), root.get("failures")) == ("1", "0")


def test_counts_on_each_suite_match_its_testcases(report: Report) -> None:
    for suite in _parse(report).findall("testsuite"):
        cases = suite.findall("testcase")
        assert suite.get("tests") == str(len(cases))
        assert suite.get("failures") == str(sum(1 for c in cases if c.find("failure") is not None))
