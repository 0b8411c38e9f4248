"""JUnit XML report, for CI systems that show test results (GitLab, Jenkins, Azure Pipelines, ...).

Layout, following the common JUnit schema (Jenkins' ``junit-10.xsd``):

- one ``<testsuite>`` per file with findings, one ``<testcase>`` per object in it (or per file for
  findings about the file itself, such as a YAML syntax error);
- a testcase with error findings gets one ``<failure>`` listing them all; warnings and info never fail a
  testcase and are listed in its ``<system-out>``;
- a first testsuite ``inferops`` holds one always-passing testcase whose ``<system-out>`` carries the
  summary and the notes, so a clean run still reports a test (some CI systems reject empty reports).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from itertools import groupby

from inferops.validate.findings import Finding, Severity
from inferops.validate.report import Report, describe


def render(report: Report, *, color: bool = False) -> str:
    root = ET.Element("testsuites", name="inferops validate")
    summary = _suite(root, "inferops")
    case = _case(summary, "inferops", "validate")
    ET.SubElement(case, "system-out").text = "\n".join([report.summary(), *report.notes])
    _count(summary, tests=1, failures=0)

    for file, in_file in groupby(report.sorted_findings(), key=lambda f: f.file):
        suite = _suite(root, file)
        tests = failures = 0
        by_object = sorted(in_file, key=lambda f: (f.object or "", f.sort_key()))
        for obj, group in groupby(by_object, key=lambda f: f.object):
            findings = list(group)
            case = _case(suite, file, obj or file)
            tests += 1
            errors = [f for f in findings if f.severity is Severity.ERROR]
            if errors:
                failures += 1
                failure = ET.SubElement(
                    case, "failure", message=_failure_message(errors), type=",".join(sorted({f.rule_id for f in errors}))
                )
                failure.text = _lines(errors)
            others = [f for f in findings if f.severity is not Severity.ERROR]
            if others:
                ET.SubElement(case, "system-out").text = _lines(others)
        _count(suite, tests=tests, failures=failures)

    suites = root.findall("testsuite")
    _count(root, tests=sum(int(s.get("tests", 0)) for s in suites), failures=sum(int(s.get("failures", 0)) for s in suites))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _suite(root: ET.Element, name: str) -> ET.Element:
    return ET.SubElement(root, "testsuite", name=name)


def _case(suite: ET.Element, classname: str, name: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", classname=classname, name=name)


def _count(element: ET.Element, *, tests: int, failures: int) -> None:
    element.set("tests", str(tests))
    element.set("failures", str(failures))
    element.set("errors", "0")
    element.set("skipped", "0")


def _failure_message(errors: list[Finding]) -> str:
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{first.rule_id}: {first.message}{more}"


def _lines(findings: Iterable[Finding]) -> str:
    out = []
    for f in findings:
        where = f"{f.file}:{f.line}" if f.line else f.file
        out.append(f"{where}: {f.severity.value} {f.rule_id}: {describe(f, hint=True)}")
    return "\n".join(out)
