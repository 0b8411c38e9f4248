"""A real kubeconform, offline: the binary built from ``../shared/tools/kubeconform`` and local schemas.

kubeconform has no schemas of its own offline. The ``kubernetes-validate`` package ships the same
Kubernetes JSON Schemas inferops uses; their ``$ref``s start with ``/api/_definitions.json``. Two ways to
give them to kubeconform:

* :func:`local_schemas`: a copy with each ``$ref`` rewritten to the ``file://`` path of the copy's
  ``_definitions.json`` (as ``../shared/README.md`` describes); used by the ``--engine kubeconform`` parity
  test;
* :func:`standalone_schemas`: one self-contained file per kind, every ``$ref`` replaced by the definition it
  names, the way kubeconform's usual schemas (yannh/kubernetes-json-schema, made with
  ``openapi2jsonschema --stand-alone --strict``) are built; what ``bench/bench.py`` times, since resolving
  references into one 1.4 MB shared file is not how kubeconform runs in real life.

Nothing here is shipped.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

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


#: How kind files (first) and ``_definitions.json`` itself (second) refer to a definition.
_REF_PREFIXES = ("/api/_definitions.json#/$defs/", "#/$defs/")


def standalone_schemas(kubernetes_version: str, out: Path, *, strict: bool = True) -> str:
    """Write one self-contained schema per kind of kubernetes-validate's schemas for ``kubernetes_version``
    into ``out`` (reused when already there); return the ``-schema-location`` template for them.

    Like ``openapi2jsonschema --stand-alone``, a ``$ref`` is replaced by the definition it names (its
    sibling annotations, ``description`` and ``x-kubernetes-*``, are dropped as jsonref drops them). A
    definition that contains itself (``JSONSchemaProps``) cannot be inlined forever: it goes under the
    file's own ``$defs`` and is referred to there, so each file still stands alone.
    """
    import kubernetes_validate

    name = f"v{kubernetes_version}-standalone{'-strict' if strict else ''}"
    source = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema" / \
        f"v{kubernetes_version}-local{'-strict' if strict else ''}"
    target = out / name
    done = target / ".complete"
    if not done.is_file():
        target.mkdir(parents=True, exist_ok=True)
        definitions = json.loads((source / "_definitions.json").read_text(encoding="utf-8"))["$defs"]
        for schema in sorted(source.glob("*.json")):
            if schema.name in ("_definitions.json", "all.json"):
                continue
            document = json.loads(schema.read_text(encoding="utf-8"))
            local: dict[str, Any] = {}
            inlined = _inline(document, definitions, local, ())
            if local:
                inlined["$defs"] = local
            (target / schema.name).write_text(json.dumps(inlined), encoding="utf-8")
        done.write_text("", encoding="utf-8")
    return str(target / LOCATION_TEMPLATE)


def _inline(node: Any, definitions: dict[str, Any], local: dict[str, Any], stack: tuple[str, ...]) -> Any:
    """``node`` with every reference into ``_definitions.json`` replaced by its definition; a definition
    met again inside itself is put into ``local`` once and referred to as ``#/$defs/<name>``."""
    if isinstance(node, list):
        return [_inline(item, definitions, local, stack) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    prefix = next((p for p in _REF_PREFIXES if isinstance(ref, str) and ref.startswith(p)), None)
    if prefix is not None:
        key = ref[len(prefix):]
        if key in stack:
            if key not in local:
                local[key] = {}  # claimed first, so that the definition's own recursion stops here
                local[key] = _inline(definitions[key], definitions, local, ())
            return {"$ref": f"#/$defs/{key}"}
        return _inline(definitions[key], definitions, local, (*stack, key))
    return {k: _inline(v, definitions, local, stack) for k, v in node.items()}
