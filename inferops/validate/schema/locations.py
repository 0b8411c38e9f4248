"""Where schemas come from: kubeconform-style ``--schema-location`` templates, local or over HTTP.

A location is a Go-template path or URL such as
``https://example.com/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json``; one that does
not end in ``json`` gets kubeconform's default layout appended. As in kubeconform, "not found" (a
missing file, an HTTP 404 or a body that is not JSON) means "try the next location", while any other
failure is an error. Downloads are cached on disk by URL, so a repeated run works offline.

Untrusted input shapes what is looked up, so lookups are bounded: a local template never reads outside
its fixed directory (:attr:`TemplateLocation.root`), one download gets :data:`TIMEOUT_SECONDS` in all and
at most ``MAX_SCHEMA_BYTES``, a cache entry is checked against its checksum when read, and a schema that
cannot check the kind it was found for (``{}``, another kind's) is an error rather than a silent pass.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inferops.cache_files import user_cache_dir
from inferops.errors import InferopsError
from inferops.validate.schema.kubernetes import kind_suffix
from inferops.validate.schema.reading import MAX_SCHEMA_BYTES, object_schema_problem, read_bounded

#: kubeconform appends this to a location that is not a full template (its kubernetes-json-schema layout).
DEFAULT_LAYOUT = "/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json"
FIELDS = ("NormalizedKubernetesVersion", "StrictSuffix", "ResourceKind", "ResourceAPIVersion", "Group", "KindSuffix")
_FIELD = re.compile(r"\{\{-?\s*\.(\w+)\s*-?\}\}")
#: Time for one whole download (connect, headers and body), not per read.
TIMEOUT_SECONDS = 30
_CHUNK = 64 * 1024
_NOT_IN_URL = re.compile(r"[\x00-\x20\x7f]")


def render(template: str, kind: str, api_version: str, kubernetes_version: str, strict: bool) -> str:
    """Fill a kubeconform template for one kind (same values as kubeconform's ``schemaPath``)."""
    group, _, version = api_version.rpartition("/")
    values = {
        "NormalizedKubernetesVersion": f"v{kubernetes_version}",
        "StrictSuffix": "-strict" if strict else "",
        "ResourceKind": kind.lower(),
        "ResourceAPIVersion": version,
        "Group": group or version,
        "KindSuffix": kind_suffix(api_version),
    }
    return _FIELD.sub(lambda m: values[m.group(1)], template)


def default_cache_dir() -> Path:
    return user_cache_dir("schemas")


@dataclass
class TemplateLocation:
    """One ``--schema-location``: a local path template or an http(s) URL template."""

    template: str
    kubernetes_version: str
    strict: bool
    cache_dir: Path | None = None

    def __post_init__(self) -> None:
        if not self.template.endswith("json"):
            self.template = self.template.rstrip("/") + DEFAULT_LAYOUT
        unknown = [name for name in _FIELD.findall(self.template) if name not in FIELDS]
        leftover = _FIELD.sub("", self.template)
        if unknown or "{{" in leftover or "}}" in leftover:
            detail = f"unknown field .{unknown[0]}" if unknown else "malformed {{ }}"
            raise InferopsError(f"invalid --schema-location {self.template!r}: {detail}; fields: {', '.join(FIELDS)}")
        if self.remote and _NOT_IN_URL.search(leftover):
            raise InferopsError(f"invalid --schema-location {self.template!r}: a URL cannot hold spaces or "
                                "control characters (write a space as %20)")

    @property
    def remote(self) -> bool:
        return self.template.startswith(("http://", "https://"))

    @property
    def root(self) -> Path:
        """The directory a local template can never leave: the fixed part before its first field."""
        fixed = self.template.removeprefix("file://").split("{{", 1)[0]
        return Path(fixed) if fixed.endswith("/") else Path(fixed or ".").parent

    def find(self, kind: str, api_version: str) -> tuple[dict[str, Any], str] | None:
        """The schema for ``kind`` and its URI (for relative ``$ref``s), or ``None`` when not here.

        A schema that cannot check this kind (``{}``, another kind's schema) is an error, not a pass."""
        where = render(self.template, kind, api_version, self.kubernetes_version, self.strict)
        schema = self._download(where, kind, api_version) if self.remote else _parsed(self._read(where))
        if schema is None:
            return None
        problem = object_schema_problem(schema, kind, api_version)
        if problem:
            raise InferopsError(f"schema for {api_version} {kind} at {where} {problem}")
        return schema, where if self.remote else Path(where).resolve().as_uri()

    def _read(self, where: str) -> bytes | None:
        return read_bounded(Path(where.removeprefix("file://")), self.root)

    def _download(self, url: str, kind: str, api_version: str) -> dict[str, Any] | None:
        """The schema at ``url``, from the cache when a checked copy is there (see :class:`SchemaCache`)."""
        cache = SchemaCache(self.cache_dir or default_cache_dir())
        cached = cache.get(url)
        if cached is not None and object_schema_problem(cached, kind, api_version) is None:
            return cached
        body = download(url)
        schema = _parsed(body)
        if body is not None and schema is not None and object_schema_problem(schema, kind, api_version) is None:
            cache.put(url, body)
        return schema


def download(url: str) -> bytes | None:
    """The body at ``url``, ``None`` on HTTP 404. :data:`TIMEOUT_SECONDS` bounds the whole download and
    :data:`MAX_SCHEMA_BYTES` its size.

    A socket timeout only bounds each wait, so a server that trickles bytes (in the body or in endless
    headers), or a slow name lookup, could hold the run for ever. The download therefore runs in a
    worker thread that the run stops waiting for at the deadline; the worker also stops reading a body
    at the deadline, so it does not outlive the download by more than one wait."""
    deadline = time.monotonic() + TIMEOUT_SECONDS
    outcome: list[bytes | None | BaseException] = []

    def fetch() -> None:
        try:
            outcome.append(_fetch(url, deadline))
        except BaseException as err:  # handed to the waiting thread
            outcome.append(err)

    worker = threading.Thread(target=fetch, name="inferops-schema-download", daemon=True)
    worker.start()
    worker.join(TIMEOUT_SECONDS)
    if not outcome:
        raise InferopsError(f"cannot download schema {url}: timed out after {TIMEOUT_SECONDS} s")
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def _fetch(url: str, deadline: float) -> bytes | None:
    import urllib.error  # here, not at the top: its imports (http, email, ssl) cost more than most runs' checks
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (http/https only)
            return _read_until(response, deadline, url)
    except urllib.error.HTTPError as err:
        if err.code == 404:
            return None
        raise InferopsError(f"cannot download schema {url}: HTTP {err.code} {err.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as err:  # ValueError: a URL http.client refuses
        reason = getattr(err, "reason", None) or err
        raise InferopsError(f"cannot download schema {url}: {reason}") from None


def _read_until(response: Any, deadline: float, url: str) -> bytes:
    """The body of ``response``, read a chunk at a time until ``deadline`` or :data:`MAX_SCHEMA_BYTES`."""
    chunks: list[bytes] = []
    size = 0
    while time.monotonic() < deadline:
        chunk = response.read1(_CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_SCHEMA_BYTES:
            raise InferopsError(f"cannot download schema {url}: larger than {MAX_SCHEMA_BYTES // 2**20} MiB")
        chunks.append(chunk)
    raise InferopsError(f"cannot download schema {url}: timed out after {TIMEOUT_SECONDS} s")


def _parsed(body: bytes | None) -> dict[str, Any] | None:
    """A schema document, or ``None`` for no body or one that is not a JSON object: as in kubeconform,
    that means "not here, try the next location"."""
    if body is None:
        return None
    try:
        schema = json.loads(body)
    except ValueError:
        return None
    return schema if isinstance(schema, dict) else None


class SchemaCache:
    """Downloaded schemas on disk, one file per URL, each checked when read.

    An entry is ``{"url": ..., "sha256": ..., "body": ...}``: the body as downloaded and its checksum.
    An entry that is not a regular file, not JSON, for another URL or whose body does not match its
    checksum (a truncated write, an edit, another tool's file) is ignored and downloaded again.
    Concurrent runs may write the same entry, so entries are written aside and renamed.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, url: str) -> Path:
        return self.directory / (hashlib.sha256(url.encode()).hexdigest() + ".json")

    def get(self, url: str) -> dict[str, Any] | None:
        try:
            raw = read_bounded(self.path(url), self.directory)
            entry = json.loads(raw) if raw is not None else None
        except (InferopsError, ValueError):
            return None
        if not (isinstance(entry, dict) and entry.get("url") == url and isinstance(entry.get("body"), str)):
            return None
        body = entry["body"].encode()
        if hashlib.sha256(body).hexdigest() != entry.get("sha256"):
            return None
        return _parsed(body)

    def put(self, url: str, body: bytes) -> None:
        try:
            text = body.decode()
        except UnicodeDecodeError:
            return
        entry = {"url": url, "sha256": hashlib.sha256(text.encode()).hexdigest(), "body": text}
        path = self.path(url)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(entry), encoding="utf-8")
            temporary.replace(path)
        except OSError:
            pass  # an unwritable cache only costs a download next time
