"""A finding an overlay introduces points at the overlay's line, one that the base causes at the base's line.

Real kustomize (through kubectl) renders; its transformer annotations say which kustomization changed an
object, and the rendered value against the base's says whether that change is what the finding is about.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from inferops.validate.pipeline import Options, run

pytestmark = pytest.mark.skipif(
    shutil.which("kustomize") is None and shutil.which("kubectl") is None, reason="needs kustomize or kubectl"
)

BASE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: llama
spec:
  replicas: 1
  selector: {matchLabels: {app: llama}}
  template:
    metadata: {labels: {app: llama}}
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.11.0
          resources:
            limits: {nvidia.com/gpu: 1}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: llama
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: llama}
  minReplicas: 1
  maxReplicas: 2
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}
"""

OVERLAY = """\
resources:
  - ../../base
namePrefix: prod-
replicas:
  - name: llama
    count: 3
images:
  - name: vllm/vllm-openai
    newTag: latest
patches:
  - path: gpu.yaml
  - target: {kind: Deployment, name: llama}
    patch: |-
      - op: replace
        path: /spec/template/spec/containers/0/resources/limits/nvidia.com~1gpu
        value: "1.5"
"""

GPU_PATCH = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: llama
spec:
  template:
    spec:
      containers:
        - name: vllm
          resources:
            requests: {nvidia.com/gpu: 1}
"""


def _findings(tmp_path: Path, overlay: str = OVERLAY) -> dict[str, tuple[str, int | None]]:
    for rel, text in {"base/kustomization.yaml": "resources: [app.yaml]\n", "base/app.yaml": BASE,
                      "overlays/prod/kustomization.yaml": overlay, "overlays/prod/gpu.yaml": GPU_PATCH}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    report = run(Options(cwd=tmp_path, checks=["render", "schema", "gpu", "guardrails"]))
    return {f.rule_id: (f.file, f.line) for f in report.findings}


def test_an_image_tag_set_by_the_overlay_points_at_its_images_entry(tmp_path: Path) -> None:
    assert _findings(tmp_path)["image-tag-latest"] == ("overlays/prod/kustomization.yaml", 9)


def test_replicas_set_by_the_overlay_point_at_its_replicas_entry(tmp_path: Path) -> None:
    assert _findings(tmp_path)["replicas-with-autoscaler"] == ("overlays/prod/kustomization.yaml", 6)


def test_a_field_set_by_a_patch_file_points_at_the_patch(tmp_path: Path) -> None:
    # the patch adds requests: 1 where the (inline-patched) limit is 1.5
    assert _findings(tmp_path)["gpu-request-limit-mismatch"] == ("overlays/prod/gpu.yaml", 11)


def test_a_field_set_by_an_inline_json_patch_points_at_the_patch_entry(tmp_path: Path) -> None:
    assert _findings(tmp_path)["gpu-whole-number"] == ("overlays/prod/kustomization.yaml", 12)


def test_what_the_base_declares_stays_at_the_base(tmp_path: Path) -> None:
    found = _findings(tmp_path)
    # the overlay patched the container, but the missing probes and security settings are the base's
    assert found["probes-missing"] == ("base/app.yaml", 12)
    assert found["pod-privilege-escalation"] == ("base/app.yaml", 12)
    assert found["gpu-rollout-surge"] == ("base/app.yaml", 5)


def test_without_the_overlay_change_the_finding_is_at_the_base(tmp_path: Path) -> None:
    overlay = OVERLAY.replace("images:\n  - name: vllm/vllm-openai\n    newTag: latest\n", "")
    base = BASE.replace("vllm-openai:v0.11.0", "vllm-openai:latest")
    (tmp_path / "base").mkdir()
    found = _findings(tmp_path, overlay)
    assert "image-tag-latest" not in found
    (tmp_path / "base" / "app.yaml").write_text(base)
    report = run(Options(cwd=tmp_path, checks=["guardrails"]))
    assert [(f.file, f.line) for f in report.findings if f.rule_id == "image-tag-latest"] == [("base/app.yaml", 13)]


def test_a_forged_transformations_annotation_reads_nothing_outside_the_repository(tmp_path: Path) -> None:
    # the annotation may come from a user's file (kustomize keeps it and appends its own entries)
    from inferops.validate.manifest import Manifest
    from inferops.validate.transformations import attach

    outside = tmp_path / "outside" / "kustomization.yaml"
    outside.parent.mkdir()
    outside.write_text("images:\n  - name: vllm/vllm-openai\n    newTag: latest\n")
    repo = tmp_path / "repo"
    rendered = Manifest({"kind": "Deployment", "metadata": {"name": "llama"}, "spec": {"image": "vllm/vllm-openai:latest"}},
                        "base/app.yaml")
    source = Manifest({"kind": "Deployment", "metadata": {"name": "llama"}, "spec": {"image": "vllm/vllm-openai:v1"}},
                      "base/app.yaml")
    loaded: list[Path] = []

    def load(path: Path) -> list[Manifest]:
        loaded.append(path)
        return []

    forged = [{"configuredIn": "../outside/kustomization.yaml", "configuredBy": {"kind": "ImageTagTransformer"}}]
    attach(rendered, source, forged, repo, load, str, lambda path: path.is_relative_to(repo))
    assert rendered.place(("spec", "image")) == ("base/app.yaml", None)
    assert loaded == []
