"""Every text a report prints is redacted and printable, whatever format prints it."""

import pytest

from inferops.redaction import TOKEN_PATTERNS, redact, redact_text
from inferops.validate.findings import Finding, Severity
from inferops.validate.printable import inert_line, printable
from inferops.validate.report import Report

HF = "hf_" + "Ab3" * 12
KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----"


def test_the_credential_rule_and_the_report_share_one_token_table() -> None:
    from inferops.rules import guardrails_secrets

    assert guardrails_secrets.TOKEN_PATTERNS is TOKEN_PATTERNS and guardrails_secrets.redact is redact


@pytest.mark.parametrize(("text", "expected"), [
    (f"image registry.example.com/{HF}/vllm has no tag", "image registry.example.com/hf_Ab…(redacted)/vllm has no tag"),
    (f'unknown field "metadata.{HF}"', 'unknown field "metadata.hf_Ab…(redacted)"'),
    (f"key {KEY} here", "key -----BEGIN RSA PRIVATE KEY-----…(redacted) here"),
    ("literal sources [A=b c]: invalid literal source c, expected key=value",
     "literal sources […(redacted)]: invalid literal source …(redacted), expected key=value"),
    ("nothing secret at all", "nothing secret at all"),
])
def test_redact_text(text: str, expected: str) -> None:
    assert redact_text(text) == expected
    assert redact_text(expected) == expected  # idempotent


def test_printable_escapes_controls_escapes_and_bidi_but_not_ordinary_text() -> None:
    assert printable("a\nb\x1b[31mc\u202ed\ud800é✓") == "a\\nb\\x1b[31mc\\u202ed\\ud800é✓"


@pytest.mark.parametrize(("line", "expected"), [
    ("::error::x", "\\x3a:error::x"), ("  ::set-output name=a::b", "  \\x3a:set-output name=a::b"),
    ("note: a ##[error]b", "note: a ##\\x5berror]b"), ("note: a::b", "note: a::b"),
])
def test_inert_line(line: str, expected: str) -> None:
    assert inert_line(line) == expected


def test_a_report_makes_every_printed_text_safe_once() -> None:
    hostile = f"{HF}\n::x"
    report = Report([Finding("r", Severity.ERROR, hostile, hostile, 1, hostile, hostile)], 1, 1, notes=[hostile])
    (f,) = report.findings
    safe = "hf_Ab…(redacted)\\n::x"
    assert (f.message, f.file, f.object, f.hint, report.notes) == (safe, safe, safe, safe, [safe])
