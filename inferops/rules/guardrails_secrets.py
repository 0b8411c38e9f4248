"""Credentials never live in Git in plain text: no ``Secret`` with data, no token literals anywhere in an
object, no literal value for an environment variable named like a secret (gpu-serving-facts.md B.17, D.40;
argo-cd docs/operator-manual/secret-management.md). Messages show only a redacted prefix of what was found,
so the report itself never leaks the credential.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from inferops.placeholders import is_placeholder
from inferops.redaction import TOKEN_PATTERNS, TOKEN_NEEDLES, redact
from inferops.rules.base import Context, Violation, rule
from inferops.rules.workloads import containers
from inferops.shapes import as_list, may_contain, string_values
from inferops.validate.findings import Severity
from inferops.validate.manifest import JsonPath, Manifest

FAMILY = "guardrails"

#: Last word of an env var name that says its value is a credential (HF_TOKEN, DB_PASSWORD, NGC_API_KEY;
#: not HF_TOKEN_PATH or TOKENIZERS_PARALLELISM).
SECRET_NAME_WORDS = frozenset({"TOKEN", "SECRET", "PASSWORD", "PASSWD", "KEY", "APIKEY", "CREDENTIALS"})
_ENV_REFERENCE = re.compile(r"^\$\([A-Za-z_][A-Za-z0-9_]*\)$")


def _is_plain_secret(m: Manifest) -> bool:
    return m.kind == "Secret" and m.api_version == "v1"


@rule(
    "secret-plaintext", family=FAMILY, severity=Severity.ERROR,
    summary="A Secret with data or stringData is committed; base64 is not encryption.",
    hint="commit a SealedSecret, an ExternalSecret or a SOPS-encrypted file instead, and rotate the secret",
)
def secret_plaintext(m: Manifest, ctx: Context) -> Iterator[Violation]:
    if not _is_plain_secret(m) or "sops" in m.data:
        return
    for key in ("data", "stringData"):
        values = m.data.get(key)
        if values and not (isinstance(values, dict) and all(is_placeholder(v) for v in values.values())):
            yield Violation(f"Secret {m.name} carries {key} in plain text", (key,))


@rule(
    "credential-literal", family=FAMILY, severity=Severity.ERROR,
    summary="A token or private key is written into a manifest, or a secret-named env var has a literal value.",
    hint="read it from a Secret: env valueFrom.secretKeyRef (e.g. HF_TOKEN), and rotate the leaked credential",
)
def credential_literal(m: Manifest, ctx: Context) -> Iterator[Violation]:
    if _is_plain_secret(m):
        return  # a Secret holds credentials by design; secret-plaintext reports it
    reported: set[JsonPath] = set()
    for path, text in string_values(m.data) if may_contain(m.data, TOKEN_NEEDLES) else ():
        for label, pattern in TOKEN_PATTERNS:
            found = pattern.search(text)
            if found:
                reported.add(path)
                yield Violation(f"{_where(path)} contains a {label} ({redact(found.group(0))})", path)
                break
    for c in containers(m):
        env = c.data.get("env")
        for i, var in enumerate(as_list(env)):
            if not isinstance(var, dict):
                continue
            name, value = str(var.get("name") or ""), var.get("value")
            path = (*c.path, "env", i, "value")
            if path in reported or not _secret_like(name) or not isinstance(value, str):
                continue
            if value.strip() and not _ENV_REFERENCE.match(value.strip()) and not is_placeholder(value):
                yield Violation(f"container {c.name}: env {name} has a literal value", path)


def _secret_like(name: str) -> bool:
    words = [w for w in re.split(r"[_.\-]", name.upper()) if w]
    return bool(words) and words[-1] in SECRET_NAME_WORDS


def _where(path: JsonPath) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else p for p in path).replace(".[", "[") or "value"
