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
from typing import Any, Literal

from inferops.policy import Policy
from inferops.rules.workloads import shared_views
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
    #: Views of the run's objects that several rules build alike (e.g. where each object comes from, for the
    #: Argo CD source rules), built by the first rule that asks; a new run has a new context.
    shared: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


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


def run_rules(manifests: Sequence[Manifest], ctx: Context, families: Iterable[str],
              cache_dir: Path | None = None) -> Iterator[Finding]:
    """Run every registered rule of ``families`` over ``manifests``. With ``cache_dir``, what the
    per-object rules found in an object an earlier run saw is taken from :mod:`result_cache`."""
    with shared_views():
        yield from _run_rules(manifests, ctx, set(families), cache_dir)


def _run_rules(manifests: Sequence[Manifest], ctx: Context, wanted: set[str],
               cache_dir: Path | None) -> Iterator[Finding]:
    registry = load_all_rules()
    # which objects carry any exemption, looked up once rather than once per rule (most carry none)
    exemptions = [any(key.startswith(EXEMPT_PREFIX) for key in m.annotations) for m in manifests]
    if registry[EXEMPTION_MISSING_REASON].family in wanted:
        for m in manifests:
            yield from _bad_exemptions(m)
    active = [(r, check, severity) for r in registry.values()
              if r.family in wanted and (check := r.check) is not None
              and (severity := effective_severity(r, ctx.policy)) is not None]
    known = _per_object(manifests, ctx, wanted, [r for r, _, _ in active if r.scope == "object"], exemptions,
                        cache_dir) if cache_dir is not None else None
    for r, check, severity in active:
        if r.scope == "object":
            for i, (m, exempt) in enumerate(zip(manifests, exemptions)):
                if known is not None:
                    violations: Iterable[Violation] = known[i].get(r.id, ())
                elif exempt and _exempt(m, r.id):
                    continue
                else:
                    violations = check(m, ctx)
                for v in violations:
                    yield finding_for(r, severity, m, v)
        else:
            for v in check(manifests, ctx):
                target = v.manifest
                if target is None:
                    raise ValueError(f"rule {r.id} has scope 'all' and must name the manifest of each violation")
                if not _exempt(target, r.id):
                    yield finding_for(r, severity, target, v)


def _per_object(manifests: Sequence[Manifest], ctx: Context, wanted: set[str], rules: list[Rule],
                exemptions: list[bool], cache_dir: Path) -> list[dict[str, list[Violation]]]:
    """For each object, what each per-object rule found in it (a rule it is exempt from is not run): from
    the cache for an object seen before with the same settings, else by running the rules (and stored)."""
    from inferops.rules.result_cache import RuleResultCache

    cache = RuleResultCache(cache_dir, [
        sorted([r.id, r.family, r.scope, str(r.severity)] for r in REGISTRY.values()), sorted(wanted),
        ctx.policy.model_dump(), ctx.kubernetes_version,
        str(ctx.root) if ctx.root is not None else None, str(ctx.cwd) if ctx.cwd is not None else None,
    ])
    out = []
    for m, exempt in zip(manifests, exemptions):
        key = cache.key(m)
        stored = cache.get(key) if key is not None else None
        if stored is not None:
            out.append({rule_id: [Violation(message, tuple(path), hint) for message, path, hint in found]
                        for rule_id, found in stored.items()})
            continue
        found = {r.id: list(r.check(m, ctx)) for r in rules
                 if r.check is not None and not (exempt and _exempt(m, r.id))}
        out.append(found)
        if key is not None and all(_storable(v) for vs in found.values() for v in vs):
            cache.put(key, {rule_id: [[v.message, list(v.path), v.hint] for v in vs]
                            for rule_id, vs in found.items() if vs})
    cache.save()
    return out


def _storable(v: Violation) -> bool:
    """Whether ``v`` comes back the same from JSON."""
    return v.manifest is None and isinstance(v.message, str) and isinstance(v.hint, (str, type(None))) \
        and all(isinstance(p, str) or (isinstance(p, int) and not isinstance(p, bool)) for p in v.path)


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
