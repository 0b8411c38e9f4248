"""Argo CD fixes that need the run's other objects: an Application on the ``default`` project moves to the
one AppProject of the run that admits it."""

from __future__ import annotations

from typing import Any

from inferops.fix.registry import Operation, Run, Set, fixer
from inferops.rules import argocd
from inferops.rules.workloads import dig
from inferops.shapes import as_list, as_mapping
from inferops.validate.manifest import JsonPath, Manifest

_PROJECT_PATHS = {"Application": ("spec", "project"), "ApplicationSet": ("spec", "template", "spec", "project")}


@fixer("argocd-default-project", summary="sets spec.project to the one AppProject among the validated files that "
                                         "admits the Application's repositories, destination and namespace "
                                         "(none or several: left for a person)")
def project_from_run(m: Manifest, path: JsonPath, run: Run) -> list[Operation]:
    if _PROJECT_PATHS.get(m.kind) != path or not m.api_version.startswith("argoproj.io/"):
        return []
    app = as_mapping(dig(m.data, path[:-1]))
    admitting = {p.name for p in run.manifests if argocd.is_argo(p, "AppProject") and p.name != "default"
                 and _admits(p, m, app)}
    return [Set(path, admitting.pop())] if len(admitting) == 1 else []


def _admits(project: Manifest, app_object: Manifest, app: dict[str, Any]) -> bool:
    """Whether Argo CD would let ``app`` (an Application's spec) sync under ``project``: every source
    repository and the destination permitted, and the Application's namespace one the project serves."""
    spec = argocd.spec(project)
    sources = [s for s in (app.get("source"), *as_list(app.get("sources"))) if isinstance(s, dict)]
    destination = app.get("destination")
    if not sources or not isinstance(destination, dict):
        return False
    return (all(isinstance(s.get("repoURL"), str) and argocd.repo_permitted(spec, s["repoURL"]) for s in sources)
            and argocd.destination_permitted(spec, destination)
            and argocd.namespace_permitted(project, app_object))
