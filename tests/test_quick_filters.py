"""The quick tests that let a check skip an object never skip one the full check would report: every
credential pattern's match and every placeholder shows the text the quick test looks for."""

from __future__ import annotations

import pytest

from inferops.placeholders import PLACEHOLDER_NEEDLES, is_placeholder
from inferops.redaction import TOKEN_NEEDLES, TOKEN_PATTERNS
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
            assert any(needle in found.group(0) for needle in TOKEN_NEEDLES)
    assert may_contain({"spec": {"env": [{"name": "T", "value": f"x \"{secret}\"\t'"}]}}, TOKEN_NEEDLES)


@pytest.mark.parametrize("value", ["${TOKEN}", "${A:-b}", "$HOME", "<your-token>", "{{ .Values.x }}"])
def test_every_placeholder_shows_what_the_quick_test_looks_for(value: str) -> None:
    assert is_placeholder(value)
    assert may_contain({"data": {"k": value}}, PLACEHOLDER_NEEDLES)
    assert may_contain({"data": {"k": f"'\"{value}\\\x00\n"}}, PLACEHOLDER_NEEDLES)


def test_an_object_without_the_needles_is_skipped() -> None:
    assert not may_contain({"a": ["b", 1, None, True, 1.5], "c": {"d": "text with 'quotes'"}}, PLACEHOLDER_NEEDLES)


def test_data_too_deep_to_print_is_never_skipped() -> None:
    deep: list[object] = []
    for _ in range(200_000):
        deep = [deep]
    assert may_contain(deep, ("never-there",))
