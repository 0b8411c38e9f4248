"""Argo CD guardrails on what an Application's source deploys, read from the repository being validated:
every kind its path renders is permitted by its AppProject, a pinned parent pins its child Applications to
the same revision, and its path exists. The objects come from this run's own renders and files (the
pipeline renders every kustomization an Application points at), located by :class:`argocd.Placed`.

Sources: argo-cd pkg/apis/application/v1alpha1/app_project_types.go (IsGroupKindNamePermitted,
IsResourcePermitted), reposerver/repository/repository.go (directory sources: recurse, include, exclude;
paths may not leave the repository), docs/user-guide/projects.md, docs/operator-manual/cluster-bootstrapping.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from inferops.rules import argocd
from inferops.rules.base import Context, Violation, rule
from inferops.rules.workloads import dig
from inferops.shapes import as_mapping
from inferops.validate.findings import Severity
from inferops.validate.manifest import Manifest

FAMILY = "guardrails"


def _placed(manifests: Sequence[Manifest], ctx: Context) -> argocd.Placed:
    """Where each object comes from, worked out once for the three rules of this module."""
    placed = ctx.shared.get("argocd.Placed")
    if not isinstance(placed, argocd.Placed) or placed.manifests is not manifests:
        placed = ctx.shared["argocd.Placed"] = argocd.Placed(manifests, ctx.root, ctx.cwd)
    return placed


def _local_repos(placed: argocd.Placed, apps: list[Manifest]) -> set[str]:
    """Repository URLs that are this repository: those of a source whose path exists here."""
    local = set()
    for app in apps:
        for source, _ in argocd.sources(app):
            directory, repo = argocd.source_dir(source), source.get("repoURL")
            if isinstance(repo, str) and directory is not None and not argocd.escapes(directory) \
                    and placed.exists(directory):
                local.add(argocd.normalise_repo(repo))
    return local


@rule(
    "argocd-kind-not-permitted", family=FAMILY, severity=Severity.ERROR, scope="all",
    summary="An object an Application deploys has a kind or namespace its AppProject does not permit (sync fails).",
    hint="add the kind to the project's namespaceResourceWhitelist (or clusterResourceWhitelist), or drop the object",
)
def argocd_kind_not_permitted(manifests: Sequence[Manifest], ctx: Context) -> Iterator[Violation]:
    apps, projects = argocd.applications(manifests), argocd.projects_by_name(manifests)
    if not apps or not projects:
        return
    placed = _placed(manifests, ctx)
    for app in apps:
        found = argocd.project_of(app, projects)
        if found is None:
            continue
        name, project = found
        destination = as_mapping(dig(app.data, ("spec", "destination")))
        for source, _ in argocd.sources(app):
            for m in placed.deployed_by(source):
                yield from _not_permitted(m, app, name, project, destination)


def _not_permitted(m: Manifest, app: Manifest, name: str, project: dict[str, Any],
                   destination: dict[str, Any]) -> Iterator[Violation]:
    group, namespaced = argocd.group_of(m.api_version), m.kind not in argocd.CLUSTER_SCOPED
    if not m.kind:
        return
    if not argocd.kind_permitted(project, group, m.kind, m.name, namespaced):
        scope = "namespaced" if namespaced else "cluster-scoped"
        yield Violation(f"{m.kind} {m.name} is deployed by Application {app.name}, but project {name} does not "
                        f"permit {scope} kind {group or 'core'}/{m.kind}; Argo CD refuses the sync",
                        ("kind",), manifest=m)
    elif namespaced and m.namespace and m.namespace != destination.get("namespace") \
            and not argocd.destination_permitted(project, {**destination, "namespace": m.namespace}):
        yield Violation(f"{m.kind} {m.name} is deployed by Application {app.name} into namespace {m.namespace}, "
                        f"which project {name} does not list as a destination", ("metadata", "namespace"), manifest=m)


@rule(
    "argocd-revision-mismatch", family=FAMILY, severity=Severity.ERROR, scope="all",
    summary="A pinned app of apps deploys a child Application of the same repository at another targetRevision.",
    hint="set the child's targetRevision to its parent's (inferops release re-renders both), so the tag pins both",
)
def argocd_revision_mismatch(manifests: Sequence[Manifest], ctx: Context) -> Iterator[Violation]:
    apps = argocd.applications(manifests)
    if not apps:
        return
    placed = _placed(manifests, ctx)
    for parent in apps:
        env = argocd.environment(parent, ctx.policy)
        if not ctx.policy.environment(env).require_pinned_revision:
            continue
        for source, _ in argocd.sources(parent):
            revision, repo = source.get("targetRevision"), source.get("repoURL")
            if source.get("chart") or not isinstance(repo, str) or not argocd.revision_pinned(revision, chart=False):
                continue
            for child in argocd.applications(placed.deployed_by(source)):
                if child is parent:
                    continue
                for child_source, path in argocd.sources(child):
                    child_repo = child_source.get("repoURL")
                    if child_source.get("chart") or not isinstance(child_repo, str) \
                            or argocd.normalise_repo(child_repo) != argocd.normalise_repo(repo):
                        continue
                    if child_source.get("targetRevision") != revision:
                        yield Violation(
                            f"Application {child.name} tracks {child_source.get('targetRevision') or 'HEAD'} but its "
                            f"parent {parent.name} ({env}) pins {revision}: the tag does not say what runs",
                            (*path, "targetRevision"), manifest=child,
                        )


@rule(
    "argocd-path-missing", family=FAMILY, severity=Severity.ERROR, scope="all",
    summary="An Application's source path does not exist in the repository (or leaves it), so it syncs nothing.",
    hint="point spec.source.path at an existing directory of the repository (paths are relative to its root)",
)
def argocd_path_missing(manifests: Sequence[Manifest], ctx: Context) -> Iterator[Violation]:
    apps = argocd.applications(manifests)
    if not apps:
        return
    placed = _placed(manifests, ctx)
    local = _local_repos(placed, apps)
    for app in apps:
        for source, path in argocd.sources(app):
            directory, repo = argocd.source_dir(source), source.get("repoURL")
            if directory is None or not isinstance(repo, str):
                continue
            if argocd.escapes(directory):
                yield Violation(f"Application {app.name}: path {source.get('path')} leaves the repository; Argo CD "
                                "refuses it", (*path, "path"), manifest=app)
            elif argocd.normalise_repo(repo) in local and not placed.exists(directory):
                yield Violation(f"Application {app.name}: path {source.get('path')} does not exist in this "
                                f"repository ({repo})", (*path, "path"), manifest=app)
