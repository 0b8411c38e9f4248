"""Where schemas come from: kubeconform-style ``--schema-location`` templates, local or over HTTP.

A location is a Go-template path or URL such as
``https://example.com/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json``; one that does
not end in ``json`` gets kubeconform's default layout appended. As in kubeconform, "not found" (a
missing file, an HTTP 404 or a body that is not JSON) means "try the next location", while any other
failure is an error. Downloads are cached on disk by URL, so a repeated run works offline.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inferops.errors import InferopsError
from inferops.validate.schema.kubernetes import kind_suffix

#: kubeconform appends this to a location that is not a full template (its kubernetes-json-schema layout).
DEFAULT_LAYOUT = "/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json"
FIELDS = ("NormalizedKubernetesVersion", "StrictSuffix", "ResourceKind", "ResourceAPIVersion", "Group", "KindSuffix")
_FIELD = re.compile(r"\{\{-?\s*\.(\w+)\s*-?\}\}")
TIMEOUT_SECONDS = 30


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
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "inferops" / "schemas"


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

    @property
    def remote(self) -> bool:
        return self.template.startswith(("http://", "https://"))

    def find(self, kind: str, api_version: str) -> tuple[dict[str, Any], str] | None:
        """The schema for ``kind`` and its URI (for relative ``$ref``s), or ``None`` when not here."""
        where = render(self.template, kind, api_version, self.kubernetes_version, self.strict)
        body = self._download(where) if self.remote else self._read(where)
        if body is None:
            return None
        try:
            schema = json.loads(body)
        except ValueError:
            return None
        if not isinstance(schema, dict):
            return None
        return schema, where if self.remote else Path(where).resolve().as_uri()

    @staticmethod
    def _read(where: str) -> bytes | None:
        path = Path(where.removeprefix("file://"))
        try:
            if stat.S_ISFIFO(path.stat().st_mode):  # reading it would block the run forever
                raise InferopsError("cannot read schema: a FIFO, not a file", file=str(path))
            return path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as err:
            raise InferopsError(f"cannot read schema: {err.strerror or err}", file=str(path)) from None

    def _download(self, url: str) -> bytes | None:
        cached = (self.cache_dir or default_cache_dir()) / (hashlib.sha256(url.encode()).hexdigest() + ".json")
        try:
            return cached.read_bytes()
        except OSError:
            pass
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (http/https only)
                body = response.read()
        except urllib.error.HTTPError as err:
            if err.code == 404:
                return None
            raise InferopsError(f"cannot download schema {url}: HTTP {err.code} {err.reason}") from None
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", None) or err
            raise InferopsError(f"cannot download schema {url}: {reason}") from None
        _write_atomically(cached, body)
        return body


def _write_atomically(path: Path, body: bytes) -> None:
    """Cache a download; concurrent runs may write the same file, so write aside and rename."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(body)
        temporary.replace(path)
    except OSError:
        pass  # an unwritable cache only costs a download next time
