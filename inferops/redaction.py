"""What a credential looks like, and how to keep one out of anything inferops prints.

One table, :data:`TOKEN_PATTERNS`, serves both the ``credential-literal`` rule (which reports a token
found in a manifest) and :func:`redact_text`, the single pass every report goes through
(:class:`inferops.validate.report.Report` applies it to each finding's message, hint, object and file
and to each note), so a token that reaches a message by another road (an image name, the name of an
unknown field, a kustomize error quoting a ``secretGenerator`` literal) is not printed either.
"""

from __future__ import annotations

import re

#: What a credential looks like, by issuer (gpu-serving-facts.md B.17, D.40). A private key is matched
#: with its body up to the END line when the text holds it, so the whole key is redacted, not its header.
TOKEN_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Hugging Face token", re.compile(r"\bhf_[A-Za-z0-9]{30,}")),
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})")),
    ("private key", re.compile(
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?!…\(redacted\))"
        r"(?:[A-Za-z0-9+/=\s:,.-]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----)?")),
)

#: Text one of which every match of :data:`TOKEN_PATTERNS` contains (a quick test before walking an
#: object's strings).
TOKEN_NEEDLES = ("hf_", "AKIA", "ASIA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "-----BEGIN ")

#: Tools that echo secret values in their own error messages. kustomize's KV loader (api/kv/kv.go) wraps a
#: bad ``literals`` entry of a ``secretGenerator`` as ``literal sources [<every literal>]: invalid literal
#: source <the literal>, expected key=value``, quoting the valid ``KEY=value`` pairs beside the bad one.
#: Applied in this order: the bad literal first, then the whole list (which may contain ``]``).
ECHOED_SECRETS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(invalid literal source ).*?(, expected key=value)"),
    re.compile(r"(literal sources )\[.*\]()"),
)

MARKER = "…(redacted)"


def redact(secret: str) -> str:
    """A credential shortened to what identifies its kind: ``hf_ab…(redacted)``, or the ``BEGIN`` line of
    a private key."""
    if secret.startswith("-----BEGIN"):
        return secret[: secret.index("KEY-----") + len("KEY-----")] + MARKER
    return secret[:5] + MARKER


def redact_text(text: str) -> str:
    """``text`` with every credential and every echoed ``secretGenerator`` literal replaced by a marker.

    Idempotent: an already redacted text comes back unchanged, so redacting twice is harmless.
    """
    for _, pattern in TOKEN_PATTERNS:
        text = pattern.sub(lambda found: redact(found.group(0)), text)
    for echoed in ECHOED_SECRETS:
        text = echoed.sub(lambda found: _redacted_literal(found), text)
    return text


def _redacted_literal(found: re.Match[str]) -> str:
    """``prefix`` + marker + ``suffix``; the list form keeps its brackets so the message still reads."""
    prefix, suffix = found.group(1), found.group(2)
    body = found.group(0)[len(prefix): len(found.group(0)) - len(suffix)]
    if body.startswith("["):
        return f"{prefix}[{MARKER}]{suffix}"
    return f"{prefix}{MARKER}{suffix}" if body != MARKER else found.group(0)
