"""Custom resources: the shipped Argo CD/KEDA/Prometheus Operator schemas, --crd files and the conversion."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from inferops.data import schemas_dir
from inferops.errors import InferopsError
from inferops.validate.schema.crd import convert_schema, read_builtin, strict_variant

ROOT = Path(__file__).resolve().parents[3]

APPLICATION = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: llama-prod
  namespace: argocd
spec:
  project: serving
  source:
    repoURL: https://github.com/example/gitops
    path: overlays/prod
    targetRevision: main
  destination:
    server: https://kubernetes.default.svc
    namespace: serving
  syncPolicy:
    automated: {prune: true, selfHeal: true}
"""

BUILTIN_CUSTOM_RESOURCES = {
    "AppProject": """\
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {name: serving, namespace: argocd}
spec:
  sourceRepos: [https://github.com/example/gitops]
  destinations: [{server: https://kubernetes.default.svc, namespace: serving}]
  clusterResourceWhitelist: []
""",
    "ApplicationSet": """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: serving, namespace: argocd}
spec:
  generators:
    - list: {elements: [{env: prod}]}
  template:
    metadata: {name: "llama-{{env}}"}
    spec:
      project: serving
      source: {repoURL: https://github.com/example/gitops, path: "overlays/{{env}}", targetRevision: main}
      destination: {server: https://kubernetes.default.svc, namespace: serving}
""",
    "ScaledObject": """\
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: vllm, namespace: serving}
spec:
  scaleTargetRef: {name: vllm}
  minReplicaCount: 1
  maxReplicaCount: 4
  triggers:
    - type: prometheus
      metadata: {serverAddress: "http://prometheus:9090", query: "sum(vllm:num_requests_waiting)", threshold: "5"}
      authenticationRef: {name: prom-auth}
""",
    "TriggerAuthentication": """\
apiVersion: keda.sh/v1alpha1
kind: TriggerAuthentication
metadata: {name: prom-auth, namespace: serving}
spec:
  secretTargetRef: [{parameter: bearerToken, name: prom-token, key: token}]
""",
    "ServiceMonitor": """\
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: vllm, namespace: serving}
spec:
  selector: {matchLabels: {app: vllm}}
  endpoints: [{port: http, path: /metrics, interval: 15s}]
""",
    "PodMonitor": """\
apiVersion: monitoring.coreos.com/v1
kind: PodMonitor
metadata: {name: vllm, namespace: serving}
spec:
  selector: {matchLabels: {app: vllm}}
  podMetricsEndpoints: [{port: http, path: /metrics}]
""",
    "PrometheusRule": """\
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: vllm, namespace: serving}
spec:
  groups:
    - name: vllm
      rules:
        - alert: VLLMQueueLong
          expr: sum(vllm:num_requests_waiting) > 10
          for: 5m
          labels: {severity: warning}
""",
}


def test_shipped_argo_cd_application_validates(check) -> None:
    assert check(APPLICATION) == []


@pytest.mark.parametrize("kind", sorted(BUILTIN_CUSTOM_RESOURCES))
def test_shipped_custom_resource_schemas_validate_typical_objects(check, kind: str) -> None:
    assert check(BUILTIN_CUSTOM_RESOURCES[kind]) == []


def test_shipped_custom_resource_schemas_are_strict_by_default(check) -> None:
    typo = APPLICATION.replace("    targetRevision: main\n", "    targetRevison: main\n")
    findings = check(typo)
    assert [(f.rule_id, f.line, f.message) for f in findings] == [
        ("schema-invalid", 11, 'unknown field "spec.source.targetRevison"')]
    assert check(typo, strict=False) == []


def test_shipped_schemas_pin_api_version_and_kind(check) -> None:
    findings = check(BUILTIN_CUSTOM_RESOURCES["ScaledObject"].replace("maxReplicaCount: 4", "maxReplicaCount: many"))
    assert [(f.line, f.message) for f in findings] == [(7, "spec.maxReplicaCount: expected integer, got string")]


def test_argo_cd_example_app_of_apps_applications_validate(check, shared: Path) -> None:
    """The example app-of-apps chart's Applications, with its values filled in as its template does."""
    chart = shared / "corpus" / "argocd-example-apps" / "apps"
    values = yaml.safe_load((chart / "values.yaml").read_text())
    config = values["config"]["spec"]
    documents = []
    for app in values["applications"]:
        source = {"path": app.get("path", app["name"]), "repoURL": config["source"]["repoURL"],
                  "targetRevision": config["source"]["targetRevision"], **app.get("tool", {})}
        documents.append({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "metadata": {"name": f"example.{app['name']}", "namespace": "argocd",
                         "finalizers": ["resources-finalizer.argocd.argoproj.io"]},
            "spec": {"destination": {"namespace": app.get("namespace", app["name"]),
                                     "server": config["destination"]["server"]},
                     "project": "default", "source": source,
                     "syncPolicy": {"syncOptions": ["CreateNamespace=true"],
                                    "automated": {"prune": True, "selfHeal": True}}},
        })
    assert len(documents) > 10
    assert check(yaml.safe_dump_all(documents)) == []


CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [size]
              properties:
                size: {x-kubernetes-int-or-string: true, description: a size}
                note: {type: string, nullable: true}
                count: {type: integer, minimum: 0, exclusiveMinimum: true}
                extra: {type: object, x-kubernetes-preserve-unknown-fields: true, properties: {known: {type: string}}}
"""

WIDGET = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n  size: {size}\n  note: null\n  count: 1\n  extra: {known: a, other: b}\n"


def widget(size: str = "10Gi") -> str:
    return WIDGET.replace("{size}", size)


def test_crd_files_given_with_crd_are_converted_on_the_fly(check, tmp_path: Path) -> None:
    crd = tmp_path / "widget-crd.yaml"
    crd.write_text(CRD)
    assert check(widget(), crds=[crd]) == []
    assert check(widget("3"), crds=[crd]) == []
    assert [f.message for f in check(widget("[1]"), crds=[crd])] == ["spec.size: expected integer or string, got array"]
    unknown = widget().replace("  count: 1\n", "  count: 1\n  colour: red\n")
    assert [f.message for f in check(unknown, crds=[crd])] == ['unknown field "spec.colour"']
    assert [f.message for f in check(widget().replace("count: 1", "count: 0"), crds=[crd])] == [
        "spec.count: 0 is less than or equal to the minimum of 0"]


def test_crd_directories_are_searched_recursively(check, tmp_path: Path) -> None:
    (tmp_path / "crds" / "nested").mkdir(parents=True)
    (tmp_path / "crds" / "nested" / "widget.yaml").write_text(CRD)
    (tmp_path / "crds" / "README.yaml").write_text("not: a crd\n")
    assert check(widget(), crds=[tmp_path / "crds"]) == []


_CRD_HEAD = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: w}\nspec:\n  group: ex.com\n"


@pytest.mark.parametrize(("content", "message"), [
    (None, "CRD file or directory not found"),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", "no CustomResourceDefinition in this file"),
    ("kind: [\n", "invalid YAML"),
    (_CRD_HEAD + "  names: [Widget]\n  versions: []\n", "without spec.group or spec.names.kind"),
    (_CRD_HEAD + "  names: {kind: {a: 1}}\n", "without spec.group or spec.names.kind"),
    (_CRD_HEAD + "  names: {kind: Widget}\n  versions: 5\n", "spec.versions of a CustomResourceDefinition must be a list"),
    (_CRD_HEAD + "  names: {kind: Widget}\n  versions: [{name: v1, schema: {openAPIV3Schema: {properties: [a]}}}]\n",
     "openAPIV3Schema.properties of version v1 must be a mapping"),
])
def test_bad_crd_files_are_usage_errors_naming_the_file(tmp_path: Path, content: str | None, message: str) -> None:
    from inferops.validate.schema import SchemaChecker, SchemaOptions

    path = tmp_path / "crd.yaml"
    if content is not None:
        path.write_text(content)
    with pytest.raises(InferopsError, match=message) as err:
        SchemaChecker(SchemaOptions(crds=[path]))
    assert str(path) in str(err.value)


def test_v1beta1_crds_with_a_shared_validation_schema_convert(check, shared: Path) -> None:
    fixtures = shared / "corpus" / "kubeconform-fixtures"
    text = (fixtures / "test_crd.yaml").read_text()
    assert [f.rule_id for f in check(text)] == ["schema-missing"]
    assert check(text, crds=[fixtures / "crd_schema.yaml"], strict=False) == []


def test_conversion_maps_openapi_extensions_to_json_schema() -> None:
    converted = convert_schema({
        "type": "object", "description": "dropped",
        "properties": {
            "size": {"x-kubernetes-int-or-string": True, "anyOf": [{"type": "integer"}, {"type": "string"}]},
            "note": {"type": "string", "nullable": True},
            "count": {"type": "integer", "minimum": 1, "exclusiveMinimum": True, "maximum": 9, "exclusiveMaximum": False},
            "template": {"type": "object", "x-kubernetes-embedded-resource": True, "properties": {"spec": {"type": "object"}}},
            "description": {"type": "string", "default": {"description": "kept: a value, not a schema"}},
            "rules": {"type": "string", "x-kubernetes-validations": [{"rule": "self != ''"}]},
        },
    })
    props = converted["properties"]
    assert "description" not in converted
    assert props["size"]["type"] == ["integer", "string"]
    assert props["note"]["type"] == ["string", "null"]
    assert props["count"] == {"type": "integer", "exclusiveMinimum": 1, "maximum": 9}
    assert set(props["template"]["properties"]) == {"spec", "apiVersion", "kind", "metadata"}
    assert props["description"]["default"] == {"description": "kept: a value, not a schema"}
    assert props["rules"] == {"type": "string"}


def test_strict_variant_respects_preserve_unknown_fields_and_junctors() -> None:
    schema = {"type": "object", "properties": {
        "open": {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": {"a": {}}},
        "closed": {"type": "object", "properties": {"a": {}}},
        "either": {"anyOf": [{"properties": {"a": {}}, "required": ["a"]}]},
        "items": {"type": "array", "items": {"type": "object", "properties": {"b": {}}}},
    }}
    strict = strict_variant(schema)
    assert strict["additionalProperties"] is False
    assert "additionalProperties" not in strict["properties"]["open"]
    assert strict["properties"]["closed"]["additionalProperties"] is False
    assert "additionalProperties" not in strict["properties"]["either"]["anyOf"][0]
    assert strict["properties"]["items"]["items"]["additionalProperties"] is False
    assert "additionalProperties" not in schema["properties"]["closed"]  # the original is left alone


SHIPPED_KINDS = [
    "argoproj.io/application_v1alpha1", "argoproj.io/applicationset_v1alpha1", "argoproj.io/appproject_v1alpha1",
    "gateway.networking.k8s.io/gateway_v1", "gateway.networking.k8s.io/gateway_v1beta1",
    "gateway.networking.k8s.io/gatewayclass_v1", "gateway.networking.k8s.io/gatewayclass_v1beta1",
    "gateway.networking.k8s.io/grpcroute_v1", "gateway.networking.k8s.io/httproute_v1",
    "gateway.networking.k8s.io/httproute_v1beta1", "gateway.networking.k8s.io/referencegrant_v1",
    "gateway.networking.k8s.io/referencegrant_v1beta1", "inference.networking.k8s.io/inferencepool_v1",
    "jobset.x-k8s.io/jobset_v1alpha2", "keda.sh/scaledobject_v1alpha1", "keda.sh/triggerauthentication_v1alpha1",
    "leaderworkerset.x-k8s.io/leaderworkerset_v1", "monitoring.coreos.com/podmonitor_v1",
    "monitoring.coreos.com/prometheusrule_v1", "monitoring.coreos.com/servicemonitor_v1",
    "ray.io/raycluster_v1", "ray.io/raycluster_v1alpha1", "ray.io/rayjob_v1", "ray.io/rayjob_v1alpha1",
    "ray.io/rayservice_v1", "ray.io/rayservice_v1alpha1", "serving.kserve.io/clusterservingruntime_v1alpha1",
    "serving.kserve.io/inferenceservice_v1beta1", "serving.kserve.io/llminferenceservice_v1alpha1",
    "serving.kserve.io/llminferenceservice_v1alpha2", "serving.kserve.io/localmodelcache_v1alpha1",
    "serving.kserve.io/servingruntime_v1alpha1",
]


def test_shipped_schemas_are_in_sync_with_the_conversion_script(shared: Path, tmp_path: Path) -> None:
    out = tmp_path / "crds"
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "convert_crds.py"), str(shared / "crds"),
                           "--output", str(out)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    shipped_dir = schemas_dir() / "crds"
    shipped = sorted(p.relative_to(shipped_dir).as_posix() for p in shipped_dir.rglob("*") if p.is_file())
    fresh = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert [p for p in shipped if p != "NOTICE.md"] == fresh
    assert sorted(p.removesuffix(".json.gz") for p in fresh if p.endswith(".json.gz")) == SHIPPED_KINDS
    for rel in fresh:
        assert (out / rel).read_bytes() == (shipped_dir / rel).read_bytes(), f"{rel} is stale: run scripts/convert_crds.py"


def test_shipped_schemas_are_compressed_and_small() -> None:
    """Compressed on disk (the wheel stays small) and decompressed only for a kind being checked."""
    files = list((schemas_dir() / "crds").rglob("*.json.gz"))
    assert len(files) == len(SHIPPED_KINDS)
    assert sum(p.stat().st_size for p in files) < 400_000
    assert not list((schemas_dir() / "crds").rglob("*.json"))


def test_shipped_schemas_carry_their_licence_note() -> None:
    crds = schemas_dir() / "crds"
    notice = (crds / "NOTICE.md").read_text()
    assert "Apache License, Version 2.0" in notice
    for upstream in ("argoproj/argo-cd", "kedacore/keda", "prometheus-operator/prometheus-operator", "kserve/kserve",
                     "kubernetes-sigs/lws", "ray-project/kuberay", "kubernetes-sigs/jobset",
                     "kubernetes-sigs/gateway-api", "kubernetes-sigs/gateway-api-inference-extension"):
        assert upstream in notice
    for group in ("serving.kserve.io", "leaderworkerset.x-k8s.io", "ray.io", "jobset.x-k8s.io",
                  "gateway.networking.k8s.io", "inference.networking.k8s.io"):
        assert "Apache License" in (crds / group / "LICENSE").read_text(), group
    assert read_builtin("keda.sh/scaledobject_v1alpha1.json")["properties"]["kind"] == {
        "enum": ["ScaledObject"], "type": "string"}


def test_builtin_lookup_stays_inside_the_shipped_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from inferops.validate.schema import crd

    (tmp_path / "crds" / "ex.com").mkdir(parents=True)
    (tmp_path / "outside_v1.json.gz").write_bytes(crd.compress({"type": "object"}))
    (tmp_path / "crds" / "ex.com" / "inside_v1.json.gz").write_bytes(crd.compress({"type": "object"}))
    monkeypatch.setattr(crd, "builtin_crds_dir", lambda: tmp_path / "crds")
    assert read_builtin("ex.com/inside_v1.json") == {"type": "object"}
    assert read_builtin("../outside_v1.json") is None
    assert read_builtin("ex.com/../../outside_v1.json") is None


AI_SAMPLES = ["kserve-samples", "lws-examples", "kuberay-samples"]


@pytest.mark.parametrize("corpus", AI_SAMPLES)
def test_ai_serving_samples_validate_against_the_shipped_schemas(check, shared: Path, corpus: str) -> None:
    """Every KServe, LeaderWorkerSet and KubeRay custom resource in the upstream samples has a built-in schema,
    offline. Two exceptions, read by hand: KAI Scheduler's Queue (scheduling.run.ai) is not shipped, and the
    KV-cache offloading sample uses ``spec.workload``, newer than the shipped CRD (which has
    ``spec.kvCacheOffloading``)."""
    root = shared / "corpus" / corpus
    findings = [(path.name, f.rule_id, f.message) for path in sorted(root.rglob("*.yaml")) for f in check(path.read_text())]
    expected = {
        "kserve-samples": [("llm-inference-service-kv-cache-offloading.yaml", "schema-invalid",
                            'unknown field "spec.workload"')],
        "lws-examples": [],
        "kuberay-samples": [("ray-cluster.kai-gpu-sharing.yaml", "schema-missing",
                             "no schema for scheduling.run.ai/v2 Queue (Kubernetes 1.33.0)")] * 2,
    }
    assert findings == expected[corpus]


def test_required_fields_with_a_default_are_not_required() -> None:
    """KubeRay's workerGroupSpecs require minReplicas/maxReplicas but default them; the API server defaults
    before it validates, so a sample without them is valid."""
    converted = convert_schema({"type": "object", "required": ["a", "b"], "properties": {
        "a": {"type": "integer", "default": 0}, "b": {"type": "string"}}})
    assert converted["required"] == ["b"]
    assert "required" not in convert_schema({"type": "object", "required": ["a"], "properties": {
        "a": {"type": "integer", "default": 1}}})


def test_the_kubeconform_engine_gets_the_shipped_schemas_uncompressed(tmp_path: Path) -> None:
    from inferops.validate.schema.kubeconform import _write_catalog

    catalog = _write_catalog(tmp_path, [], strict=True)
    written = sorted(p.relative_to(catalog).as_posix().removesuffix(".json") for p in catalog.rglob("*.json"))
    assert written == SHIPPED_KINDS
    lws = json.loads((catalog / "leaderworkerset.x-k8s.io" / "leaderworkerset_v1.json").read_text())
    assert lws["additionalProperties"] is False  # strict, as kubeconform's -strict expects
