"""The quick tests that let a check skip an object never skip one the full check would report: every
credential pattern's match and every placeholder shows the text the quick test looks for."""

from __future__ import annotations

import datetime
import re

import pytest

from inferops.placeholders import _PLACEHOLDER_START, is_placeholder
from inferops.redaction import TOKEN_PATTERNS, TOKEN_STARTS
from inferops.shapes import may_contain

CREDENTIALS = [
    "hf_" + "a" * 34,
    "AKIA" + "A" * 16,
    "ASIA" + "B" * 16,
    "ghp_" + "c" * 36,
    "gho_" + "c" * 36,
    "github_pat_" + "d" * 22,
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n-----END OPENSSH PRIVATE KEY-----",
    "-----BEGIN PRIVATE KEY-----",
]


@pytest.mark.parametrize("secret", CREDENTIALS)
def test_every_credential_shows_what_the_quick_test_looks_for(secret: str) -> None:
    assert any(pattern.search(secret) for _, pattern in TOKEN_PATTERNS)
    for pattern in (p for _, p in TOKEN_PATTERNS):
        found = pattern.search(secret)
        if found:
            assert TOKEN_STARTS.search(found.group(0))
    assert may_contain({"spec": {"env": [{"name": "T", "value": f"x \"{secret}\"\t"}]}}, TOKEN_STARTS)


@pytest.mark.parametrize("value", ["${TOKEN}", "${A:-b}", "$HOME", "<your-token>", "{{ .Values.x }}"])
def test_every_placeholder_shows_what_the_quick_test_looks_for(value: str) -> None:
    assert is_placeholder(value)
    assert may_contain({"data": {"k": value}}, _PLACEHOLDER_START)


def test_data_json_cannot_show_is_never_skipped() -> None:
    needles = re.compile("never-there")
    assert may_contain({datetime.date(2024, 1, 1): "a key JSON cannot encode"}, needles)
    assert not may_contain({"a": ["b", 1, None, True]}, needles)
