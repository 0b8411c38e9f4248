"""How Argo CD reads Applications and AppProjects: which environment an Application deploys to, whether a
``targetRevision`` is pinned, and whether a project permits an Application's repository and destination
(argo-cd docs/user-guide/projects.md: globs, ``!`` deny patterns). Shared by the Argo CD guardrails.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from fnmatch import fnmatchcase
from functools import cache
from typing import Any

from inferops.policy import Policy
from inferops.rules.workloads import dig
from inferops.shapes import as_list, as_mapping
from inferops.validate.manifest import JsonPath, Manifest

IN_CLUSTER = ("https://kubernetes.default.svc", "in-cluster")
_SHA = re.compile(r"^[0-9a-f]{7,40}$")
#: A tag that ends in a full version: v0.1.0, 1.2.3-rc.1, llama-v1.4.0, refs/tags/anything.
_VERSION_TAG = re.compile(r"^(refs/tags/.+|[A-Za-z0-9_.-]*?v?\d+\.\d+\.\d+([-+.][0-9A-Za-z.-]+)?)$")
_HELM_RANGE = re.compile(r"[*^~<>|]|(^|\.)[xX](\.|$)")


def is_argo(m: Manifest, kind: str) -> bool:
    return m.kind == kind and m.api_version.startswith("argoproj.io/")


def spec(m: Manifest) -> dict[str, Any]:
    found = m.data.get("spec")
    return as_mapping(found)


def sources(m: Manifest) -> Iterator[tuple[dict[str, Any], JsonPath]]:
    """An Application's ``spec.source`` and each of ``spec.sources``, with their paths."""
    single = spec(m).get("source")
    if isinstance(single, dict):
        yield single, ("spec", "source")
    many = spec(m).get("sources")
    for i, source in enumerate(as_list(many)):
        if isinstance(source, dict):
            yield source, ("spec", "sources", i)


def environment(m: Manifest, policy: Policy) -> str | None:
    """The environment an Application deploys to: its own ``inferops.io/environment`` label or
    ``overlays/<env>`` path, else a policy environment that its project or destination namespace is named
    after (``llm-prod`` or ``prod``)."""
    if m.environment:
        return m.environment
    candidates = (spec(m).get("project"), dig(m.data, ("spec", "destination", "namespace")))
    for env in policy.environments:
        for name in candidates:
            if isinstance(name, str) and (name == env or name.endswith(f"-{env}")):
                return env
    return None


def revision_pinned(revision: Any, *, chart: bool) -> bool:
    """Whether a ``targetRevision`` names one immutable thing: a commit SHA or a version tag for Git, an
    exact version (no range like ``1.2.*`` or ``^1.2``) for a Helm chart. Branches and HEAD move."""
    if not isinstance(revision, str) or not revision.strip():
        return False
    revision = revision.strip()
    if chart:
        return not _HELM_RANGE.search(revision)
    return bool(_SHA.match(revision) or _VERSION_TAG.match(revision))


@cache
def _glob(pattern: str, separator: str | None) -> re.Pattern[str]:
    """Argo CD's globs (gobwas/glob): with a separator ``*`` stays within one path segment, ``**`` does not."""
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append(f"[^{re.escape(separator)}]*" if separator else ".*")
        elif char == "?":
            out.append(f"[^{re.escape(separator)}]" if separator else ".")
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out), re.S)


def glob_match(pattern: str, text: str, separator: str | None = None) -> bool:
    if pattern == "*":
        return True
    return bool(_glob(pattern, separator).fullmatch(text))


def normalise_repo(url: str) -> str:
    """Argo CD compares repository URLs case-insensitively and without a ``.git`` suffix or trailing slash."""
    url = url.strip().lower().rstrip("/")
    return url[:-4] if url.endswith(".git") else url


def repo_permitted(project: dict[str, Any], repo_url: str) -> bool:
    """Some allow pattern of ``sourceRepos`` matches and no ``!`` pattern excludes the URL."""
    url, allowed = normalise_repo(repo_url), False
    for raw in _strings(project.get("sourceRepos")):
        if raw.startswith("!"):
            if glob_match(normalise_repo(raw[1:]), url, "/"):
                return False
        elif glob_match(normalise_repo(raw), url, "/"):
            allowed = True
    return allowed


def destination_permitted(project: dict[str, Any], destination: dict[str, Any]) -> bool:
    """Some destination matches the cluster (server or name) and namespace, and no ``!`` entry excludes it,
    evaluated like Argo CD's ``IsDestinationPermitted``.

    A cluster that the Application and the project name by different fields (``name`` vs ``server``)
    can only be compared for the local cluster; otherwise it counts as matched, since the cluster list
    is not in Git.
    """
    server, name = str(destination.get("server") or ""), str(destination.get("name") or "")
    if server == IN_CLUSTER[0] and not name:
        name = IN_CLUSTER[1]
    elif name == IN_CLUSTER[1] and not server:
        server = IN_CLUSTER[0]
    namespace = str(destination.get("namespace") or "")
    allowed = False
    for item in project.get("destinations") or []:
        if not isinstance(item, dict):
            continue
        server_p, name_p, ns_p = (str(item.get(k) or "") for k in ("server", "name", "namespace"))
        server_m = _field_match(server_p, server) if server_p and server else None
        name_m = _field_match(name_p, name) if name_p and name else None
        known = [m for m in (server_m, name_m) if m is not None]
        cluster = any(known) if known else bool(server_p or name_p)
        server_m = cluster if server_m is None else server_m
        name_m = cluster if name_m is None else name_m
        ns_m = _field_match(ns_p, namespace)
        if cluster and ns_m:
            allowed = True
        elif ns_m and ((not name_m and name_p.startswith("!")) or (not server_m and server_p.startswith("!"))):
            return False
        elif cluster and not ns_m and ns_p.startswith("!"):
            return False
    return allowed


def _field_match(pattern: str, value: str) -> bool:
    """A destination field: glob, or ``!glob`` (matches what the glob does not)."""
    if pattern.startswith("!"):
        return not fnmatchcase(value, pattern[1:])
    return pattern == "*" or fnmatchcase(value, pattern)


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value if v is not None] if isinstance(value, list) else []
