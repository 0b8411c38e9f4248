"""How Argo CD reads Applications and AppProjects: which environment an Application deploys to, whether a
``targetRevision`` is pinned, and whether a project permits an Application's repository and destination
(argo-cd docs/user-guide/projects.md: globs, ``!`` deny patterns). Shared by the Argo CD guardrails.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path
from typing import Any

from inferops.policy import Policy
from inferops.rules.workloads import dig
from inferops.shapes import as_list, as_mapping
from inferops.validate.manifest import JsonPath, Manifest

IN_CLUSTER = ("https://kubernetes.default.svc", "in-cluster")
_SHA = re.compile(r"[0-9a-f]{7,40}\Z")
#: A tag that ends in a full version: v0.1.0, 1.2.3-rc.1, llama-v1.4.0, refs/tags/anything.
_VERSION_TAG = re.compile(r"(refs/tags/.+|[A-Za-z0-9_.-]*?v?\d+\.\d+\.\d+([-+.][0-9A-Za-z.-]+)?)\Z")
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
    return bool(_SHA.fullmatch(revision) or _VERSION_TAG.fullmatch(revision))


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
    for item in as_list(project.get("destinations")):
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


# --- What an Application's source deploys, located in the repository being validated ----------------------

#: Annotation naming the file an object lives in, relative to the repository root (KRM functions, kpt and
#: ``kustomize cfg`` write it); it places objects read from one stream, such as standard input.
PATH_ANNOTATION = "config.kubernetes.io/path"
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
#: Built-in cluster-scoped kinds, and those of the add-ons a serving cluster runs; every other kind is
#: taken as namespaced. Argo CD asks the API server; offline this list stands in for it.
CLUSTER_SCOPED = frozenset({
    "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
    "StorageClass", "CSIDriver", "CSINode", "VolumeAttachment", "PriorityClass", "RuntimeClass", "IngressClass",
    "APIService", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding", "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding",
    "CertificateSigningRequest", "FlowSchema", "PriorityLevelConfiguration", "PodSecurityPolicy", "DeviceClass",
    "GatewayClass", "ClusterTriggerAuthentication", "ClusterSecretStore", "ClusterExternalSecret", "ClusterIssuer",
    "ClusterPolicy", "ClusterServingRuntime", "ClusterStorageContainer", "NodePool", "NodeClass",
})


@dataclass(frozen=True, slots=True)
class Location:
    """Where an object comes from, as a POSIX path relative to the repository root: the kustomization
    directory whose build produced it (``rendered``), or the file it is written in."""

    path: str
    rendered: bool


def location(m: Manifest, root: Path | None, cwd: Path | None) -> Location | None:
    """``m``'s place in the repository; ``None`` when it lies outside ``root``."""
    if m.render_root is not None:
        rel = _repo_relative(m.render_root, root, cwd)
        return Location(rel, True) if rel is not None else None
    annotated = m.annotations.get(PATH_ANNOTATION)
    if isinstance(annotated, str) and annotated.strip():
        return Location(posixpath.normpath(annotated.strip()), False)
    rel = _repo_relative(m.file, root, cwd)
    return Location(rel, False) if rel is not None else None


@cache
def _repo_relative(display: str, root: Path | None, cwd: Path | None) -> str | None:
    if root is None or cwd is None:
        return posixpath.normpath(display.replace("\\", "/"))
    absolute = (cwd / display).resolve()
    if not absolute.is_relative_to(root):
        return None
    return absolute.relative_to(root).as_posix() or "."


def source_dir(source: dict[str, Any]) -> str | None:
    """A source's ``path`` as a normalised repository-relative directory; ``None`` for a Helm chart source,
    a source without a path (a ``ref`` source) and a templated path."""
    path = source.get("path")
    if source.get("chart") or not isinstance(path, str) or "{{" in path:
        return None
    return posixpath.normpath(path.strip().lstrip("/") or ".") if path.strip() else "."


def escapes(directory: str) -> bool:
    """Whether a repository-relative path leaves the repository (Argo CD refuses such paths)."""
    return directory == ".." or directory.startswith("../")


@dataclass(slots=True)
class Placed:
    """The manifests of a run with their locations, for asking which objects a source deploys."""

    manifests: Sequence[Manifest]
    root: Path | None
    cwd: Path | None
    where: dict[int, Location] = field(default_factory=dict)
    kustomize_dirs: set[str] = field(default_factory=set)
    #: Positions in ``manifests`` of the objects each kustomization build produced, and of the objects read
    #: from plain files with their locations: a source is matched against these, not against every object.
    _rendered: dict[str, list[int]] = field(default_factory=dict)
    _plain: list[tuple[int, Location]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for position, m in enumerate(self.manifests):
            loc = location(m, self.root, self.cwd)
            if loc is not None:
                self.where[id(m)] = loc
                if loc.rendered:
                    self.kustomize_dirs.add(loc.path)
                    self._rendered.setdefault(loc.path, []).append(position)
                else:
                    self._plain.append((position, loc))

    def is_kustomization(self, directory: str) -> bool:
        if directory in self.kustomize_dirs:
            return True
        return self.root is not None and any(_is(self.root, f"{directory}/{n}", Path.is_file)
                                             for n in KUSTOMIZATION_FILES)

    def exists(self, directory: str) -> bool:
        """Whether ``directory`` is in the repository: on disk when the root is known, else in the input."""
        if self.root is not None:
            return _is(self.root, directory, Path.is_dir)
        prefix = "" if directory == "." else directory + "/"
        return any(loc.path == directory or loc.path.startswith(prefix) for loc in self.where.values())

    def deployed_by(self, source: dict[str, Any]) -> list[Manifest]:
        """The objects Argo CD would deploy from ``source``: a kustomization's build, or a directory's
        manifest files (subdirectories only with ``directory.recurse``; ``include``/``exclude`` globs)."""
        directory = source_dir(source)
        if directory is None or escapes(directory):
            return []
        kustomize = self.is_kustomization(directory)
        settings = as_mapping(source.get("directory"))
        recurse = settings.get("recurse") is True
        include, exclude = settings.get("include"), settings.get("exclude")
        positions = list(self._rendered.get(directory, ()))
        for position, loc in () if kustomize else self._plain:
            rest = _below(loc.path, directory)
            if rest is None or (not recurse and "/" in rest):
                continue
            if isinstance(exclude, str) and exclude and glob_match(exclude, rest):
                continue
            if isinstance(include, str) and include and not glob_match(include, rest):
                continue
            positions.append(position)
        return [self.manifests[p] for p in sorted(positions)]


def _is(root: Path, rel: str, test: Callable[[Path], bool]) -> bool:
    """``test`` on ``root/rel`` if that stays inside ``root`` once symlinks are resolved; a path the file
    system rejects (a NUL byte, a name too long) is simply not there."""
    try:
        target = (root / rel).resolve()
        return target.is_relative_to(root.resolve()) and test(target)
    except (OSError, ValueError):
        return False


def _below(path: str, directory: str) -> str | None:
    """``path`` relative to ``directory`` when it lies inside it."""
    if directory == ".":
        return path
    return path[len(directory) + 1:] if path.startswith(directory + "/") else None


def applications(manifests: Sequence[Manifest]) -> list[Manifest]:
    return [m for m in manifests if is_argo(m, "Application")]


def projects_by_name(manifests: Sequence[Manifest]) -> dict[str, dict[str, Any]]:
    """The spec of every AppProject among ``manifests``, by name."""
    return {m.name: spec(m) for m in manifests if is_argo(m, "AppProject")}


def project_of(app: Manifest, projects: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]] | None:
    """An Application's project name and spec, when the project is among the validated manifests."""
    name = spec(app).get("project")
    project = projects.get(name) if isinstance(name, str) else None
    return None if project is None else (str(name), project)


def namespace_permitted(project: Manifest, app: Manifest) -> bool:
    """Whether an Application in its namespace may use ``project``. AppProjects live in Argo CD's
    control-plane namespace; an Application there may use any of them, one in another namespace only a
    project whose ``spec.sourceNamespaces`` (globs) lists its namespace (Argo CD >= 2.5, "Applications in any
    namespace", docs/operator-manual/app-any-namespace.md). Unknown namespaces (not in the manifest,
    set when applying) count as the same."""
    app_ns, project_ns = app.namespace, project.namespace
    if not app_ns or not project_ns or app_ns == project_ns:
        return True
    return any(fnmatchcase(app_ns, pattern) for pattern in _strings(spec(project).get("sourceNamespaces")))


def group_of(api_version: str) -> str:
    return api_version.split("/", 1)[0] if "/" in api_version else ""


def kind_permitted(project: dict[str, Any], group: str, kind: str, name: str, namespaced: bool) -> bool:
    """Argo CD's ``AppProject.IsGroupKindNamePermitted``: a namespaced kind needs no whitelist (an absent
    ``namespaceResourceWhitelist`` allows all, an empty one none) and no blacklist match; a cluster-scoped
    kind needs a ``clusterResourceWhitelist`` match (by group, kind and optional name) and no blacklist
    match. Entries are ``filepath.Match`` globs (pkg/apis/application/v1alpha1/app_project_types.go, types.go)."""
    if namespaced:
        allow, deny = project.get("namespaceResourceWhitelist"), project.get("namespaceResourceBlacklist")
        allowed = allow is None or (isinstance(allow, list) and _listed(allow, group, kind, None))
    else:
        allow, deny = project.get("clusterResourceWhitelist"), project.get("clusterResourceBlacklist")
        allowed = isinstance(allow, list) and _listed(allow, group, kind, name)
    return allowed and not (isinstance(deny, list) and _listed(deny, group, kind, None if namespaced else name))


def _listed(entries: list[Any], group: str, kind: str, name: str | None) -> bool:
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        g, k, n = (str(entry.get(key) or "") for key in ("group", "kind", "name"))
        if fnmatchcase(kind, k) and fnmatchcase(group, g) and (name is None or not n or fnmatchcase(name, n)):
            return True
    return False
