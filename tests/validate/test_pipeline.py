"""The pipeline: discovery, loading, real kustomize renders and checks combined into one report."""

import shutil
from pathlib import Path

import pytest

from inferops.errors import InferopsError
from inferops.validate.findings import Finding, Severity
from inferops.validate.pipeline import Options, run
from inferops.validate.render import KUSTOMIZE_ENV

needs_kustomize = pytest.mark.skipif(
    shutil.which("kustomize") is None and shutil.which("kubectl") is None, reason="needs kustomize or kubectl"
)

BAD_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: three
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        bogus: 1
"""
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  key: value\n"


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def validate(root: Path, *paths: str, **options: object) -> list[Finding]:
    return run(Options(paths=list(paths), cwd=root, checks=["render", "schema"], **options)).findings  # type: ignore[arg-type]


def places(findings: list[Finding]) -> list[tuple[str, str, int | None, str | None]]:
    return sorted((f.rule_id, f.file, f.line, f.object) for f in findings)


@pytest.fixture
def overlays(tmp_path: Path) -> Path:
    write(tmp_path, {
        "base/kustomization.yaml": "resources: [deploy.yaml]\n",
        "base/deploy.yaml": BAD_DEPLOYMENT,
        "overlays/dev/kustomization.yaml": "resources: [../../base]\n",
        "overlays/staging/kustomization.yaml": "resources: [../../base]\n",
        "overlays/prod/kustomization.yaml": "resources: [../../base]\nnamespace: prod\n",
    })
    return tmp_path


@needs_kustomize
def test_findings_in_rendered_objects_point_at_the_base_file_and_are_not_repeated_per_overlay(overlays: Path) -> None:
    found = places(validate(overlays))
    # dev and staging render the same object: one finding each; prod's namespaced object is another object
    assert found == [
        ("schema-invalid", "base/deploy.yaml", 6, "Deployment/prod/web"),
        ("schema-invalid", "base/deploy.yaml", 6, "Deployment/web"),
        ("schema-invalid", "base/deploy.yaml", 16, "Deployment/prod/web"),
        ("schema-invalid", "base/deploy.yaml", 16, "Deployment/web"),
    ]


@needs_kustomize
def test_no_strict_allows_unknown_fields_in_rendered_objects(overlays: Path) -> None:
    found = validate(overlays, "overlays/dev", strict=False)
    assert places(found) == [("schema-invalid", "base/deploy.yaml", 6, "Deployment/web")]


@needs_kustomize
def test_a_render_failure_names_the_overlay_and_the_rest_is_still_checked(tmp_path: Path) -> None:
    write(tmp_path, {
        "broken/kustomization.yaml": "resources: [gone.yaml]\n",
        "fine/kustomization.yaml": "resources: [cm.yaml]\n",
        "fine/cm.yaml": CONFIGMAP.format(name="cm"),
        "plain.yaml": BAD_DEPLOYMENT,
    })
    report = run(Options(cwd=tmp_path, checks=["render", "schema"]))
    failed = [f for f in report.findings if f.rule_id == "render-failed"]
    assert [(f.file, f.severity) for f in failed] == [("broken/kustomization.yaml", Severity.ERROR)]
    assert failed[0].message.startswith("kustomization broken does not build: ") and "gone.yaml" in failed[0].message
    assert {f.file for f in report.findings if f.rule_id == "schema-invalid"} == {"plain.yaml"}
    assert report.objects_checked == 2


@needs_kustomize
def test_leaving_out_the_render_family_hides_render_findings_but_still_renders(tmp_path: Path) -> None:
    write(tmp_path, {
        "broken/kustomization.yaml": "resources: [gone.yaml]\n",
        "app/kustomization.yaml": "resources: [deploy.yaml]\n",
        "app/deploy.yaml": BAD_DEPLOYMENT,
        "chart/Chart.yaml": "apiVersion: v2\nname: chart\nversion: 0.1.0\n",
    })
    report = run(Options(cwd=tmp_path, checks=["schema"]))
    assert {f.rule_id for f in report.findings} == {"schema-invalid"}
    assert {f.file for f in report.findings} == {"app/deploy.yaml"}


def test_helm_charts_are_skipped_with_an_info_finding_naming_the_chart(tmp_path: Path) -> None:
    write(tmp_path, {
        "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "charts/web/templates/deploy.yaml": "kind: Deployment\nreplicas: {{ .Values.replicas }}\n",
    })
    report = run(Options(cwd=tmp_path))
    [skipped] = report.findings
    assert (skipped.rule_id, skipped.severity, skipped.file) == ("render-skipped", Severity.INFO, "charts/web/Chart.yaml")
    assert "Helm chart charts/web" in skipped.message
    assert report.exit_code == 0


def test_no_kustomize_is_a_usage_error_unless_skip_render_is_given(
    overlays: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(overlays / "no-tools-here"))
    monkeypatch.delenv(KUSTOMIZE_ENV, raising=False)
    with pytest.raises(InferopsError, match=r"neither `kustomize` nor `kubectl` is on PATH.*--skip-render") as err:
        run(Options(cwd=overlays))
    assert err.value.exit_code == 2

    report = run(Options(cwd=overlays, checks=["render", "schema"], skip_render=True))
    skipped = sorted(f.file for f in report.findings if f.rule_id == "render-skipped")
    assert skipped == [f"overlays/{env}/kustomization.yaml" for env in ("dev", "prod", "staging")]
    # the sources are checked once, as plain files, at their own lines
    assert places([f for f in report.findings if f.rule_id == "schema-invalid"]) == [
        ("schema-invalid", "base/deploy.yaml", 6, "Deployment/web"),
        ("schema-invalid", "base/deploy.yaml", 16, "Deployment/web"),
    ]
    assert any("--skip-render" in note for note in report.notes)


def test_plain_files_need_no_kustomize(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"cm.yaml": CONFIGMAP.format(name="cm")})
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    report = run(Options(cwd=tmp_path))
    assert (report.findings, report.files_checked, report.objects_checked) == ([], 1, 1)


def test_an_unreadable_file_is_a_finding_and_the_others_are_still_checked(tmp_path: Path) -> None:
    write(tmp_path, {"bad.yaml": "", "good.yaml": BAD_DEPLOYMENT})
    (tmp_path / "bad.yaml").write_bytes(b"apiVersion: v1\nkind: ConfigMap\n\xff\xfe\n")
    found = places(validate(tmp_path))
    assert ("file-unreadable", "bad.yaml", None, None) in found
    assert ("schema-invalid", "good.yaml", 6, "Deployment/web") in found


def test_standard_input_is_checked_when_a_path_is_dash(tmp_path: Path) -> None:
    found = validate(tmp_path, "-", stdin_text=BAD_DEPLOYMENT)
    assert {(f.file, f.line) for f in found} == {("<stdin>", 6), ("<stdin>", 16)}


def test_non_manifest_yaml_in_a_walk_is_noted_not_checked(tmp_path: Path) -> None:
    write(tmp_path, {"values.yaml": "replicas: 2\n", "cm.yaml": CONFIGMAP.format(name="cm")})
    report = run(Options(cwd=tmp_path))
    assert report.findings == [] and report.files_checked == 1
    assert any("values.yaml" in note for note in report.notes)


def test_the_policy_sets_the_kubernetes_version_and_core_severities(tmp_path: Path) -> None:
    write(tmp_path, {
        ".inferops.yaml": "version: 1\nkubernetes_version: 1.25.0\nrules:\n  schema-missing: {severity: warning}\n",
        "hpa.yaml": (
            "apiVersion: autoscaling/v2beta2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: h\n"
            "spec:\n  scaleTargetRef: {kind: Deployment, name: web}\n  maxReplicas: 2\n"
        ),
    })
    assert validate(tmp_path) == []  # autoscaling/v2beta2 was served until 1.26
    # the flag wins over the policy, and the policy's severity applies to the core's finding
    [finding] = validate(tmp_path, kubernetes_version="1.33.0")
    assert (finding.rule_id, finding.severity, finding.file) == ("schema-missing", Severity.WARNING, "hpa.yaml")


def test_a_bad_policy_file_is_a_configuration_error_with_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"policy.yaml": "version: 1\nrequired_labels: 3\n"})
    with pytest.raises(InferopsError, match=r"^policy\.yaml:2: ") as err:
        run(Options(cwd=tmp_path, policy="policy.yaml"))
    assert err.value.exit_code == 2
    with pytest.raises(InferopsError, match="missing.yaml: policy file not found"):
        run(Options(cwd=tmp_path, policy="missing.yaml"))


def test_a_fifo_named_on_the_command_line_is_reported_not_waited_for(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "pipe.yaml")
    assert places(validate(tmp_path, "pipe.yaml")) == [("file-unreadable", "pipe.yaml", None, None)]


def test_skip_render_reads_no_resource_outside_its_kustomization(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # kustomize's load restriction: resource files must be in or below the kustomization
    write(tmp_path, {"outside.yaml": "not: [a manifest\n", "repo/app/kustomization.yaml": "resources:\n- ../../outside.yaml\n"})
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv(KUSTOMIZE_ENV, raising=False)
    report = run(Options(paths=["app"], cwd=tmp_path / "repo", checks=["render", "schema"], skip_render=True))
    assert [f.rule_id for f in report.findings] == ["render-skipped"]
