"""--schema-location: kubeconform templates over local directories and URLs (downloads cached)."""

import json
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from inferops.errors import InferopsError
from inferops.validate.schema import SchemaChecker, SchemaOptions
from inferops.validate.schema.locations import render

WIDGET = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 3}\n"
WIDGET_SCHEMA = {"type": "object", "required": ["spec"], "properties": {
    "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"},
    "spec": {"type": "object", "properties": {"size": {"type": "integer"}}}}}


def write_schema(path: Path, schema: dict = WIDGET_SCHEMA) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(schema))


@pytest.mark.parametrize(("template", "expected"), [
    ("{{ .ResourceKind }}{{ .KindSuffix }}.json", "deployment-apps-v1.json"),
    ("{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json", "apps/deployment_v1.json"),
    ("{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/x.json", "v1.33.0-standalone-strict/x.json"),
])
def test_templates_render_like_kubeconform(template: str, expected: str) -> None:
    assert render(template, "Deployment", "apps/v1", "1.33.0", strict=True) == expected


def test_core_group_renders_as_its_version() -> None:
    assert render("{{ .Group }}/{{ .ResourceKind }}{{ .KindSuffix }}", "Pod", "v1", "1.33.0", strict=False) == "v1/pod-v1"


def test_a_crds_catalog_style_local_directory_is_searched(check, tmp_path: Path) -> None:
    write_schema(tmp_path / "example.com" / "widget_v1.json")
    location = f"{tmp_path}/{{{{ .Group }}}}/{{{{ .ResourceKind }}}}_{{{{ .ResourceAPIVersion }}}}.json"
    assert check(WIDGET, locations=[location]) == []
    assert [f.message for f in check(WIDGET.replace("size: 3", "size: big"), locations=[location])] == [
        "spec.size: expected integer, got string"]


def test_user_locations_extend_the_builtin_schemas(check, tmp_path: Path) -> None:
    location = f"{tmp_path}/{{{{ .ResourceKind }}}}.json"
    assert check("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n", locations=[location]) == []


def test_locations_are_tried_in_order_with_default_where_listed(check, tmp_path: Path) -> None:
    deny_all = {"not": {}}
    write_schema(tmp_path / "namespace.json", deny_all)
    namespace = "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n"
    mine = f"{tmp_path}/{{{{ .ResourceKind }}}}.json"
    assert [f.rule_id for f in check(namespace, locations=[mine])] == ["schema-invalid"]
    assert check(namespace, locations=["default", mine]) == []


def test_a_location_that_is_not_a_template_gets_kubeconforms_layout(check, tmp_path: Path) -> None:
    write_schema(tmp_path / "v1.33.0-standalone-strict" / "widget-example-v1.json")
    assert check(WIDGET, locations=[str(tmp_path)]) == []
    assert [f.rule_id for f in check(WIDGET, locations=[str(tmp_path)], strict=False)] == ["schema-missing"]


def test_a_file_that_is_not_json_counts_as_not_found(check, tmp_path: Path) -> None:
    (tmp_path / "widget.json").write_text("<html>not a schema</html>")
    assert [f.rule_id for f in check(WIDGET, locations=[f"{tmp_path}/{{{{ .ResourceKind }}}}.json"])] == ["schema-missing"]


def test_a_fifo_where_a_schema_should_be_is_a_usage_error_not_a_hang(check, tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "widget.json")
    with pytest.raises(InferopsError, match="cannot read schema: a FIFO"):
        check(WIDGET, locations=[f"{tmp_path}/{{{{ .ResourceKind }}}}.json"])


@pytest.mark.parametrize("location", ["{{ .Kind }}.json", "{{ .ResourceKind }.json"])
def test_bad_templates_are_usage_errors(location: str) -> None:
    with pytest.raises(InferopsError, match="invalid --schema-location"):
        SchemaChecker(SchemaOptions(locations=[location]))


def test_kubeconform_registry_fixture_with_default_location(check, shared: Path) -> None:
    fixtures = shared / "corpus" / "kubeconform-fixtures"
    text = (fixtures / "test_crd.yaml").read_text()
    location = f"{fixtures}/registry/{{{{ .ResourceKind }}}}{{{{ .KindSuffix }}}}.json"
    assert check(text, locations=["default", location]) == []
    grafana = (fixtures / "grafana-alert-rule-group-sample.yaml").read_text()
    assert check(grafana, locations=[f"{fixtures}/{{{{ .ResourceKind }}}}_{{{{ .ResourceAPIVersion }}}}.json"]) == []


class Server:
    """A local HTTP server over a directory, counting requests."""

    def __init__(self, root: Path) -> None:
        self.requests: list[str] = []
        server = self

        class Handler(SimpleHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server naming)
                server.requests.append(self.path)
                if self.path.startswith("/broken/"):
                    self.send_error(500, "boom")
                else:
                    super().do_GET()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(root)))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    root = tmp_path / "www"
    write_schema(root / "schemas" / "example.com" / "widget_v1.json")
    running = Server(root)
    yield running
    running.stop()


def test_url_locations_download_once_and_then_use_the_cache(check, server: Server, tmp_path: Path) -> None:
    location = server.url + "/schemas/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"
    cache = tmp_path / "cache"
    assert check(WIDGET, locations=[location], cache_dir=cache) == []
    assert server.requests == ["/schemas/example.com/widget_v1.json"]
    server.stop()
    assert check(WIDGET, locations=[location], cache_dir=cache) == []  # served from the cache, offline
    assert len(list(cache.glob("*.json"))) == 1


def test_a_404_means_not_found_and_the_next_location_is_tried(check, server: Server, tmp_path: Path) -> None:
    missing = server.url + "/nothing/{{ .ResourceKind }}.json"
    found = server.url + "/schemas/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"
    assert [f.rule_id for f in check(WIDGET, locations=[missing], cache_dir=tmp_path)] == ["schema-missing"]
    assert check(WIDGET, locations=[missing, found], cache_dir=tmp_path) == []


def test_server_errors_are_usage_errors(check, server: Server, tmp_path: Path) -> None:
    with pytest.raises(InferopsError, match="cannot download schema .*HTTP 500"):
        check(WIDGET, locations=[server.url + "/broken/{{ .ResourceKind }}.json"], cache_dir=tmp_path)


def test_unreachable_hosts_are_usage_errors(check, tmp_path: Path) -> None:
    stopped = Server(tmp_path)
    url = stopped.url
    stopped.stop()
    with pytest.raises(InferopsError, match="cannot download schema"):
        check(WIDGET, locations=[url + "/{{ .ResourceKind }}.json"], cache_dir=tmp_path / "cache")
