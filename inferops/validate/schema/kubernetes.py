"""The Kubernetes JSON Schemas shipped by the ``kubernetes-validate`` package, found without importing it.

Its directory ``kubernetes-json-schema/v<version>-local[-strict]/`` holds one file per kind,
``<kind><kind suffix>.json`` (kubeconform's naming, e.g. ``deployment-apps-v1.json``, ``pod-v1.json``,
``rolebinding-rbac-v1.json``), whose ``$ref``s point into one ``_definitions.json`` per directory.
"""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path
from typing import Any

from inferops.errors import InferopsError
from inferops.validate.schema.reading import load_schema_file

_VERSION_DIR = re.compile(r"^v(\d+)\.(\d+)\.(\d+)-local$")
_VERSION_ARG = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?$")


@cache
def schema_root() -> Path:
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise InferopsError("the kubernetes-validate package (Kubernetes JSON Schemas) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "kubernetes-json-schema"


@cache
def available_versions() -> tuple[str, ...]:
    """Versions with schemas, oldest first, as ``1.33.0``."""
    found = []
    for entry in schema_root().iterdir():
        match = _VERSION_DIR.match(entry.name)
        if match:
            found.append(tuple(int(part) for part in match.groups()))
    return tuple(".".join(map(str, v)) for v in sorted(found))


def resolve_version(requested: str) -> str:
    """Map ``1.33``, ``1.33.4`` or ``v1.33.0`` to the shipped schema version of that minor release."""
    match = _VERSION_ARG.match(requested.strip())
    minor = f"{match.group(1)}.{match.group(2)}." if match else None
    for version in available_versions():
        if minor and version.startswith(minor):
            return version
    raise InferopsError(
        f"no schemas for Kubernetes version {requested!r}; available: "
        + ", ".join(v.rsplit(".", 1)[0] for v in available_versions())
    )


def kind_suffix(api_version: str) -> str:
    """kubeconform's ``{{ .KindSuffix }}``: ``-apps-v1`` for ``apps/v1``, ``-rbac-v1`` for
    ``rbac.authorization.k8s.io/v1``, ``-v1`` for ``v1``."""
    group, _, version = api_version.rpartition("/")
    if not group:
        return f"-{version.lower()}"
    return f"-{group.split('.')[0].lower()}-{version.lower()}"


class KubernetesSchemas:
    """The built-in schemas of one Kubernetes version, strict or not."""

    def __init__(self, version: str, strict: bool) -> None:
        self.version = resolve_version(version)
        self.directory = schema_root() / f"v{self.version}-local{'-strict' if strict else ''}"

    def find(self, kind: str, api_version: str) -> dict[str, Any] | None:
        return load_schema_file(self.directory / f"{kind.lower()}{kind_suffix(api_version)}.json", self.directory)

    def definitions(self) -> dict[str, Any]:
        """``_definitions.json``, registered once so every kind's ``$ref``s resolve offline."""
        definitions = load_schema_file(self.directory / "_definitions.json", self.directory)
        if definitions is None:
            raise InferopsError("schema definitions missing from the kubernetes-validate package",
                                file=str(self.directory / "_definitions.json"))
        return definitions
