"""``--engine kubeconform``: delegate schema checks to a ``kubeconform`` binary and fold its JSON report
into the same findings the built-in engine gives.

Each object is written as its own JSON file (named by its index), so every result maps back to one
object, its source file and, through the ``validationErrors`` paths, its line. The converted CRD
schemas (shipped ones and ``--crd``) are written into a temporary CRDs-catalog directory that is passed
as the first schema location, so custom resources are checked the same way as with the built-in engine.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from inferops.errors import InferopsError
from inferops.rules.core import KIND_REJECTED, OBJECT_INVALID, SCHEMA_INVALID, SCHEMA_MISSING
from inferops.validate.findings import Finding
from inferops.validate.manifest import JsonPath, Manifest
from inferops.validate.schema.crd import CrdSchema, builtin_schema_files, read_builtin, strict_variant
from inferops.validate.schema.messages import dotted, finding, first_line
from inferops.validate.schema.options import SchemaOptions

CATALOG_TEMPLATE = "{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"


def find_binary() -> str:
    binary = shutil.which("kubeconform")
    if binary is None:
        raise InferopsError("--engine kubeconform needs a kubeconform binary on PATH "
                            "(https://github.com/yannh/kubeconform/releases); or use --engine builtin")
    return binary


def run_kubeconform(binary: str, ms: Sequence[Manifest], options: SchemaOptions, kubernetes_version: str,
                    crds: Sequence[CrdSchema]) -> list[Finding]:
    """Check ``ms`` with kubeconform in one batch and return its results as findings."""
    if not ms:
        return []
    with tempfile.TemporaryDirectory(prefix="inferops-kubeconform-") as tmp:
        work = Path(tmp)
        catalog = _write_catalog(work / "schemas", crds, options.strict)
        files = []
        for index, m in enumerate(ms):
            path = work / "objects" / f"{index}.json"
            path.parent.mkdir(exist_ok=True)
            path.write_text(json.dumps(m.data), encoding="utf-8")
            files.append(str(path))
        command = [binary, *kubeconform_flags(options, kubernetes_version, catalog), *files]
        try:
            done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 -- argv, no shell; our flags and files
        except OSError as err:
            raise InferopsError(f"cannot run kubeconform: {err.strerror or err}") from None
    if done.returncode not in (0, 1):
        raise InferopsError(f"kubeconform failed (exit {done.returncode}): {first_line(done.stderr or done.stdout)}")
    return fold_report(done.stdout, ms)


def kubeconform_flags(options: SchemaOptions, kubernetes_version: str, catalog: Path) -> list[str]:
    flags = ["-output", "json", "-kubernetes-version", kubernetes_version,
             "-schema-location", str(catalog / CATALOG_TEMPLATE)]
    for location in options.locations or ["default"]:
        flags += ["-schema-location", location]
    if options.strict:
        flags.append("-strict")
    if options.ignore_missing:
        flags.append("-ignore-missing-schemas")
    if options.skip:
        flags += ["-skip", ",".join(options.skip)]
    if options.reject:
        flags += ["-reject", ",".join(options.reject)]
    if options.cache_dir:
        options.cache_dir.mkdir(parents=True, exist_ok=True)
        flags += ["-cache", str(options.cache_dir)]
    return flags


def _write_catalog(directory: Path, crds: Sequence[CrdSchema], strict: bool) -> Path:
    """The shipped CRD schemas plus ``--crd`` ones (which win), strict when asked, in catalog layout."""
    for relative, _ in builtin_schema_files():
        schema = read_builtin(relative)
        if schema is not None:
            _write_schema(directory / relative, schema, strict)
    for crd in crds:
        _write_schema(directory / crd.relative_path, crd.schema, strict)
    return directory


def _write_schema(path: Path, schema: dict[str, Any], strict: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(strict_variant(schema) if strict else schema), encoding="utf-8")


def fold_report(stdout: str, ms: Sequence[Manifest]) -> list[Finding]:
    """Findings from kubeconform's ``-output json`` report on files named ``<index>.json``."""
    try:
        report = json.loads(stdout or "{}")
    except ValueError:
        raise InferopsError(f"kubeconform printed no JSON report: {first_line(stdout)}") from None
    findings: list[Finding] = []
    for result in report.get("resources") or []:
        index = Path(str(result.get("filename", ""))).stem
        if not index.isdigit() or int(index) >= len(ms):
            continue
        findings.extend(_result_findings(result, ms[int(index)]))
    return findings


def _result_findings(result: dict[str, Any], m: Manifest) -> Iterator[Finding]:
    status, message = result.get("status"), str(result.get("msg") or "")
    if status == "statusInvalid":
        errors = result.get("validationErrors") or []
        if not errors:
            yield finding(SCHEMA_INVALID, m, message)
        for error in errors:
            path = _pointer_path(str(error.get("path") or ""), m.data)
            text = str(error.get("msg") or "invalid")
            yield finding(SCHEMA_INVALID, m, f"{dotted(path)}: {text}" if path else text, path)
    elif status == "statusError":
        if message.startswith("could not find schema"):
            yield finding(SCHEMA_MISSING, m, message)
        elif message.startswith("prohibited resource kind"):
            yield finding(KIND_REJECTED, m, message)
        elif "missing 'kind'" in message or "missing 'apiVersion'" in message:
            yield finding(OBJECT_INVALID, m, message)
        else:
            yield finding(SCHEMA_INVALID, m, message)


def _pointer_path(pointer: str, data: Any) -> JsonPath:
    """A JSON pointer (``/spec/containers/0/image``) as a path, list indexes as ints."""
    path: list[str | int] = []
    node = data
    for raw in pointer.strip("/").split("/") if pointer.strip("/") else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and part.isdigit():
            path.append(int(part))
            node = node[int(part)] if int(part) < len(node) else None
        else:
            path.append(part)
            node = node.get(part) if isinstance(node, dict) else None
    return tuple(path)

