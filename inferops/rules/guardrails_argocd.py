"""Argo CD guardrails: Applications belong to a real project, projects are explicit about what they allow,
production tracks an immutable revision, and every Application stays inside what its project permits
(gpu-serving-facts.md D.41, D.42; argo-cd docs/operator-manual/project.yaml, docs/user-guide/projects.md).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from inferops.rules import argocd
from inferops.rules.base import Context, Violation, rule
from inferops.rules.workloads import dig
from inferops.validate.findings import Severity
from inferops.validate.manifest import Manifest

FAMILY = "guardrails"


@rule(
    "argocd-default-project", family=FAMILY, severity=Severity.ERROR,
    summary="An Argo CD Application (or ApplicationSet template) uses the `default` project or none.",
    hint="create an AppProject with explicit sourceRepos and destinations and set spec.project to it",
)
def argocd_default_project(m: Manifest, ctx: Context) -> Iterator[Violation]:
    if argocd.is_argo(m, "Application"):
        path: tuple[str, ...] = ("spec", "project")
    elif argocd.is_argo(m, "ApplicationSet"):
        path = ("spec", "template", "spec", "project")
    else:
        return
    project = dig(m.data, path)
    if project in (None, "", "default"):
        which = "the default project" if project == "default" else "no project (Argo CD then uses default)"
        yield Violation(f"{m.kind} {m.name} uses {which}, which allows any repo, cluster and kind", path)


@rule(
    "argocd-project-wildcard", family=FAMILY, severity=Severity.ERROR,
    summary="An AppProject allows `*` as source repository, destination, or cluster-scoped resource.",
    hint="list the repositories, destinations (server + namespace) and cluster kinds (at most Namespace) explicitly",
)
def argocd_project_wildcard(m: Manifest, ctx: Context) -> Iterator[Violation]:
    if not argocd.is_argo(m, "AppProject"):
        return
    spec = argocd.spec(m)
    for i, repo in _items(spec.get("sourceRepos")):
        if _wildcard(repo):
            yield Violation(f"AppProject {m.name} allows any source repository", ("spec", "sourceRepos", i))
    for i, dest in _items(spec.get("destinations")):
        if isinstance(dest, dict):
            for key in ("server", "name", "namespace"):
                if _wildcard(dest.get(key)):
                    yield Violation(f"AppProject {m.name} allows any destination {key}",
                                    ("spec", "destinations", i, key))
    for i, entry in _items(spec.get("clusterResourceWhitelist")):
        if isinstance(entry, dict) and any(_wildcard(entry.get(k)) for k in ("group", "kind")):
            yield Violation(f"AppProject {m.name} whitelists cluster-scoped resources {_describe(entry)}",
                            ("spec", "clusterResourceWhitelist", i))


@rule(
    "argocd-revision-unpinned", family=FAMILY, severity=Severity.ERROR,
    summary="An Application in an environment with require_pinned_revision tracks a branch or HEAD.",
    hint="set targetRevision to a tag (e.g. v0.1.0) or a commit SHA; promote by changing it in Git",
)
def argocd_revision_unpinned(m: Manifest, ctx: Context) -> Iterator[Violation]:
    if not argocd.is_argo(m, "Application"):
        return
    env = argocd.environment(m, ctx.policy)
    if not ctx.policy.environment(env).require_pinned_revision:
        return
    for source, path in argocd.sources(m):
        revision = source.get("targetRevision")
        if not argocd.revision_pinned(revision, chart=bool(source.get("chart"))):
            shown = f"targetRevision {revision}" if revision else "no targetRevision (HEAD)"
            yield Violation(f"Application {m.name} ({env}) tracks {shown}, which moves", (*path, "targetRevision"))


@rule(
    "argocd-app-not-permitted", family=FAMILY, severity=Severity.ERROR, scope="all",
    summary="An Application's repository or destination is not allowed by its AppProject (Argo CD refuses to sync).",
    hint="point the Application at a repo and destination its project lists, or extend the project",
)
def argocd_app_not_permitted(manifests: Sequence[Manifest], ctx: Context) -> Iterator[Violation]:
    projects = argocd.projects_by_name(manifests)
    for m in argocd.applications(manifests):
        found = argocd.project_of(m, projects)
        if found is None:
            continue  # the project is defined elsewhere; nothing to compare with
        name, project = found
        for source, path in argocd.sources(m):
            repo = source.get("repoURL")
            if isinstance(repo, str) and not argocd.repo_permitted(project, repo):
                yield Violation(f"Application {m.name}: project {name} does not allow repository {repo}",
                                (*path, "repoURL"), manifest=m)
        destination = dig(m.data, ("spec", "destination"))
        if isinstance(destination, dict) and not argocd.destination_permitted(project, destination):
            where = destination.get("server") or destination.get("name") or "?"
            yield Violation(
                f"Application {m.name}: project {name} does not allow destination {where} "
                f"namespace {destination.get('namespace') or '(none)'}",
                ("spec", "destination"), manifest=m,
            )


def _items(value: Any) -> Iterator[tuple[int, Any]]:
    return enumerate(value) if isinstance(value, list) else iter(())


def _wildcard(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != "" and set(value.strip()) == {"*"}


def _describe(entry: dict[str, Any]) -> str:
    return f"group {entry.get('group', '')!r} kind {entry.get('kind', '')!r}"
