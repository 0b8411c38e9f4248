"""The rule interface and registry.

A rule is a function decorated with :func:`rule`. It gets one :class:`Manifest` (``scope="object"``) or
all manifests of a run (``scope="all"``) plus a :class:`Context`, and yields :class:`Violation`s. The
registry turns violations into findings: it applies the severity from the policy, skips objects that
carry an exemption annotation for the rule (``inferops.io/exempt.<rule-id>: <reason>``) and reports an
exemption without a reason. Each rule has a doc page ``inferops/rules/docs/<rule-id>.md`` with a failing
and a fixed example.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from inferops.policy import Policy
from inferops.validate.findings import Finding, Severity
from inferops.validate.manifest import JsonPath, Manifest

EXEMPT_PREFIX = "inferops.io/exempt."
DOCS_DIR = Path(__file__).resolve().parent / "docs"

Scope = Literal["object", "all"]


@dataclass(frozen=True, slots=True)
class Violation:
    """What a rule reports; ``path`` points into the manifest for the line number."""

    message: str
    path: JsonPath = ()
    hint: str | None = None
    manifest: Manifest | None = None  # for scope="all" rules: which object it is about


@dataclass(slots=True)
class Context:
    """What rules may consult besides the object itself."""

    policy: Policy = field(default_factory=Policy)
    kubernetes_version: str = "1.33.0"
    #: The repository that Argo CD source paths are relative to, and the directory manifests' ``file`` and
    #: ``render_root`` are relative to; ``None`` when unknown (standard input, doc examples).
    root: Path | None = None
    cwd: Path | None = None


CheckFn = Callable[..., Iterable[Violation]]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    family: str
    severity: Severity
    summary: str
    hint: str
    scope: Scope
    check: CheckFn | None  # None for findings produced by the core (render, schema) rather than a rule

    @property
    def doc_path(self) -> Path:
        return DOCS_DIR / f"{self.id}.md"


REGISTRY: dict[str, Rule] = {}


def rule(
    id: str, *, family: str, severity: Severity, summary: str, hint: str, scope: Scope = "object"
) -> Callable[[CheckFn], CheckFn]:
    """Register a check function as rule ``id``."""

    def register(fn: CheckFn) -> CheckFn:
        _add(Rule(id, family, severity, summary, hint, scope, fn))
        return fn

    return register


def core_rule(id: str, *, family: str, severity: Severity, summary: str, hint: str) -> Rule:
    """Register the id of a finding the validator core emits itself (render, schema, input errors)."""
    return _add(Rule(id, family, severity, summary, hint, "object", None))


def _add(new: Rule) -> Rule:
    if new.id in REGISTRY:
        raise ValueError(f"rule id {new.id} registered twice")
    REGISTRY[new.id] = new
    return new


def load_all_rules() -> dict[str, Rule]:
    """Import every rule module so the registry is complete."""
    import importlib
    import pkgutil

    import inferops.rules as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name not in ("base",):
            importlib.import_module(f"inferops.rules.{info.name}")
    return REGISTRY


def effective_severity(r: Rule, policy: Policy) -> Severity | None:
    """The rule's severity after policy overrides; ``None`` when the policy turns it off."""
    setting = policy.rules.get(r.id)
    if setting is None:
        return r.severity
    return None if setting.severity == "off" else Severity(setting.severity)


def finding_for(r: Rule, severity: Severity, m: Manifest, v: Violation) -> Finding:
    file, line = m.place(v.path)
    return Finding(
        rule_id=r.id,
        severity=severity,
        message=v.message,
        file=file,
        line=line,
        object=m.ref,
        hint=v.hint or r.hint,
        family=r.family,
        subject=m,
        path=v.path,
    )


EXEMPTION_MISSING_REASON = "exemption-without-reason"


def run_rules(manifests: Sequence[Manifest], ctx: Context, families: Iterable[str]) -> Iterator[Finding]:
    """Run every registered rule of ``families`` over ``manifests``."""
    wanted = set(families)
    registry = load_all_rules()
    # which objects carry any exemption, looked up once rather than once per rule (most carry none)
    exemptions = [any(key.startswith(EXEMPT_PREFIX) for key in m.annotations) for m in manifests]
    if registry[EXEMPTION_MISSING_REASON].family in wanted:
        for m in manifests:
            yield from _bad_exemptions(m)
    for r in registry.values():
        check = r.check
        severity = effective_severity(r, ctx.policy)
        if r.family not in wanted or check is None or severity is None:
            continue
        if r.scope == "object":
            for m, exempt in zip(manifests, exemptions):
                if exempt and _exempt(m, r.id):
                    continue
                for v in check(m, ctx):
                    yield finding_for(r, severity, m, v)
        else:
            for v in check(manifests, ctx):
                target = v.manifest
                if target is None:
                    raise ValueError(f"rule {r.id} has scope 'all' and must name the manifest of each violation")
                if not _exempt(target, r.id):
                    yield finding_for(r, severity, target, v)


def _exempt(m: Manifest, rule_id: str) -> bool:
    reason = m.annotations.get(EXEMPT_PREFIX + rule_id)
    return bool(reason and str(reason).strip())


def _bad_exemptions(m: Manifest) -> Iterator[Finding]:
    for key, reason in m.annotations.items():
        if not key.startswith(EXEMPT_PREFIX):
            continue
        rule_id = key[len(EXEMPT_PREFIX):]
        if rule_id not in REGISTRY:
            message, hint = f"exemption names unknown rule {rule_id!r}", "use an id listed by `inferops rules`"
        elif not (reason and str(reason).strip()):
            message, hint = f"exemption from {rule_id} gives no reason", None
        else:
            continue
        r = REGISTRY[EXEMPTION_MISSING_REASON]
        yield finding_for(r, r.severity, m, Violation(message, ("metadata", "annotations", key), hint))
