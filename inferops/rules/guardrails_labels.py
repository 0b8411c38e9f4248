"""Required labels (policy ``required_labels``, default ``app.kubernetes.io/name``) on workloads and Services,
so every object can be traced to its application by dashboards, cost reports and ``kubectl -l``
(gpu-serving-facts.md D.33; kyverno best-practices/require-labels).

Checked on the object itself, not on pod templates: selectors already force template labels, and
Kustomize's ``labels`` with ``includeTemplates`` copies them down.
"""

from __future__ import annotations

from collections.abc import Iterator

from inferops.rules.base import Context, Violation, rule
from inferops.rules.workloads import POD_SPEC_PATHS
from inferops.validate.findings import Severity
from inferops.validate.manifest import Manifest

LABELLED_KINDS = frozenset(POD_SPEC_PATHS) | {"Service"}


@rule(
    "required-labels", family="guardrails", severity=Severity.WARNING,
    summary="A workload or Service lacks a label the policy's required_labels lists.",
    hint="add the labels (Kustomize `labels:` in the base sets them on every object)",
)
def required_labels(m: Manifest, ctx: Context) -> Iterator[Violation]:
    if m.kind not in LABELLED_KINDS:
        return
    missing = [label for label in ctx.policy.required_labels if not m.labels.get(label)]
    if missing:
        yield Violation(f"missing required label{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
                        ("metadata", "labels"))
