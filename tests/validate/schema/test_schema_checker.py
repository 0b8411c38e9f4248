"""Built-in schema checks: Kubernetes kinds per version, strictness, skip/reject, missing schemas."""

from string import Template

import pytest

from inferops.errors import InferopsError
from inferops.validate.schema import SchemaChecker, SchemaOptions

DEPLOYMENT = Template("""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: vllm
  labels: {app: vllm}
spec:
  replicas: $replicas
  selector:
    matchLabels: {app: vllm}
  strategy:
    rollingUpdate: {maxSurge: $surge}
  template:
    metadata:
      labels: {app: vllm}
    spec:
      containers:
        - name: server
          image: vllm/vllm-openai:v0.8.5
          $extra
""")


def deployment(replicas: str = "2", surge: str = "25%", extra: str = "ports: [{containerPort: 8000}]") -> str:
    return DEPLOYMENT.substitute(replicas=replicas, surge=surge, extra=extra)


def summary(findings) -> list[tuple[str, int | None, str]]:
    return [(f.rule_id, f.line, f.message) for f in findings]


def test_a_valid_deployment_has_no_findings(check) -> None:
    assert check(deployment()) == []


def test_a_wrong_type_names_the_field_and_its_line(check) -> None:
    findings = check(deployment(replicas='"two"'))
    assert summary(findings) == [("schema-invalid", 7, "spec.replicas: expected integer, got string")]
    assert findings[0].object == "Deployment/vllm"
    assert findings[0].hint


def test_int_or_string_fields_say_so(check) -> None:
    assert summary(check(deployment(surge="1.5"))) == [
        ("schema-invalid", 11, "spec.strategy.rollingUpdate.maxSurge: expected string or integer, got number")]


def test_unknown_fields_are_errors_in_strict_mode_only(check) -> None:
    text = deployment(extra="resource: {limits: {nvidia.com/gpu: 1}}")
    assert summary(check(text)) == [
        ("schema-invalid", 19, 'unknown field "spec.template.spec.containers[0].resource"')]
    assert check(text, strict=False) == []


def test_missing_required_fields_are_reported_on_the_parent(check) -> None:
    text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  template: {}\n"
    assert summary(check(text)) == [("schema-invalid", 4, 'spec: missing required field "selector"')]


@pytest.mark.parametrize("version", ["1.33", "1.33.0", "v1.33.0", "1.33.7"])
def test_kubernetes_version_accepts_minor_and_patch_forms(version: str) -> None:
    assert SchemaChecker(SchemaOptions(kubernetes_version=version)).kubernetes.version == "1.33.0"


def test_an_unknown_kubernetes_version_lists_the_available_ones() -> None:
    with pytest.raises(InferopsError, match=r"no schemas for Kubernetes version '2\.0'.*1\.33") as err:
        SchemaChecker(SchemaOptions(kubernetes_version="2.0"))
    assert err.value.exit_code == 2


def test_schemas_follow_the_chosen_kubernetes_version(check) -> None:
    hpa = ("apiVersion: autoscaling/v2beta2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\n"
           "spec:\n  scaleTargetRef: {kind: Deployment, name: d}\n  maxReplicas: 2\n")
    assert check(hpa, kubernetes_version="1.25") == []
    assert summary(check(hpa, kubernetes_version="1.33")) == [
        ("schema-missing", 1, "no schema for autoscaling/v2beta2 HorizontalPodAutoscaler (Kubernetes 1.33.0)")]


def test_full_domain_groups_find_their_schema(check) -> None:
    binding = ("apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b, namespace: n}\n"
               "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\n")
    assert check(binding) == []
    ingress = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec: {ingressClassName: 5}\n"
    assert summary(check(ingress)) == [("schema-invalid", 4, "spec.ingressClassName: expected string, got integer")]


WIDGET = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"


def test_objects_without_a_schema_are_errors_unless_ignored(check) -> None:
    assert summary(check(WIDGET)) == [("schema-missing", 1, "no schema for example.com/v1 Widget (Kubernetes 1.33.0)")]
    assert check(WIDGET, ignore_missing=True) == []


@pytest.mark.parametrize("text", ["kind: Widget\nmetadata: {name: w}\n", "apiVersion: v1\nmetadata: {name: w}\n",
                                  "apiVersion: v1\nkind:\n", "apiVersion: v1\nkind: [a]\n"])
def test_objects_without_apiversion_or_kind_are_object_invalid_even_when_missing_schemas_are_ignored(check, text) -> None:
    assert [f.rule_id for f in check(text, ignore_missing=True)] == ["object-invalid"]


@pytest.mark.parametrize("skip", [["Widget"], ["example.com/v1/Widget"]])
def test_skipped_kinds_are_not_checked(check, skip: list[str]) -> None:
    assert check(WIDGET, skip=skip) == []


def test_skip_by_group_version_kind_does_not_skip_other_versions(check) -> None:
    other = WIDGET.replace("v1", "v2")
    assert [f.rule_id for f in check(other, skip=["example.com/v1/Widget"])] == ["schema-missing"]


@pytest.mark.parametrize("reject", [["Deployment"], ["apps/v1/Deployment"]])
def test_rejected_kinds_are_errors_whatever_their_content(check, reject: list[str]) -> None:
    assert summary(check(deployment(), reject=reject)) == [
        ("kind-rejected", 1, "kind Deployment is rejected (--reject)")]


def test_check_all_covers_multi_document_input_and_reuses_compiled_schemas(check) -> None:
    text = deployment() + "---\n" + deployment(replicas='"x"').replace("name: vllm\n", "name: other\n", 1)
    findings = check(text)
    assert [(f.object, f.line) for f in findings] == [("Deployment/other", 27)]
