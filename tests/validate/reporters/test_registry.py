"""The format registry: one module per format, the same names as the CLI offers."""

import pytest

from inferops import cli
from inferops.errors import InferopsError
from inferops.validate.report import Report
from inferops.validate.reporters import FORMATS, render


def test_cli_offers_exactly_the_registered_formats() -> None:
    assert cli.FORMATS == FORMATS


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_findings_and_clean_runs(fmt: str, report: Report, clean: Report) -> None:
    assert render(report, fmt).endswith("\n")
    assert render(clean, fmt).endswith("\n")


def test_unknown_format_is_a_usage_error(report: Report) -> None:
    with pytest.raises(InferopsError, match="unknown report format 'yaml'"):
        render(report, "yaml")
