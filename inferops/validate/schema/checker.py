"""The built-in schema engine: find, compile (once per apiVersion and kind) and apply JSON Schemas.

An object's apiVersion and kind are checked as Kubernetes names (:mod:`names`) before any source builds a
path or URL from them, and a compiled schema's ``$ref``s resolve only within the loaded schemas (the
schema itself and Kubernetes' ``_definitions.json``): jsonschema-rs gets a retriever that refuses every
other URI, so no schema can make the run read a local file or reach the network.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

from inferops.errors import InferopsError
from inferops.rules.core import KIND_REJECTED, OBJECT_INVALID, SCHEMA_INVALID, SCHEMA_MISSING
from inferops.validate.findings import Finding
from inferops.validate.manifest import JsonPath, Manifest
from inferops.validate.schema.crd import CrdSchema, load_crds, read_builtin, strict_variant
from inferops.validate.schema.kubernetes import KubernetesSchemas
from inferops.validate.schema.locations import TemplateLocation
from inferops.validate.schema.messages import describe, finding
from inferops.validate.schema.names import identity_problem
from inferops.validate.schema.options import SchemaOptions

Found = tuple[dict[str, Any], str | None]  # a schema and the URI its relative $refs resolve against
ENGINES = ("builtin", "kubeconform")


class Source(Protocol):
    def find(self, kind: str, api_version: str) -> Found | None: ...


class BuiltinKubernetes:
    def __init__(self, schemas: KubernetesSchemas) -> None:
        self.schemas = schemas

    def find(self, kind: str, api_version: str) -> Found | None:
        schema = self.schemas.find(kind, api_version)
        return (schema, None) if schema is not None else None


class CrdSchemas:
    """Converted CRD schemas (shipped in ``schemas/crds`` or from ``--crd``), made strict on use."""

    def __init__(self, strict: bool, schemas: Iterable[CrdSchema] = (), builtin: bool = False) -> None:
        self.strict = strict
        self.by_key = {(c.api_version, c.kind): c.schema for c in schemas}
        self.builtin = builtin

    def find(self, kind: str, api_version: str) -> Found | None:
        schema = self.by_key.get((api_version, kind))
        if schema is None and self.builtin and "/" in api_version:
            group, _, version = api_version.rpartition("/")
            schema = read_builtin(f"{group}/{kind.lower()}_{version}.json")
        if schema is None:
            return None
        return (strict_variant(schema) if self.strict else schema), None


class SchemaChecker:
    """Checks objects against their schemas; built once per run, reused for every object.

    Construction validates the configuration (Kubernetes version, locations, ``--crd`` files) and
    raises :class:`InferopsError` on bad input; schemas are then loaded and compiled lazily, once per
    (apiVersion, kind), and missing ones are remembered too.
    """

    def __init__(self, options: SchemaOptions) -> None:
        if options.engine not in ENGINES:
            raise InferopsError(f"unknown schema engine {options.engine!r}; choose from {', '.join(ENGINES)}")
        self.options = options
        self.kubernetes = KubernetesSchemas(options.kubernetes_version, options.strict)
        self.notes: list[str] = []  # remarks for the report, e.g. files of a --crd directory skipped
        self.crds = [c for path in options.crds for c in load_crds(Path(path), self.notes)]
        self.sources = self._sources()
        self._validators: dict[tuple[str, str], Any] = {}
        self._registry: Any = None
        self._kubeconform: str | None = None
        if options.engine == "kubeconform":
            from inferops.validate.schema.kubeconform import find_binary

            self._kubeconform = find_binary()

    def _sources(self) -> list[Source]:
        builtin: list[Source] = [BuiltinKubernetes(self.kubernetes),
                                 CrdSchemas(self.options.strict, builtin=True)]
        sources: list[Source] = [CrdSchemas(self.options.strict, self.crds)] if self.crds else []
        for location in self.options.locations:
            if location == "default":
                sources.extend(builtin)
                builtin = []
            else:
                sources.append(TemplateLocation(location, self.kubernetes.version, self.options.strict,
                                                self.options.cache_dir))
        return sources + builtin

    def check(self, m: Manifest) -> list[Finding]:
        if self._kubeconform is not None:
            return self.check_all([m])
        problem = _identity_problem(m)
        if problem:
            return [finding(OBJECT_INVALID, m, problem)]
        if self._listed(m, self.options.skip):
            return []
        if self._listed(m, self.options.reject):
            return [finding(KIND_REJECTED, m, f"kind {m.kind} is rejected (--reject)")]
        validator = self._validator(m.api_version, m.kind)
        if validator is None:
            if self.options.ignore_missing:
                return []
            return [finding(SCHEMA_MISSING, m, f"no schema for {m.api_version} {m.kind} "
                                                f"(Kubernetes {self.kubernetes.version})")]
        findings: list[Finding] = []
        seen: set[tuple[JsonPath, str]] = set()
        for error in validator.iter_errors(m.data):
            for path, message in describe(error):
                if (path, message) not in seen:
                    seen.add((path, message))
                    findings.append(finding(SCHEMA_INVALID, m, message, path))
        return findings

    def check_all(self, ms: Sequence[Manifest]) -> list[Finding]:
        if self._kubeconform is not None:
            from inferops.validate.schema.kubeconform import run_kubeconform

            problems = [(m, _identity_problem(m)) for m in ms]  # names never reach kubeconform's paths
            named = [m for m, problem in problems if problem is None]
            return ([finding(OBJECT_INVALID, m, problem) for m, problem in problems if problem]
                    + run_kubeconform(self._kubeconform, named, self.options, self.kubernetes.version, self.crds))
        return [f for m in ms for f in self.check(m)]

    @staticmethod
    def _listed(m: Manifest, kinds: list[str]) -> bool:
        return bool(kinds) and (m.kind in kinds or f"{m.api_version}/{m.kind}" in kinds)

    def _validator(self, api_version: str, kind: str) -> Any:
        key = (api_version, kind)
        if key in self._validators:
            return self._validators[key]
        import jsonschema_rs

        validator = None
        for source in self.sources:
            found = source.find(kind, api_version)
            if found is None:
                continue
            schema, base_uri = found
            refused: list[str] = []
            options: dict[str, Any] = {"registry": self._definitions(), "retriever": _refusing(refused)}
            if base_uri:
                options["base_uri"] = base_uri
            try:
                validator = jsonschema_rs.validator_for(schema, **options)
            except (ValueError, jsonschema_rs.ReferencingError) as err:
                raise InferopsError(f"schema for {api_version} {kind} cannot be compiled: "
                                    f"{_compile_problem(err, refused)}") from None
            break
        self._validators[key] = validator
        return validator

    def _definitions(self) -> Any:
        """One registry holding Kubernetes' ``_definitions.json``, shared by every compiled schema."""
        if self._registry is None:
            import jsonschema_rs

            definitions = self.kubernetes.definitions()
            self._registry = jsonschema_rs.Registry([(definitions["$id"], definitions)], retriever=_refusing([]))
        return self._registry


def _identity_problem(m: Manifest) -> str | None:
    for field in ("kind", "apiVersion"):
        value = m.data.get(field)
        if value is None or value == "":
            return f"object has no {field}"
        if not isinstance(value, str):
            return f"{field} must be a string"
    return identity_problem(m.api_version, m.kind)


def _refusing(refused: list[str]) -> Any:
    """A jsonschema-rs retriever that fetches nothing: a ``$ref`` (or ``$schema``) outside the loaded
    schemas (a ``file://`` path, an ``http(s)://`` URL, any other URI) is recorded in ``refused`` and
    fails. jsonschema-rs resolves every reference when it compiles a schema, so this is the only place
    a schema could reach outside."""

    def retrieve(uri: str) -> Any:
        refused.append(uri)
        raise ValueError("outside the loaded schemas; $ref is not retrieved")

    return retrieve


def _compile_problem(err: Exception, refused: list[str]) -> str:
    """Why a schema did not compile, without quoting it: jsonschema-rs' own message for an invalid
    schema repeats the offending value, which may be anything the schema was made to hold."""
    if refused:
        return (f"it refers to {refused[0]!r}, outside the loaded schemas; references are resolved only within "
                "them (no file or network access)")
    where = "/".join(str(part) for part in getattr(err, "instance_path", []) or [])
    return f"not a valid JSON Schema (at /{where})" if where else "not a valid JSON Schema"
