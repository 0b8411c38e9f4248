"""One validation run: discover → load and render → check → :class:`Report`.

Findings are deduplicated on everything they show (rule, severity, message, file, line, object): a base
rendered by two overlays yields the same object twice, and a problem in the base is reported once.
Objects that differ between overlays (a ``namePrefix``, a namespace) keep separate findings, since their
object names differ. Which families run is ``--checks``: input problems (unreadable files, bad YAML)
are always reported; leaving out ``render`` hides render findings but still renders, so the other
families see what kustomize would deploy.

Nothing is dropped silently: every file or directory discovery skipped is listed in the notes (which
every report format carries), and a kustomization that is not rendered (remote references, a FIFO,
``helmCharts``, a failed build, no kustomize) has its plain local resource files checked on their own,
except those another, successful render already covered.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from inferops import cache_files
from inferops.errors import InferopsError
from inferops.placeholders import placeholder_note
from inferops.policy import Policy, find_policy, load_policy
from inferops.rules.base import REGISTRY, Context, Rule, effective_severity, run_rules
from inferops.validate.causes import one_per_cause
from inferops.validate.discovery import Exclusions, Plan, Reference, discover, display_path, git_root
from inferops.validate.findings import Finding
from inferops.validate.limits import DEFAULT_LIMITS, Limits
from inferops.validate.manifest import Manifest
from inferops.validate.report import Report

if TYPE_CHECKING:
    from inferops.validate.closure import Closure
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
    allow_remote: bool = False  # let kustomize fetch remote resources (never in the GitHub Action)
    render_timeout: float = 60.0  # seconds one render may take
    exclude: list[str] = field(default_factory=list)  # globs added to the policy's ``exclude``
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
    #: Whether every render read only files the render cache keyed, inside the repository (see Report.reusable).
    renders_keyed: bool = True


def run(options: Options) -> Report:
    """Validate ``options.paths``; raises :class:`InferopsError` for usage and configuration errors."""
    cwd = options.cwd.resolve()
    root = repository_root(options.paths, cwd)
    cache_inside = options.render_cache and cache_files.cache_inside(root)
    if cache_inside:
        options = dataclasses.replace(options, render_cache=False)
    policy_file = policy_path(options.policy, options.paths, cwd)
    policy = Policy() if policy_file is None else load_policy(
        _user_path(cwd, policy_file), cache_dir=_policy_cache() if options.render_cache else None)
    version = options.kubernetes_version or policy.kubernetes_version or DEFAULT_KUBERNETES_VERSION
    schema = _schema_checker(options, cwd, version)
    exclusions = Exclusions((*policy.exclude, *options.exclude),
                            policy_file.resolve().parent if policy_file is not None else cwd)
    from inferops.validate.loader import LoadedFiles
    from inferops.validate.progress import Progress

    files = LoadedFiles(lambda path: display_path(path, cwd), strict=options.strict, limits=options.limits)
    tally = _Tally()
    with Progress(lambda: tally.status(files)):
        plan = discover(options.paths, cwd, exclusions, files.load)
        got = _Collected()
        _note_policy(policy_file, options.policy, cwd, got)
        if cache_inside:
            got.notes.append("the cache directory ($XDG_CACHE_HOME/inferops) is inside the checked repository, where a "
                             "change could add entries: it is neither read nor written (as with --no-cache)")
        _note_skipped(plan, cwd, got)
        _load_plain(plan, options, files, got)
        _render(plan, options, cwd, root, files, got, tally)
        tally.stage = f"checking {len(got.manifests)} objects"
        ctx = Context(policy=policy, kubernetes_version=version, root=root, cwd=cwd)
        results = _results_directory() if options.render_cache else None
        findings = [*got.findings, *_check(got.manifests, schema, options.checks, ctx, results)]
    if "render" not in options.checks:
        findings = [f for f in findings if f.family != "render"]
    findings = one_per_cause(_dedupe(_apply_policy(findings, policy)))
    note = placeholder_note(got.manifests)
    if note:
        got.notes.append(note)
    notes = [*(schema.notes if schema is not None else []), *got.notes]
    reusable = got.renders_keyed and not cache_inside and not _reads_git_internals(files, got.manifests)
    return Report(findings, files_checked=len(got.files), objects_checked=len(got.manifests), notes=notes,
                  objects=got.manifests, reusable=reusable)


def policy_path(explicit: str | None, paths: list[str], cwd: Path) -> Path | None:
    """The policy file a run uses: ``--policy``, else the nearest ``.inferops.yaml``; ``None`` for defaults."""
    if explicit:
        path = cwd / explicit
        if not path.is_file():
            raise InferopsError("policy file not found", file=explicit)
        return path
    start = next((cwd / p for p in paths if p != "-"), cwd)
    return find_policy(start if start.is_dir() else start.parent)


def repository_root(paths: list[str], cwd: Path) -> Path:
    """The directory Argo CD source paths are relative to: the Git root above the first path (or ``cwd``),
    else the directory of the nearest policy file, else that path itself."""
    start = next((cwd / p for p in paths if p != "-"), cwd).resolve()
    start = start if start.is_dir() else start.parent
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    found = find_policy(start)
    return found.parent.resolve() if found is not None else start


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


def _note_policy(policy_file: Path | None, explicit: str | None, cwd: Path, got: _Collected) -> None:
    """Say so when the policy in use was found below the repository root: a change could have added it
    there to switch rules off or exclude paths for the directory it sits in."""
    if policy_file is None or explicit:
        return
    path = policy_file.resolve()
    root = git_root(path.parent)
    if root is not None and path.parent != root:
        got.notes.append(f"policy file {display_path(path, cwd)} is used, not the repository root's "
                         "(pass --policy to choose one)")


def _note_skipped(plan: Plan, cwd: Path, got: _Collected) -> None:
    """One note per reason a walked file or directory was not checked, naming every one of them."""
    reasons = (
        (plan.excluded, "skipped {n} path(s) matching `exclude` (policy file or --exclude; the default skips "
                        "hidden files and directories, node_modules, __pycache__ and site-packages)"),
        (plan.deployed_excluded, "checked {n} excluded path(s) anyway because an Argo CD Application in the "
                                 "checked files deploys them"),
        (plan.outside, "skipped {n} symbolic link(s) pointing outside the repository (they are not read)"),
        (plan.enclosing, "rendered {n} kustomization(s) above the checked paths, which use files in them "
                         "(a patch is checked through the render, not as an object of its own)"),
        (plan.helm_templates, "skipped {n} Helm template file(s) (they hold `{{{{` and are not YAML until Helm "
                              "renders them)"),
        (plan.not_manifests, "skipped {n} YAML/JSON file(s) with no apiVersion or kind (not Kubernetes "
                             "manifests; name a file to check it anyway)"),
    )
    for paths, reason in reasons:
        if paths:
            names = ", ".join(display_path(p, cwd) + ("/" if p.is_dir() else "") for p in paths)
            got.notes.append(f"{reason.format(n=len(paths))}: {names}")


def _render(plan: Plan, options: Options, cwd: Path, top: Path, files: LoadedFiles, got: _Collected,
            tally: _Tally) -> None:
    from inferops.rules.core import RENDER_FAILED, RENDER_SKIPPED
    from inferops.validate.closure import closure_of
    from inferops.validate.render import RenderSettings, find_kustomize, iter_renders

    for chart in plan.charts:
        where = display_path(chart, cwd)
        got.findings.append(_core(RENDER_SKIPPED, f"Helm chart {where} is not rendered: files under its templates/ "
                                  "holding `{{` are not YAML until Helm renders them; its other files are checked",
                                  display_path(chart / "Chart.yaml", cwd)))
    known = {k.dir: k for k in plan.kustomizations}
    configs: dict[Path, list[Reference]] = {}
    closures = [closure_of(root, known, configs) for root in plan.render_roots]
    got.files.update(display_path(c.root.file, cwd) for c in closures)
    renderable = [c for c in closures if _renderable(c, options, cwd, got)]
    unrendered = [c for c in closures if c not in renderable]
    rendered: list[Closure] = []
    tool = find_kustomize() if renderable else None
    if renderable and tool is None:
        _skip_render(renderable, options, cwd, got)
        unrendered.extend(renderable)
        renderable = []
    if renderable and tool is not None:
        from inferops.validate.origins import Sources, rendered_manifests

        sources = Sources(cwd, strict=options.strict, files=files)
        settings = RenderSettings(timeout=options.render_timeout, allow_remote=options.allow_remote)
        cache = _render_cache(tool.command, cwd, options.paths) if options.render_cache else None
        tally.stage, tally.roots, tally.cache = "rendering", len(renderable), cache

        def done(_rendered: object) -> None:
            tally.rendered += 1

        renders = iter_renders([c.root.dir for c in renderable], tool, settings, cache, on_done=done)
        for c, result in zip(renderable, renders):
            root = c.root
            if result.error is not None:
                got.findings.append(_core(RENDER_FAILED, f"kustomization {display_path(root.dir, cwd)} does not "
                                          f"build: {result.error}", display_path(root.file, cwd)))
                unrendered.append(c)
                continue
            rendered.append(c)
            loaded = rendered_manifests(result, root, sources, cache)
            got.manifests.extend(loaded.manifests)
            got.findings.extend(loaded.findings)
        got.findings.extend(sources.findings())
        got.files.update(display_path(f, cwd) for f in sources.files)
        got.renders_keyed = cache is not None and cache.all_keyed and len(rendered) == len(renderable) \
            and all(c.root.dir.resolve().is_relative_to(top) for c in renderable)  # a failure may be a timeout
    _check_unrendered(unrendered, rendered, plan, files, cwd, got)


def _reads_git_internals(files: LoadedFiles, manifests: list[Manifest]) -> bool:
    """Whether the run read a file inside a ``.git`` directory (through a link, or because an Argo CD source
    path leads there) or looked for an Argo CD source path there: the run cache does not hash ``.git``."""
    from pathlib import PurePosixPath

    from inferops.shapes import string_values

    if any(".git" in path.parts for path in files.paths):
        return True
    return any(path and path[-1] == "path" and ".git" in PurePosixPath(text).parts
               for m in manifests if m.api_version.startswith("argoproj.io/")
               for path, text in string_values(m.data))


def _render_cache(command: tuple[str, ...], cwd: Path, paths: list[str]) -> RenderCache:
    """The user's render cache; a render is cached only when it reads nothing outside its Git
    repository (or, outside Git, the scanned directory or ``cwd`` holding it)."""
    from inferops.validate.render_cache import RenderCache, default_directory

    scanned = [cwd / p for p in paths if p != "-" and (cwd / p).is_dir()]
    return RenderCache(default_directory(), command, [cwd, *scanned])


def _renderable(c: Closure, options: Options, cwd: Path, got: _Collected) -> bool:
    """Whether kustomize may build ``c``; if not, findings say why (at the file and line that causes it)."""
    from inferops.rules.core import FILE_UNREADABLE, REMOTE_REFERENCE, RENDER_FAILED, RENDER_SKIPPED

    ok = True
    if c.remote and not options.allow_remote:
        ok = False
        for ref in c.remote:
            got.findings.append(_core(
                REMOTE_REFERENCE, f"`{ref.entry}` is a remote reference; it is not fetched without --allow-remote, "
                "so the kustomizations using it are checked from their local files, unrendered",
                display_path(ref.file, cwd), ref.line))
    for path in c.special:
        ok = False
        got.findings.append(_core(FILE_UNREADABLE, "not a regular file (a FIFO, device or socket): it is not read, "
                                  "and the kustomizations using it are not rendered", display_path(path, cwd)))
    for k in c.unreadable:
        ok = False
        problem, line = k.unreadable or ("", None)
        got.findings.append(_core(RENDER_FAILED, f"kustomization {display_path(k.dir, cwd)} cannot be read ({problem}), "
                                  "so the kustomizations using it are not rendered", display_path(k.file, cwd), line))
    for k, path in c.outside:
        ok = False
        got.findings.append(_core(RENDER_FAILED, f"kustomization {display_path(k.dir, cwd)} refers to {display_path(path, cwd)}, outside "
                                  "the repository; it is not read, and the kustomizations using it are not rendered",
                                  display_path(k.file, cwd)))
    for k in c.helm:
        ok = False
        got.findings.append(_core(RENDER_SKIPPED, f"kustomization {display_path(k.dir, cwd)} inflates Helm charts "
                                  "(helmCharts), which needs `kustomize build --enable-helm` (it runs helm); "
                                  "inferops never enables it", display_path(k.file, cwd)))
    return ok


def _check_unrendered(unrendered: list[Closure], rendered: list[Closure], plan: Plan, loaded: LoadedFiles,
                      cwd: Path, got: _Collected) -> None:
    """Check the resource files of kustomizations that were not rendered as plain, unpatched files, except
    those a successful render or the plain files already covered."""
    if not unrendered:
        return
    covered = {f for c in rendered for f in c.resource_files} | set(plan.files)
    files = [f for f in dict.fromkeys(f for c in unrendered for f in c.resource_files) if f not in covered]
    for path in files:
        result = loaded.load(path)
        got.manifests.extend(result.manifests)
        got.findings.extend(result.findings)
        got.files.add(display_path(path, cwd))
    roots = ", ".join(display_path(c.root.dir, cwd) for c in unrendered)
    shown = ", ".join(display_path(f, cwd) for f in files) or "none"
    got.notes.append(f"{len(unrendered)} kustomization(s) not rendered ({roots}): their {len(files)} local resource "
                     f"file(s) not covered by another render were checked as plain, unpatched files (patches and "
                     f"generators not applied): {shown}")


def _skip_render(closures: list[Closure], options: Options, cwd: Path, got: _Collected) -> None:
    """No kustomize: an error, unless ``--skip-render`` asks to check the kustomizations' sources instead."""
    if not options.skip_render:
        first = display_path(closures[0].root.dir, cwd)
        raise InferopsError(
            f"{len(closures)} kustomization(s) to render (e.g. {first}) but neither `kustomize` nor "
            "`kubectl` is on PATH; install one, or pass --skip-render to check their sources as plain files"
        )
    from inferops.rules.core import RENDER_SKIPPED

    for c in closures:
        got.findings.append(_core(RENDER_SKIPPED, f"kustomization {display_path(c.root.dir, cwd)} is not rendered "
                                  "(--skip-render and no kustomize installed)", display_path(c.root.file, cwd)))
    got.notes.append("--skip-render: no kustomize installed; kustomizations were not rendered")


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


def _check(manifests: list[Manifest], schema: SchemaChecker | None, checks: list[str], ctx: Context,
           results: Path | None) -> list[Finding]:
    findings = list(schema.check_all(manifests)) if schema is not None else []
    families = [f for f in checks if f in RULE_FAMILIES]
    if families:
        findings.extend(run_rules(manifests, ctx, families, results))
    return findings


def _policy_cache() -> Path:
    """Where policy files that passed validation are remembered (``--no-cache`` turns it off)."""
    from inferops.policy_cache import default_directory

    return default_directory()


def _results_directory() -> Path:
    """Where what the per-object rules found is kept between runs (``--no-cache`` turns it off)."""
    from inferops.rules.result_cache import default_directory

    return default_directory()


def _core(rule: Rule, message: str, file: str, line: int | None = None) -> Finding:
    return Finding(rule.id, rule.severity, message, file, line, None, rule.hint, rule.family)


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
