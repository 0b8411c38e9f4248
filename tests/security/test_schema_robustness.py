"""Issue 8, robustness bullets of the schema layer and the reports: hostile names, schema files, schema
servers and schema caches end in one line and a documented exit code, or in a finding; never in a
traceback, a hang or a silent pass. JUnit output stays well-formed XML whatever the names hold.
"""

import gzip
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from loopback_http import loopback_server, send_json

from inferops.cli import main
from inferops.errors import InferopsError
from inferops.validate.findings import Finding, Severity
from inferops.validate.loader import load_documents
from inferops.validate.report import Report
from inferops.validate.reporters import render
from inferops.validate.schema import SchemaChecker, SchemaOptions, crd, locations
from inferops.validate.schema.checker import CrdSchemas

WIDGET = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: big}\n"
WIDGET_SCHEMA = {"type": "object", "properties": {"spec": {"properties": {"size": {"type": "integer"}}}}}


@pytest.mark.parametrize("kind", ['"Pod\\0"', "K" * 300, '"Pod\\u202e"', "'../../x'"])
def test_a_hostile_kind_is_a_finding_not_a_traceback(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pod.yaml").write_text(f"apiVersion: v1\nkind: {kind}\nmetadata: {{name: p}}\n")
    assert main(["validate", "--checks", "schema", "pod.yaml"]) == 1
    out = capsys.readouterr().out
    assert "object-invalid" in out and "is not a Kubernetes kind" in out


@pytest.mark.parametrize("body", [gzip.compress(b"{ not json: TOPSECRET"), b"TOPSECRET, not gzip"],
                         ids=["gzip-not-json", "not-gzip"])
def test_a_builtin_schema_file_that_is_not_json_is_one_line_naming_it(
    body: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "example.com").mkdir()
    (tmp_path / "example.com" / "widget_v1.json.gz").write_bytes(body)
    monkeypatch.setattr(crd, "builtin_crds_dir", lambda: tmp_path)
    with pytest.raises(InferopsError, match=r"widget_v1.json.gz: schema file is not gzip-compressed JSON") as err:
        CrdSchemas(strict=True, builtin=True).find("Widget", "example.com/v1")
    assert "TOPSECRET" not in str(err.value) and "\n" not in str(err.value)


def test_a_url_schema_location_with_a_space_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    assert main(["validate", "--schema-location", "http://127.0.0.1:9/my schemas/{{ .ResourceKind }}.json",
                 "cm.yaml"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot hold spaces" in err


class SchemaServer:
    """Serves WIDGET_SCHEMA on 127.0.0.1 and counts requests; ``trickle`` (``"body"`` or ``"headers"``)
    sends that part a byte at a time and never finishes, ``oversize`` sends a body of that many bytes."""

    def __init__(self) -> None:
        self.requests = 0
        self.trickle = ""
        self.oversize = 0
        self.stop = threading.Event()
        self.location = ""

    def respond(self, handler: BaseHTTPRequestHandler) -> None:
        self.requests += 1
        if not self.trickle:
            send_json(handler, b" " * self.oversize or json.dumps(WIDGET_SCHEMA).encode())
            return
        if self.trickle == "body":
            handler.send_response(200)
            handler.send_header("Content-Length", "1000000")
            handler.end_headers()
        else:
            handler.wfile.write(b"HTTP/1.1 200 OK\r\nX-Endless: ")
        while not self.stop.is_set():
            try:
                handler.wfile.write(b"a")
                handler.wfile.flush()
            except OSError:
                return
            time.sleep(0.05)


@pytest.fixture
def server() -> Iterator[SchemaServer]:
    served = SchemaServer()
    with loopback_server(served.respond) as url:
        served.location = url + "/{{ .ResourceKind }}.json"
        yield served
        served.stop.set()


def check(server: SchemaServer, cache: Path) -> list[str]:
    loaded = load_documents(WIDGET, "widget.yaml", strict=True)
    checker = SchemaChecker(SchemaOptions(locations=[server.location], cache_dir=cache))
    return [f.message for f in checker.check_all(loaded.manifests)]


@pytest.mark.parametrize("part", ["body", "headers"])
def test_a_server_that_trickles_bytes_is_cut_off_at_the_deadline(
    server: SchemaServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, part: str
) -> None:
    monkeypatch.setattr(locations, "TIMEOUT_SECONDS", 1)
    server.trickle = part
    with pytest.raises(InferopsError, match="timed out"):
        check(server, tmp_path)


def test_a_download_larger_than_the_cap_is_refused(
    server: SchemaServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(locations, "MAX_SCHEMA_BYTES", 4096)
    server.oversize = 100_000
    with pytest.raises(InferopsError, match="larger than"):
        check(server, tmp_path)


def only_entry(cache: Path) -> Path:
    (entry,) = cache.glob("*.json")
    return entry


def test_a_corrupt_cache_entry_is_downloaded_again(server: SchemaServer, tmp_path: Path) -> None:
    assert check(server, tmp_path) == ["spec.size: expected integer, got string"]
    entry = only_entry(tmp_path)
    entry.write_bytes(entry.read_bytes()[:-20])  # a truncated write
    assert check(server, tmp_path) == ["spec.size: expected integer, got string"]
    assert server.requests == 2
    assert check(server, tmp_path) == ["spec.size: expected integer, got string"]
    assert server.requests == 2  # repaired: served from the cache again


@pytest.mark.parametrize("planted", ["{}", '{"type": "object"}', '{"type": "string"}',
                                     '{"properties": {"kind": {"enum": ["Gadget"]}}}'])
def test_a_cached_schema_that_checks_nothing_is_downloaded_again(
    server: SchemaServer, tmp_path: Path, planted: str
) -> None:
    check(server, tmp_path)
    entry = only_entry(tmp_path)
    url = json.loads(entry.read_text())["url"]
    forged = {"url": url, "sha256": hashlib.sha256(planted.encode()).hexdigest(), "body": planted}
    entry.write_text(json.dumps(forged))  # a well-formed entry, even with a valid checksum
    assert check(server, tmp_path) == ["spec.size: expected integer, got string"]
    assert server.requests == 2


def test_a_raw_empty_schema_in_the_cache_does_not_pass_everything(server: SchemaServer, tmp_path: Path) -> None:
    check(server, tmp_path)
    only_entry(tmp_path).write_text("{}")  # the cache format of earlier versions
    assert check(server, tmp_path) == ["spec.size: expected integer, got string"]


def test_a_served_schema_that_checks_nothing_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "widget.json").write_text("{}")
    loaded = load_documents(WIDGET, "widget.yaml", strict=True)
    checker = SchemaChecker(SchemaOptions(locations=[f"{tmp_path}/{{{{ .ResourceKind }}}}.json"]))
    with pytest.raises(InferopsError, match="constrains nothing"):
        checker.check_all(loaded.manifests)


def test_a_fifo_in_the_schema_cache_does_not_hang(server: SchemaServer, tmp_path: Path) -> None:
    url = server.location.replace("{{ .ResourceKind }}", "widget")
    os.mkfifo(tmp_path / (hashlib.sha256(url.encode()).hexdigest() + ".json"))
    script = ("import sys; from inferops.cli import main; "
              f"sys.exit(main(['validate', '--schema-location', {server.location!r}, '--cache-dir', {str(tmp_path)!r},"
              " 'widget.yaml']))")
    (tmp_path / "widget.yaml").write_text(WIDGET)
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "spec.size: expected integer, got string" in done.stdout


def test_junit_stays_well_formed_xml_when_names_hold_control_characters() -> None:
    name = "Deployment/llm/a\x00b\x01c\x1b[31md\x0be\ufffe\ud800"
    report = Report([Finding("schema-invalid", Severity.ERROR, "bad\x02", "dir\x03/x.yaml", 1, name, "hint\x04")],
                    files_checked=1, objects_checked=1, notes=["note\x05"])
    root = ET.fromstring(render(report, "junit"))
    (case,) = [c for c in root.iter("testcase") if c.get("classname") != "inferops"]
    assert case.get("name") == "Deployment/llm/a\\x00b\\x01c\\x1b[31md\\x0be\\ufffe\\ud800"
