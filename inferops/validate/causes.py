"""One finding per cause: where one mistake surfaces as two findings, keep the one that names the cause.

- A document the strict loader rejects (``yaml-invalid``: a ``{{ VAR }}`` template used as a mapping key,
  a duplicate key) is still loaded as far as it goes, so the schema check sees the same broken value:
  ``schema-invalid`` on the same line adds nothing.
- An object whose apiVersion Kubernetes removed (``api-version-removed``) has no schema in that version:
  ``schema-missing`` for the same object only repeats it less helpfully.

When the finding that names the cause is not reported (its family is not run), the other one stays.
"""

from __future__ import annotations

from collections.abc import Sequence

from inferops.validate.findings import Finding

#: Finding rule -> (the rule that names its cause, whether the object must match too).
SUPERSEDED_BY = {"schema-invalid": ("yaml-invalid", False), "schema-missing": ("api-version-removed", True)}


def one_per_cause(findings: Sequence[Finding]) -> list[Finding]:
    causes = {(f.rule_id, f.file, f.line, f.object) for f in findings}
    kept = []
    for f in findings:
        cause = SUPERSEDED_BY.get(f.rule_id)
        if cause is not None and f.line is not None:
            rule, same_object = cause
            if same_object and (rule, f.file, f.line, f.object) in causes:
                continue
            if not same_object and any(c[:3] == (rule, f.file, f.line) for c in causes):
                continue
        kept.append(f)
    return kept
