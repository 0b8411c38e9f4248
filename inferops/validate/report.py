"""The result of one validation run, independent of how it is printed.

Reporters (``inferops.validate.reporters``) only format a :class:`Report`; everything they share — the
order of findings, the counts per severity, the one-line summary — lives here so every format agrees.
Untrusted text is made safe here too, once, when the report is built: credentials are redacted
(:mod:`inferops.redaction`) and control characters made visible (:mod:`inferops.validate.printable`), so
no format can print a secret or a terminal escape whatever the run found.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from inferops.errors import EXIT_FINDINGS, EXIT_OK
from inferops.redaction import redact_text
from inferops.validate.findings import Finding, Severity
from inferops.validate.printable import printable

if TYPE_CHECKING:
    from inferops.validate.manifest import Manifest


@dataclass
class Report:
    """Findings of a run plus what was looked at.

    ``notes`` are remarks that are not findings, e.g. ``"apps/x/chart: Helm chart skipped"``.
    Every text a format prints (message, hint, object, file, note) is made safe on construction.
    """

    findings: list[Finding]
    files_checked: int
    objects_checked: int
    notes: list[str] = field(default_factory=list)
    #: The objects checked, for fixes that consult other objects than their own (never printed).
    objects: list[Manifest] = field(default_factory=list, repr=False, compare=False)
    #: Whether the run read nothing but the repository's files and its settings, so that its printed report
    #: may answer a later run over the same content (:mod:`inferops.validate.run_cache`).
    reusable: bool = field(default=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.findings = [_safe_finding(f) for f in self.findings]
        self.notes = [safe_text(note) for note in self.notes]

    @property
    def exit_code(self) -> int:
        """1 when any finding is an error (warnings and info never fail a run), else 0."""
        return EXIT_FINDINGS if self.count(Severity.ERROR) else EXIT_OK

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    def sorted_findings(self) -> list[Finding]:
        """Findings by file, then line (unknown lines first), then rule id: the order every format uses."""
        return sorted(self.findings, key=Finding.sort_key)

    def summary(self) -> str:
        """``N errors, M warnings, K info in F files (O objects)``, or a tick when nothing was found."""
        scope = f"in {_plural(self.files_checked, 'file')} ({_plural(self.objects_checked, 'object')})"
        if not self.findings:
            return f"✓ no findings {scope}"
        counts = (
            f"{_plural(self.count(Severity.ERROR), 'error')}, {_plural(self.count(Severity.WARNING), 'warning')}, "
            f"{self.count(Severity.INFO)} info"
        )
        return f"{counts} {scope}"


def safe_text(text: str) -> str:
    """``text`` with credentials redacted (``hf_ab…(redacted)``) and control characters made visible."""
    return printable(redact_text(text))


def _safe_finding(f: Finding) -> Finding:
    """``f`` with every text a format prints passed through :func:`safe_text`."""
    message, file = safe_text(f.message), safe_text(f.file)
    obj = safe_text(f.object) if f.object is not None else None
    hint = safe_text(f.hint) if f.hint is not None else None
    if (message, file, obj, hint) == (f.message, f.file, f.object, f.hint):
        return f
    return dataclasses.replace(f, message=message, file=file, object=obj, hint=hint)


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def describe(f: Finding, *, hint: bool = False) -> str:
    """``Kind/namespace/name: message`` (the object omitted when unknown), plus a ``hint:`` line if asked."""
    text = f"{f.object}: {f.message}" if f.object else f.message
    if hint and f.hint:
        text += f"\nhint: {f.hint}"
    return text
