"""Real manifests no one on this project wrote: GKE GPU samples and Argo CD's example apps.

The pinned findings were checked by hand against the files (see each assertion's comment).
"""

import shutil
from pathlib import Path

import pytest

from inferops.validate.findings import Finding, Severity
from inferops.validate.pipeline import Options, run
from inferops.validate.report import Report

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
GPU_SAMPLES = CORPUS / "gke-gpu-samples"
ARGOCD_APPS = CORPUS / "argocd-example-apps"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared/corpus is not beside the checkout")


def validate(root: Path, **options: object) -> Report:
    return run(Options(cwd=root, checks=["render", "schema"], **options))  # type: ignore[arg-type]


def at(report: Report, file: str) -> list[Finding]:
    return [f for f in report.findings if f.file == file]


@pytest.fixture(scope="module")
def gpu_report() -> Report:
    return validate(GPU_SAMPLES)


def test_every_gpu_sample_is_checked_without_a_crash(gpu_report: Report) -> None:
    assert gpu_report.files_checked == 76 and gpu_report.objects_checked > 100
    # two Helm values files are not manifests and are only noted
    assert any("2 YAML/JSON file(s) with no apiVersion or kind" in n and "values.yaml" in n for n in gpu_report.notes)


def test_a_kustomize_patch_kept_outside_any_kustomization_lacks_the_required_selector(gpu_report: Report) -> None:
    # vllm-7b-kvcache/patch.yaml is a strategic-merge patch (spec.template only) lying in a plain directory
    [finding] = at(gpu_report, "ai-ml/llm-serving-gemma/vllm/vllm-7b-kvcache/patch.yaml")
    assert (finding.rule_id, finding.line, finding.object) == ("schema-invalid", 19, "Deployment/vllm-gemma-deployment")
    assert 'missing required field "selector"' in finding.message


def test_an_unquoted_template_placeholder_is_one_finding_at_its_line(gpu_report: Report) -> None:
    # `hf_api_token: {{HF_TOKEN}}` on line 98 is YAML flow-mapping syntax used as a key: yaml-invalid names
    # the cause; the schema's "expected string, got object" on the same line would repeat it
    found = at(gpu_report, "ai-ml/llm-serving-llama/vllm/vllm-llama4-maverick-17b-128e.yaml")
    assert [(f.rule_id, f.line) for f in found] == [("yaml-invalid", 98)]
    assert "mapping key must be a plain value" in found[0].message


def test_custom_resources_without_a_known_schema_are_named(gpu_report: Report) -> None:
    # Kueue's ClusterQueue (kueue.x-k8s.io/v1beta1) at line 16, after the licence header; no schema is shipped
    [finding] = at(gpu_report, "batch/kueue-intro/cluster-queue.yaml")
    assert (finding.rule_id, finding.line) == ("schema-missing", 16)
    assert "kueue.x-k8s.io/v1beta1 ClusterQueue" in finding.message
    quiet = validate(GPU_SAMPLES / "batch" / "kueue-intro", ignore_missing_schemas=True)
    assert not [f for f in quiet.findings if f.rule_id == "schema-missing"]


def test_ray_custom_resources_are_checked_against_the_built_in_schemas(gpu_report: Report) -> None:
    # RayService ray.io/v1 (line 16) passes the shipped KubeRay schema; two RayClusters do not: an empty
    # `metadata:` under the head template (reported as kubeconform reports it; the API server would prune
    # the null), and a node selector value written as a number (a real error: selector values are strings)
    assert at(gpu_report, "ai-ml/gke-ray/rayserve/llama2-7b.yaml") == []
    [empty] = at(gpu_report, "ai-ml/gke-ray/rayserve/stable-diffusion/ray-cluster.yaml")
    assert (empty.line, empty.message) == (26, "spec.headGroupSpec.template.metadata: expected object, got null")
    [number] = at(gpu_report, "ai-ml/verl-on-gke/ray-cluster-auto.yaml")
    assert number.line == 104 and "gke-accelerator-count: expected string, got integer" in number.message


@pytest.mark.skipif(shutil.which("kustomize") is None and shutil.which("kubectl") is None, reason="needs kustomize")
def test_argocd_example_apps_render_and_the_helm_charts_are_skipped_with_a_note() -> None:
    report = validate(ARGOCD_APPS)
    skipped = sorted((f.file, f.severity) for f in report.findings if f.rule_id == "render-skipped")
    assert skipped == [("apps/Chart.yaml", Severity.INFO), ("helm-guestbook/Chart.yaml", Severity.INFO)]
    assert all(f.rule_id == "render-skipped" for f in report.findings) and report.exit_code == 0
    # guestbook (2 plain objects), sock-shop (29 rendered) and pre-post-sync (2 jobs + kustomize-guestbook's 2)
    assert report.objects_checked == 35


@pytest.mark.skipif(shutil.which("kustomize") is None and shutil.which("kubectl") is None, reason="needs kustomize")
def test_objects_rendered_through_a_base_point_at_the_base_file() -> None:
    # pre-post-sync takes kustomize-guestbook as a base and adds a name prefix; a schema finding on the
    # rendered Deployment must point at the base's own file and line
    report = validate(ARGOCD_APPS, paths=["pre-post-sync"], kubernetes_version="1.33.0", reject_kinds=["Deployment"])
    [rejected] = [f for f in report.findings if f.rule_id == "kind-rejected"]
    assert (rejected.file, rejected.line) == ("kustomize-guestbook/guestbook-ui-deployment.yaml", 1)
    assert rejected.object == "Deployment/pre-post-sync-kustomize-guestbook-ui"
