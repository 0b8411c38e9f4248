"""Issue 8, item 1: a manifest cannot steer the schema lookup, and a schema cannot fetch anything.

The attacks as reproduced: a schema planted in the pull request, chosen by an apiVersion that is a
path, whose ``$ref`` reads a private file into the findings; a ``$ref`` to an HTTP server; a schema
whose compile error quotes what it holds.
"""

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from loopback_http import loopback_server, send_json

from inferops.cli import main
from inferops.errors import InferopsError
from inferops.validate.loader import load_documents
from inferops.validate.schema import SchemaChecker, SchemaOptions

SECRET = "TOPSECRET-do-not-print"


def widget(api_version: str, kind: str = "Widget") -> str:
    identity = f"apiVersion: {json.dumps(api_version)}\nkind: {json.dumps(kind)}\n"
    return identity + "metadata: {name: w}\nspec: {size: 3}\n"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout holding a planted schema whose ``$ref`` points at a private file outside it."""
    private = tmp_path / "private" / "secret.json"
    private.parent.mkdir()
    private.write_text(json.dumps({"enum": [SECRET]}))
    checkout = tmp_path / "checkout"
    planted = {"type": "object", "properties": {"spec": {"properties": {"size": {"$ref": private.as_uri()}}}}}
    for name in ("widget_v1.json", "widget-v1.json", "evil-v1.json"):
        (checkout / "evil").mkdir(parents=True, exist_ok=True)
        (checkout / "evil" / name).write_text(json.dumps(planted))
    monkeypatch.chdir(checkout)
    return checkout


@pytest.mark.parametrize("api_version", [
    "/proc/self/cwd/evil/v1", "/{checkout}/evil/v1", "../../../../../../../../{checkout}/evil/v1"])
def test_an_api_version_that_is_a_path_reads_no_planted_schema(
    repo: Path, capsys: pytest.CaptureFixture[str], api_version: str
) -> None:
    (repo / "widget.yaml").write_text(widget(api_version.format(checkout=str(repo).lstrip("/"))))
    assert main(["validate", "--checks", "schema", "widget.yaml"]) == 1
    out = capsys.readouterr().out
    assert SECRET not in out
    assert "object-invalid" in out and "is not a Kubernetes group/version" in out


def test_a_kind_that_is_a_path_reads_no_planted_schema(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    depth = "../" * 12
    (repo / "widget.yaml").write_text(widget("v1", f"{depth}{str(repo).lstrip('/')}/evil/evil"))
    assert main(["validate", "--checks", "schema", "widget.yaml"]) == 1
    out = capsys.readouterr().out
    assert SECRET not in out
    assert "is not a Kubernetes kind" in out


class RefServer:
    """Serves the secret schema on 127.0.0.1 and records the paths asked for."""

    def __init__(self, url: str, requests: list[str]) -> None:
        self.url, self.requests = url, requests


@pytest.fixture
def ref_server() -> Iterator[RefServer]:
    requests: list[str] = []

    def respond(handler: BaseHTTPRequestHandler) -> None:
        requests.append(handler.path)
        send_json(handler, json.dumps({"enum": [SECRET]}).encode())

    with loopback_server(respond) as url:
        yield RefServer(url, requests)


def check_with_schema(tmp_path: Path, schema: dict) -> list:
    """Check a Widget against ``schema``, given as a local --schema-location."""
    (tmp_path / "schemas").mkdir(exist_ok=True)
    (tmp_path / "schemas" / "widget.json").write_text(json.dumps(schema))
    loaded = load_documents(widget("example.com/v1"), "widget.yaml", strict=True)
    options = SchemaOptions(locations=[f"{tmp_path}/schemas/{{{{ .ResourceKind }}}}.json"])
    return SchemaChecker(options).check_all(loaded.manifests)


def test_a_ref_to_an_http_server_is_not_fetched(tmp_path: Path, ref_server: RefServer) -> None:
    schema = {"type": "object", "properties": {"spec": {"properties": {"size": {"$ref": ref_server.url + "/s.json"}}}}}
    with pytest.raises(InferopsError, match="outside the loaded schemas") as err:
        check_with_schema(tmp_path, schema)
    assert ref_server.requests == []
    assert SECRET not in str(err.value) and "\n" not in str(err.value)


def test_a_ref_to_a_local_file_is_not_read(tmp_path: Path) -> None:
    private = tmp_path / "secret.json"
    private.write_text(json.dumps({"enum": [SECRET]}))
    schema = {"type": "object", "properties": {"spec": {"properties": {"size": {"$ref": private.as_uri()}}}}}
    with pytest.raises(InferopsError, match="outside the loaded schemas") as err:
        check_with_schema(tmp_path, schema)
    assert SECRET not in str(err.value)


def test_a_relative_ref_does_not_reach_a_file_beside_the_schema(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "secret.json").write_text(json.dumps({"enum": [SECRET]}))
    schema = {"type": "object", "properties": {"spec": {"properties": {"size": {"$ref": "secret.json"}}}}}
    with pytest.raises(InferopsError, match="outside the loaded schemas"):
        check_with_schema(tmp_path, schema)


def test_a_schema_that_does_not_compile_is_not_quoted(tmp_path: Path) -> None:
    schema = {"type": "object", "properties": {"spec": {"type": SECRET}}}
    with pytest.raises(InferopsError, match="not a valid JSON Schema") as err:
        check_with_schema(tmp_path, schema)
    assert SECRET not in str(err.value) and "\n" not in str(err.value)


def test_refs_into_kubernetes_definitions_still_resolve(tmp_path: Path) -> None:
    """The loaded schema set: a built-in kind's ``$ref``s into ``_definitions.json`` are followed."""
    loaded = load_documents("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: x}\n",
                            "d.yaml", strict=True)
    findings = SchemaChecker(SchemaOptions()).check_all(loaded.manifests)
    assert "spec.replicas: expected integer, got string" in [f.message for f in findings]


@pytest.mark.parametrize(("group", "version", "kind"), [
    ("../../../../tmp/planted", "v1", "Widget"), ("example.com", "../v1", "Widget"), ("example.com", "v1", "../W")])
def test_a_crd_whose_names_are_paths_is_refused(tmp_path: Path, group: str, version: str, kind: str) -> None:
    """CRD names become file names in kubeconform's catalog layout (``--engine kubeconform``)."""
    crd = tmp_path / "crd.yaml"
    crd.write_text(json.dumps({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": "w"},
        "spec": {"group": group, "names": {"kind": kind},
                 "versions": [{"name": version, "schema": {"openAPIV3Schema": {"type": "object"}}}]}}))
    with pytest.raises(InferopsError, match="is not a Kubernetes name"):
        SchemaChecker(SchemaOptions(crds=[crd]))
