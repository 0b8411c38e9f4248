"""One validation run: discover → load and render → check → :class:`Report`.

Findings are deduplicated on everything they show (rule, severity, message, file, line, object): a base
rendered by two overlays yields the same object twice, and a problem in the base is reported once.
Objects that differ between overlays (a ``namePrefix``, a namespace) keep separate findings, since their
object names differ. Which families run is ``--checks``: input problems (unreadable files, bad YAML)
are always reported; leaving out ``render`` hides render findings but still renders, so the other
families see what kustomize would deploy.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from inferops.errors import InferopsError
from inferops.policy import Policy, find_policy, load_policy
from inferops.rules.base import REGISTRY, Context, Rule, effective_severity, run_rules
from inferops.validate.discovery import Kustomization, Plan, discover, display_path
from inferops.validate.findings import Finding
from inferops.validate.limits import DEFAULT_LIMITS, Limits
from inferops.validate.manifest import Manifest
from inferops.validate.report import Report

if TYPE_CHECKING:
    from inferops.validate.loader import LoadedFiles
    from inferops.validate.render_cache import RenderCache
    from inferops.validate.schema import SchemaChecker

DEFAULT_KUBERNETES_VERSION = "1.33.0"
RULE_FAMILIES = ("gpu", "guardrails")
STDIN_NAME = "<stdin>"


@dataclass(slots=True)
class Options:
    """Everything a run needs, as ``inferops validate`` flags give it."""

    paths: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=lambda: ["render", "schema", *RULE_FAMILIES])
    strict: bool = True
    kubernetes_version: str | None = None
    schema_locations: list[str] = field(default_factory=list)
    crds: list[str] = field(default_factory=list)
    ignore_missing_schemas: bool = False
    skip_kinds: list[str] = field(default_factory=list)
    reject_kinds: list[str] = field(default_factory=list)
    engine: str = "builtin"
    cache_dir: str | None = None
    policy: str | None = None
    skip_render: bool = False
    cwd: Path = field(default_factory=Path.cwd)
    stdin_text: str | None = None  # the text of ``-`` when it is among the paths
    limits: Limits = DEFAULT_LIMITS
    render_cache: bool = True  # ``--no-cache`` turns it off


@dataclass(slots=True)
class _Tally:
    """What the progress line shows: the stage, and renders done out of all."""

    stage: str = "reading files"
    roots: int = 0
    rendered: int = 0
    cache: RenderCache | None = None

    def status(self, files: LoadedFiles) -> str:
        line = f"inferops: {self.stage}: {len(files)} files"
        if self.roots:
            hits = f" ({self.cache.hits} cached)" if self.cache is not None else ""
            line += f", {self.rendered}/{self.roots} renders{hits}"
        return line


@dataclass(slots=True)
class _Collected:
    manifests: list[Manifest] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: set[str] = field(default_factory=set)


def run(options: Options) -> Report:
    """Validate ``options.paths``; raises :class:`InferopsError` for usage and configuration errors."""
    cwd = options.cwd.resolve()
    policy = resolve_policy(options.policy, options.paths, cwd)
    version = options.kubernetes_version or policy.kubernetes_version or DEFAULT_KUBERNETES_VERSION
    schema = _schema_checker(options, cwd, version)
    from inferops.validate.loader import LoadedFiles
    from inferops.validate.progress import Progress

    files = LoadedFiles(lambda path: display_path(path, cwd), strict=options.strict, limits=options.limits)
    tally = _Tally()
    with Progress(lambda: tally.status(files)):
        plan = discover(options.paths, cwd, files.load)
        got = _Collected()
        _load_plain(plan, options, files, got)
        _render(plan, options, cwd, files, got, tally)
        tally.stage = f"checking {len(got.manifests)} objects"
        ctx = Context(policy=policy, kubernetes_version=version)
        findings = [*got.findings, *_check(got.manifests, schema, options.checks, ctx)]
    if "render" not in options.checks:
        findings = [f for f in findings if f.family != "render"]
    findings = _dedupe(_apply_policy(findings, policy))
    return Report(findings, files_checked=len(got.files), objects_checked=len(got.manifests), notes=got.notes)


def resolve_policy(explicit: str | None, paths: list[str], cwd: Path) -> Policy:
    """``--policy``, else the ``.inferops.yaml`` nearest the first path (or ``cwd``), else defaults."""
    if explicit:
        path = cwd / explicit
        if not path.is_file():
            raise InferopsError("policy file not found", file=explicit)
    else:
        start = next((cwd / p for p in paths if p != "-"), cwd)
        found = find_policy(start if start.is_dir() else start.parent)
        if found is None:
            return Policy()
        path = found
    return load_policy(_user_path(cwd, path))


def _user_path(cwd: Path, raw: str | Path) -> Path:
    """``raw`` (relative to ``cwd``) as a path usable from the process's directory and named in errors
    the way the user would name it: relative when inside the directory they ran in."""
    return Path(display_path((cwd / raw).resolve(), Path.cwd().resolve()))


def _load_plain(plan: Plan, options: Options, files: LoadedFiles, got: _Collected) -> None:
    from inferops.validate.loader import load_documents

    results = [files.load(f) for f in plan.files]
    got.files.update(files.name(f) for f in plan.files)
    if plan.stdin:
        results.append(load_documents(options.stdin_text or "", STDIN_NAME, strict=options.strict,
                                      limits=options.limits))
        got.files.add(STDIN_NAME)
    for result in results:
        got.manifests.extend(result.manifests)
        got.findings.extend(result.findings)
    if plan.not_manifests:
        names = [files.name(f) for f in plan.not_manifests]
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        got.notes.append(f"skipped {len(names)} YAML/JSON file(s) with no apiVersion or kind "
                         f"(not Kubernetes manifests; name a file to check it anyway): {shown}")


def _render(plan: Plan, options: Options, cwd: Path, files: LoadedFiles, got: _Collected, tally: _Tally) -> None:
    from inferops.rules.core import RENDER_FAILED, RENDER_SKIPPED
    from inferops.validate.render import find_kustomize, render_all

    for chart in plan.charts:
        where = display_path(chart, cwd)
        got.findings.append(_core(RENDER_SKIPPED, f"Helm chart {where} is not rendered: its templates are not "
                                  "YAML until Helm renders them", display_path(chart / "Chart.yaml", cwd)))
    for k in plan.helm_kustomizations:
        got.findings.append(_core(RENDER_SKIPPED, f"kustomization {display_path(k.dir, cwd)} inflates Helm charts "
                                  "(helmCharts), which needs `kustomize build --enable-helm`",
                                  display_path(k.file, cwd)))
    if not plan.render_roots:
        return
    tool = find_kustomize()
    if tool is None:
        _skip_render(plan, options, cwd, files, got)
        return
    from inferops.validate.origins import Sources, rendered_manifests

    sources = Sources(cwd, strict=options.strict, files=files)
    cache = _render_cache(tool.command, cwd, options.paths) if options.render_cache else None
    tally.stage, tally.roots, tally.cache = "rendering", len(plan.render_roots), cache

    def done(_rendered: object) -> None:
        tally.rendered += 1

    renders = render_all([k.dir for k in plan.render_roots], tool, cache, on_done=done)
    for root, rendered in zip(plan.render_roots, renders):
        got.files.add(display_path(root.file, cwd))
        if rendered.error is not None:
            got.findings.append(_core(RENDER_FAILED, f"kustomization {display_path(root.dir, cwd)} does not build: "
                                      f"{rendered.error}", display_path(root.file, cwd)))
            continue
        result = rendered_manifests(rendered, root, sources)
        got.manifests.extend(result.manifests)
        got.findings.extend(result.findings)
    got.findings.extend(sources.findings())
    got.files.update(display_path(f, cwd) for f in sources.files)


def _render_cache(command: tuple[str, ...], cwd: Path, paths: list[str]) -> RenderCache:
    """The user's render cache; a render is cached only when it reads nothing outside its Git
    repository (or, outside Git, the scanned directory or ``cwd`` holding it)."""
    from inferops.validate.render_cache import RenderCache, default_directory

    scanned = [cwd / p for p in paths if p != "-" and (cwd / p).is_dir()]
    return RenderCache(default_directory(), command, [cwd, *scanned])


def _skip_render(plan: Plan, options: Options, cwd: Path, files: LoadedFiles, got: _Collected) -> None:
    """No kustomize: an error, unless ``--skip-render`` asks to check the kustomizations' sources instead."""
    if not options.skip_render:
        first = display_path(plan.render_roots[0].dir, cwd)
        raise InferopsError(
            f"{len(plan.render_roots)} kustomization(s) to render (e.g. {first}) but neither `kustomize` nor "
            "`kubectl` is on PATH; install one, or pass --skip-render to check their sources as plain files"
        )
    from inferops.rules.core import RENDER_SKIPPED

    for root in plan.render_roots:
        got.findings.append(_core(RENDER_SKIPPED, f"kustomization {display_path(root.dir, cwd)} is not rendered "
                                  "(--skip-render and no kustomize installed)", display_path(root.file, cwd)))
    sources = _resource_files(plan.kustomizations)
    for path in sources:
        result = files.load(path)
        got.manifests.extend(result.manifests)
        got.findings.extend(result.findings)
        got.files.add(display_path(path, cwd))
    got.notes.append(f"--skip-render: no kustomize installed; the {len(sources)} resource file(s) of "
                     f"{len(plan.kustomizations)} kustomization(s) were checked as plain files, unpatched")


def _resource_files(kustomizations: Iterable[Kustomization]) -> list[Path]:
    """Resource files as kustomize would load them: only files in or below their kustomization (its load
    restriction), so ``resources: [../../etc/passwd]`` reads nothing outside the repository."""
    return list(dict.fromkeys(f for k in kustomizations if not k.component for f in k.resources
                              if f.is_relative_to(k.dir) and f.is_file()))


def _schema_checker(options: Options, cwd: Path, version: str) -> SchemaChecker | None:
    """The schema checker, built before any work so that bad schema options fail fast."""
    if "schema" not in options.checks:
        return None
    from inferops.validate.schema import SchemaChecker, SchemaOptions

    return SchemaChecker(SchemaOptions(
        kubernetes_version=version, strict=options.strict, locations=options.schema_locations,
        crds=[_user_path(cwd, c) for c in options.crds], ignore_missing=options.ignore_missing_schemas,
        skip=options.skip_kinds, reject=options.reject_kinds, engine=options.engine,
        cache_dir=_user_path(cwd, options.cache_dir) if options.cache_dir else None,
    ))


def _check(manifests: list[Manifest], schema: SchemaChecker | None, checks: list[str], ctx: Context) -> list[Finding]:
    findings = list(schema.check_all(manifests)) if schema is not None else []
    families = [f for f in checks if f in RULE_FAMILIES]
    if families:
        findings.extend(run_rules(manifests, ctx, families))
    return findings


def _core(rule: Rule, message: str, file: str) -> Finding:
    return Finding(rule.id, rule.severity, message, file, None, None, rule.hint, rule.family)


def _apply_policy(findings: list[Finding], policy: Policy) -> list[Finding]:
    """Severity overrides for the core's own findings (rules apply theirs in ``run_rules``)."""
    if not policy.rules:
        return findings
    out = []
    for f in findings:
        core = REGISTRY.get(f.rule_id)
        if core is None or core.check is not None:
            out.append(f)
            continue
        severity = effective_severity(core, policy)
        if severity is not None:
            out.append(dataclasses.replace(f, severity=severity))
    return out


def _dedupe(findings: list[Finding]) -> list[Finding]:
    return list(dict.fromkeys(findings))
