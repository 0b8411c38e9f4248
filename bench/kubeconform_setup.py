"""A real kubeconform, offline: the binary built from ``../shared/tools/kubeconform`` and local schemas.

kubeconform has no schemas of its own offline. The ``kubernetes-validate`` package ships the same
Kubernetes JSON Schemas inferops uses; their ``$ref``s start with ``/api/_definitions.json``, so a copy
is written with each ``$ref`` rewritten to the ``file://`` path of the copy's ``_definitions.json``
(as ``../shared/README.md`` describes). Used by ``bench/bench.py`` and the ``--engine kubeconform``
parity test; nothing here is shipped.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD_SCRIPT = ROOT.parent / "shared" / "tools" / "kubeconform" / "build.sh"
#: Where a built binary is kept between runs (a build takes one to three minutes on two cores).
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "inferops-dev" / "kubeconform"
LOCATION_TEMPLATE = "{{ .ResourceKind }}{{ .KindSuffix }}.json"


def cached_binary() -> Path | None:
    """The binary built earlier (``$INFEROPS_KUBECONFORM`` or the cache), without building one."""
    named = os.environ.get("INFEROPS_KUBECONFORM")
    for candidate in ([Path(named)] if named else []) + [CACHE / "kubeconform"]:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def build_binary() -> Path | None:
    """Build kubeconform into the cache with ``../shared``'s script (reused when already built)."""
    if (found := cached_binary()) is not None:
        return found
    if not BUILD_SCRIPT.is_file():
        return None
    done = subprocess.run(["bash", str(BUILD_SCRIPT), str(CACHE)], capture_output=True, text=True, check=False)
    lines = done.stdout.strip().splitlines()
    binary = Path(lines[-1]) if done.returncode == 0 and lines else None
    return binary if binary is not None and binary.is_file() else None


def local_schemas(kubernetes_version: str, out: Path, *, strict: bool = True) -> str:
    """Copy kubernetes-validate's schemas for ``kubernetes_version`` into ``out`` with ``file://`` refs;
    return the ``-schema-location`` template for them."""
    import kubernetes_validate

    name = f"v{kubernetes_version}-local{'-strict' if strict else ''}"
    source = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema" / name
    target = out / name
    if not (target / "_definitions.json").is_file():
        target.mkdir(parents=True, exist_ok=True)
        definitions = (target / "_definitions.json").resolve().as_uri()
        for schema in source.glob("*.json"):
            text = schema.read_text(encoding="utf-8").replace('"/api/_definitions.json', f'"{definitions}')
            (target / schema.name).write_text(text, encoding="utf-8")
    return str(target / LOCATION_TEMPLATE)
