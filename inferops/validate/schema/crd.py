"""Convert CustomResourceDefinitions into JSON Schemas (what kubeconform's openapi2jsonschema.py does).

Used by ``scripts/convert_crds.py`` for the schemas shipped in ``schemas/crds`` and by ``--crd`` at run
time. Each served version's ``openAPIV3Schema`` becomes a JSON Schema: ``nullable`` adds ``null`` to the
type, ``x-kubernetes-int-or-string`` means integer or string, OpenAPI 3.0's boolean ``exclusiveMinimum``
/``exclusiveMaximum`` become numeric bounds, ``x-kubernetes-embedded-resource`` objects accept
``apiVersion``/``kind``/``metadata``, ``apiVersion``/``kind`` are pinned with an ``enum`` and
``metadata`` is always allowed, and a ``required`` field with a ``default`` is not required (the API server
applies defaults before validating: kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/
custom-resource-definitions/#defaulting). Descriptions and CEL rules are dropped (they take no part in validation
and would triple the size).

Strictness is applied when a schema is used (:func:`strict_variant`): ``additionalProperties: false``
wherever properties are declared and ``x-kubernetes-preserve-unknown-fields`` is not set, which is what
the API server's field validation rejects as unknown fields.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inferops.data import schemas_dir
from inferops.errors import InferopsError
from inferops.shapes import as_mapping
from inferops.validate.schema.names import is_group, is_kind, is_version, shown

Schema = dict[str, Any]

#: Keywords whose value maps names to subschemas.
_SCHEMA_MAPS = ("properties", "patternProperties", "definitions", "$defs", "dependentSchemas")
#: Keywords whose value is a list of subschemas.
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
#: Keywords whose value is one subschema.
_SCHEMA_ONE = ("not", "if", "then", "else", "contains", "propertyNames", "additionalItems")
_DROPPED = ("description", "nullable", "x-kubernetes-validations", "x-kubernetes-int-or-string")
PRESERVE = "x-kubernetes-preserve-unknown-fields"
EMBEDDED = "x-kubernetes-embedded-resource"
CRD_FILE_SUFFIXES = (".yaml", ".yml", ".json")


BUILTIN_SUFFIX = ".gz"


def builtin_crds_dir() -> Path:
    """The converted schemas shipped with inferops, in ``<group>/<kind>_<version>.json.gz`` layout."""
    return schemas_dir() / "crds"


def builtin_schema_files() -> Iterator[tuple[str, Path]]:
    """Each shipped schema as (catalog path ``<group>/<kind>_<version>.json``, compressed file)."""
    root = builtin_crds_dir()
    for path in sorted(root.rglob("*.json" + BUILTIN_SUFFIX)):
        yield path.relative_to(root).as_posix().removesuffix(BUILTIN_SUFFIX), path


def read_builtin(relative: str) -> Schema | None:
    """The shipped schema at catalog path ``relative``, decompressed on first use; ``None`` if not shipped."""
    root = builtin_crds_dir().resolve()
    path = (root / (relative + BUILTIN_SUFFIX)).resolve()
    if root not in path.parents:
        return None  # an apiVersion such as ../../x/v1 names no shipped schema
    if not path.is_file():
        return None
    try:
        schema = json.loads(gzip.decompress(path.read_bytes()))
    except (OSError, EOFError, ValueError) as err:
        where = f" (line {err.lineno}, column {err.colno})" if isinstance(err, json.JSONDecodeError) else ""
        raise InferopsError(f"schema file is not gzip-compressed JSON{where}", file=str(path)) from None
    if not isinstance(schema, dict):
        raise InferopsError("schema file does not hold a JSON object", file=str(path))
    return schema


def compress(schema: Schema) -> bytes:
    """:func:`dump` gzip-compressed with a zero timestamp and no file name, so re-runs give the same bytes."""
    return gzip.compress(dump(schema).encode("utf-8"), compresslevel=9, mtime=0)


@dataclass(frozen=True)
class CrdSchema:
    """The schema of one version of one custom resource kind."""

    group: str
    version: str
    kind: str
    schema: Schema

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}"

    @property
    def relative_path(self) -> str:
        """Path in a CRDs-catalog layout: ``{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json``."""
        return f"{self.group}/{self.kind.lower()}_{self.version}.json"

    @property
    def shipped_path(self) -> str:
        """Path of the compressed copy shipped in ``schemas/crds``."""
        return self.relative_path + BUILTIN_SUFFIX


def convert_crd(crd: dict[str, Any]) -> list[CrdSchema]:
    """JSON Schemas for every version of ``crd`` that has an OpenAPI schema.

    A CRD with fields of the wrong type (``versions: 5``, ``names: [..]``) is a ``ValueError`` naming the
    field: ``--crd`` files are user input, and the API server would reject such a CRD too.
    """
    spec = as_mapping(crd.get("spec"))
    group, kind = spec.get("group"), as_mapping(spec.get("names")).get("kind")
    if not (isinstance(group, str) and group and isinstance(kind, str) and kind):
        raise ValueError("CustomResourceDefinition without spec.group or spec.names.kind")
    if not (is_group(group) and is_kind(kind)):  # they name schema files (kubeconform's catalog layout)
        raise ValueError(f"spec.group {shown(group)} or spec.names.kind {shown(kind)} is not a Kubernetes name")
    shared = as_mapping(spec.get("validation")).get("openAPIV3Schema")  # apiextensions.k8s.io/v1beta1
    versions = spec.get("versions") or [{"name": spec.get("version")}]
    if not isinstance(versions, list):
        raise ValueError("spec.versions of a CustomResourceDefinition must be a list")
    out = []
    for entry in versions:
        entry = as_mapping(entry)
        name = entry.get("name")
        openapi = as_mapping(entry.get("schema")).get("openAPIV3Schema") or shared
        if not (isinstance(name, str) and name and isinstance(openapi, dict)):
            continue
        if not is_version(name):
            raise ValueError(f"version name {shown(name)} is not a Kubernetes name (a DNS-1035 label such as v1)")
        schema = convert_schema(openapi)
        properties = schema.setdefault("properties", {})
        if not isinstance(properties, dict):
            raise ValueError(f"openAPIV3Schema.properties of version {name} must be a mapping")
        properties["apiVersion"] = {"type": "string", "enum": [f"{group}/{name}"]}
        properties["kind"] = {"type": "string", "enum": [kind]}
        properties.setdefault("metadata", {"type": "object"})  # the API server always accepts it
        out.append(CrdSchema(group, name, kind, schema))
    return out


def convert_schema(node: Any) -> Any:
    """One OpenAPI v3 (structural) schema node as a JSON Schema node; a node that is not a mapping is
    kept as it is, for the schema compiler to reject with its own message."""
    if not isinstance(node, dict):
        return node
    out: Schema = {}
    for key, value in node.items():
        if key in _DROPPED:
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: convert_schema(sub) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [convert_schema(sub) for sub in value]
        elif (key in _SCHEMA_ONE or key in ("items", "additionalProperties")) and isinstance(value, dict):
            out[key] = convert_schema(value)
        elif key == "items" and isinstance(value, list):
            out[key] = [convert_schema(sub) for sub in value]
        else:
            out[key] = value  # keywords and literal values (enum, default, example) as they are
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(out.get(bound), bool):
            if out.pop(bound) and limit in out:
                out[bound] = out.pop(limit)
    defaulted = {name for name, sub in as_mapping(node.get("properties")).items()
                 if isinstance(sub, dict) and "default" in sub}
    if defaulted and isinstance(out.get("required"), list):
        # The API server fills in defaults before it validates, so a defaulted field is never missing.
        out["required"] = [name for name in out["required"] if name not in defaulted]
        if not out["required"]:
            del out["required"]
    if node.get("x-kubernetes-int-or-string"):
        out["type"] = ["integer", "string"]
    if node.get("nullable") and "type" in out:
        types = out["type"] if isinstance(out["type"], list) else [out["type"]]
        out["type"] = [*types, "null"]
    if node.get(EMBEDDED) and isinstance(out.get("properties"), dict):
        for name, sub in (("apiVersion", {"type": "string"}), ("kind", {"type": "string"}), ("metadata", {"type": "object"})):
            out["properties"].setdefault(name, sub)
    return out


def strict_variant(node: Schema, *, in_junctor: bool = False) -> Schema:
    """A copy of ``node`` that rejects undeclared fields (not inside allOf/anyOf/oneOf/not, whose
    ``properties`` only constrain fields declared beside them)."""
    out: Schema = {}
    for key, value in node.items():
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: strict_variant(sub) for name, sub in value.items() if isinstance(sub, dict)}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [strict_variant(sub, in_junctor=True) if isinstance(sub, dict) else sub for sub in value]
        elif (key in _SCHEMA_ONE or key in ("items", "additionalProperties")) and isinstance(value, dict):
            out[key] = strict_variant(value, in_junctor=key == "not")
        else:
            out[key] = value
    if "properties" in out and "additionalProperties" not in out and not node.get(PRESERVE) and not in_junctor:
        out["additionalProperties"] = False
    return out


def dump(schema: Schema) -> str:
    """Stable text for a converted schema, so a re-run of the conversion gives the same bytes
    (one value per line, unindented: diffable yet a third of the indented size)."""
    return json.dumps(schema, indent=0, sort_keys=True, ensure_ascii=False) + "\n"


def crd_files(path: Path) -> Iterator[Path]:
    """``path`` itself, or the YAML/JSON files under a directory, in a stable order."""
    if path.is_dir():
        yield from sorted(p for p in path.rglob("*") if p.suffix in CRD_FILE_SUFFIXES and p.is_file())
    else:
        yield path


def load_crds(path: Path, notes: list[str] | None = None) -> list[CrdSchema]:
    """Convert the CRDs in a file or directory; bad input is an :class:`InferopsError` naming the file.

    In a directory, files without a CustomResourceDefinition (other manifests, a README, YAML that does
    not parse) are skipped and listed in one note appended to ``notes``: a CRDs folder often holds more
    than CRDs. A file named on its own must hold one, and a file with CRDs must load cleanly.
    """
    from inferops.validate.loader import load_path

    if not path.exists():
        raise InferopsError("CRD file or directory not found", file=str(path))
    out: list[CrdSchema] = []
    skipped: list[str] = []
    for file in crd_files(path):
        loaded = load_path(file, str(file), strict=False)
        found = [m for m in loaded.manifests if m.kind == "CustomResourceDefinition"]
        if not found and path.is_dir():
            skipped.append(str(file.relative_to(path)))
            continue
        if loaded.findings:
            first = loaded.findings[0]
            raise InferopsError(first.message, file=first.file, line=first.line)
        if not found:
            raise InferopsError("no CustomResourceDefinition in this file", file=str(file))
        for m in found:
            try:
                out.extend(convert_crd(m.data))
            except ValueError as err:
                raise InferopsError(str(err), file=str(file), line=m.line) from None
    if skipped and notes is not None:
        shown = ", ".join(skipped[:5]) + (f" and {len(skipped) - 5} more" if len(skipped) > 5 else "")
        notes.append(f"--crd {path}: skipped {len(skipped)} file(s) with no CustomResourceDefinition: {shown}")
    return out
