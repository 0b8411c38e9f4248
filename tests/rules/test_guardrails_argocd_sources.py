"""argocd-kind-not-permitted, argocd-revision-mismatch and argocd-path-missing on a small repository laid out
like a generated one (an app of apps per environment, Kustomize overlays, plain directories), validated
through the real pipeline: kustomize renders what each Application points at, and each rule fires on a
realistic mistake and is silent on its fixed twin."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from inferops.cli import main
from inferops.rules import argocd
from inferops.rules.base import Context, run_rules
from inferops.validate.manifest import Manifest

REPO = "https://github.com/example-org/llm-gitops.git"
FILES = {
    ".inferops.yaml": "version: 1\nenvironments:\n  prod: {require_pinned_revision: true}\n",
    "argocd/prod/project-gitops.yaml": f"""
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {{name: llm-prod-gitops, namespace: argocd}}
spec:
  sourceRepos: ["{REPO}"]
  destinations: [{{server: "https://kubernetes.default.svc", namespace: argocd}}]
  clusterResourceWhitelist: []
  namespaceResourceWhitelist: [{{group: argoproj.io, kind: Application}}, {{group: argoproj.io, kind: AppProject}}]
""",
    "argocd/prod/project.yaml": f"""
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {{name: llm-prod, namespace: argocd}}
spec:
  sourceRepos: ["{REPO}"]
  destinations: [{{server: "https://kubernetes.default.svc", namespace: llm-prod}}]
  clusterResourceWhitelist: []
  namespaceResourceWhitelist:
    - {{group: apps, kind: Deployment}}
    - {{group: "", kind: Service}}
""",
    "argocd/prod/root.yaml": f"""
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: llm-prod-root, namespace: argocd, labels: {{inferops.io/environment: prod}}}}
spec:
  project: llm-prod-gitops
  source: {{repoURL: "{REPO}", targetRevision: v0.2.0, path: argocd/prod/apps}}
  destination: {{server: "https://kubernetes.default.svc", namespace: argocd}}
""",
    "argocd/prod/apps/llama.yaml": f"""
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: llama-prod, namespace: argocd, labels: {{inferops.io/environment: prod}}}}
spec:
  project: llm-prod
  source: {{repoURL: "{REPO}", targetRevision: v0.2.0, path: apps/llama/overlays/prod}}
  destination: {{server: "https://kubernetes.default.svc", namespace: llm-prod}}
""",
    "apps/llama/base/kustomization.yaml": "resources: [deployment.yaml, service.yaml]\n",
    "apps/llama/base/deployment.yaml": """
apiVersion: apps/v1
kind: Deployment
metadata: {name: llama}
spec:
  selector: {matchLabels: {app.kubernetes.io/name: llama}}
  template:
    metadata: {labels: {app.kubernetes.io/name: llama}}
    spec:
      containers: [{name: server, image: docker.io/vllm/vllm-openai:v0.11.0}]
""",
    "apps/llama/base/service.yaml": """
apiVersion: v1
kind: Service
metadata: {name: llama}
spec:
  selector: {app.kubernetes.io/name: llama}
  ports: [{name: http, port: 8000}]
""",
    "apps/llama/overlays/prod/kustomization.yaml": "namespace: llm-prod\nresources: [../../base]\n",
}
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: llama-chat-template}\ndata: {template: hi}\n"


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def findings(repo: Path, capsys: pytest.CaptureFixture[str], *paths: str) -> list[tuple[str, str]]:
    """(rule id, file) of every Argo CD finding of `inferops validate` run inside ``repo`` (the workloads
    here are minimal, so the other guardrails have plenty to say about them)."""
    cwd = os.getcwd()
    os.chdir(repo)
    try:
        main(["validate", "--checks", "guardrails", "--format", "json", *paths])
    finally:
        os.chdir(cwd)
    out, _ = capsys.readouterr()
    return [(f["rule_id"], f["file"]) for f in json.loads(out)["findings"] if f["rule_id"].startswith("argocd-")]


def test_the_repository_as_written_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert findings(write(tmp_path, FILES), capsys) == []


def test_a_kind_added_to_a_base_that_the_project_does_not_allow(tmp_path: Path, capsys) -> None:
    files = {**FILES, "apps/llama/base/configmap.yaml": CONFIGMAP,
             "apps/llama/base/kustomization.yaml": "resources: [deployment.yaml, service.yaml, configmap.yaml]\n"}
    assert findings(write(tmp_path, files), capsys) == [("argocd-kind-not-permitted", "apps/llama/base/configmap.yaml")]


def test_fixed_by_allowing_the_kind_in_the_project(tmp_path: Path, capsys) -> None:
    files = {**FILES, "apps/llama/base/configmap.yaml": CONFIGMAP,
             "apps/llama/base/kustomization.yaml": "resources: [deployment.yaml, service.yaml, configmap.yaml]\n",
             "argocd/prod/project.yaml": FILES["argocd/prod/project.yaml"].replace(
                 '    - {group: "", kind: Service}', '    - {group: "", kind: Service}\n    - {group: "", kind: ConfigMap}')}
    assert findings(write(tmp_path, files), capsys) == []


def test_an_object_in_a_namespace_the_project_does_not_list(tmp_path: Path, capsys) -> None:
    files = {**FILES, "apps/llama/overlays/prod/kustomization.yaml": "resources: [../../base]\n",
             "apps/llama/base/service.yaml": FILES["apps/llama/base/service.yaml"].replace(
                 "metadata: {name: llama}", "metadata: {name: llama, namespace: kube-system}")}
    assert findings(write(tmp_path, files), capsys) == [("argocd-kind-not-permitted", "apps/llama/base/service.yaml")]


@pytest.mark.parametrize("recurse", [False, True])
def test_a_plain_directory_deploys_subdirectories_only_with_recurse(tmp_path: Path, capsys, recurse: bool) -> None:
    app = FILES["argocd/prod/apps/llama.yaml"].replace(
        "path: apps/llama/overlays/prod}", f"path: manifests/llama, directory: {{recurse: {str(recurse).lower()}}}}}")
    files = {**FILES, "argocd/prod/apps/llama.yaml": app,
             "manifests/llama/service.yaml": FILES["apps/llama/base/service.yaml"],
             "manifests/llama/rbac/clusterrole.yaml": "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
                                                      "metadata: {name: llama-reader}\nrules: []\n"}
    expected = [("argocd-kind-not-permitted", "manifests/llama/rbac/clusterrole.yaml")] if recurse else []
    assert findings(write(tmp_path, files), capsys) == expected


def test_a_child_left_on_the_previous_release(tmp_path: Path, capsys) -> None:
    files = {**FILES, "argocd/prod/apps/llama.yaml": FILES["argocd/prod/apps/llama.yaml"].replace("v0.2.0", "v0.1.0")}
    assert findings(write(tmp_path, files), capsys) == [("argocd-revision-mismatch", "argocd/prod/apps/llama.yaml")]


def test_children_may_differ_where_the_environment_does_not_pin(tmp_path: Path, capsys) -> None:
    files = {**FILES, "argocd/prod/apps/llama.yaml": FILES["argocd/prod/apps/llama.yaml"].replace("v0.2.0", "v0.1.0"),
             ".inferops.yaml": "version: 1\nenvironments:\n  prod: {require_pinned_revision: false}\n"}
    assert findings(write(tmp_path, files), capsys) == []


@pytest.mark.parametrize("path", ["apps/llama/overlay/prod", "../elsewhere/apps"])
def test_a_source_path_that_is_not_in_the_repository(tmp_path: Path, capsys, path: str) -> None:
    files = {**FILES, "argocd/prod/apps/llama.yaml": FILES["argocd/prod/apps/llama.yaml"].replace(
        "apps/llama/overlays/prod", path)}
    assert findings(write(tmp_path, files), capsys) == [("argocd-path-missing", "argocd/prod/apps/llama.yaml")]


@pytest.mark.parametrize("path", ["apps/" + "x" * 5000, "escape/prod"])
def test_hostile_paths_are_missing_never_a_crash_or_a_read_outside(tmp_path: Path, capsys, path: str) -> None:
    outside = tmp_path / "outside" / "prod"
    outside.mkdir(parents=True)
    repo = tmp_path / "repo"
    files = {**FILES, "argocd/prod/apps/llama.yaml": FILES["argocd/prod/apps/llama.yaml"].replace(
        "path: apps/llama/overlays/prod}", f'path: "{path}"}}')}
    write(repo, files)
    (repo / "escape").symlink_to(tmp_path / "outside")  # a directory that leads out of the repository
    assert findings(repo, capsys) == [("argocd-path-missing", "argocd/prod/apps/llama.yaml")]


def test_a_path_with_a_nul_byte_is_missing(tmp_path: Path) -> None:
    """Checked on the rules alone: discovery, which runs first in `inferops validate`, has its own handling."""
    repo = write(tmp_path, FILES)
    docs = [yaml.safe_load(FILES[p]) for p in ("argocd/prod/root.yaml", "argocd/prod/apps/llama.yaml")]
    docs[1]["spec"]["source"]["path"] = "apps/llama\x00/prod"
    objects = [Manifest(data=d, file=p, line=1) for d, p in zip(docs, ("argocd/prod/root.yaml",
                                                                     "argocd/prod/apps/llama.yaml"))]
    found = [f.rule_id for f in run_rules(objects, Context(root=repo, cwd=repo), ["guardrails"])]
    assert found == ["argocd-path-missing"]


def test_a_path_in_another_repository_is_not_looked_up_here(tmp_path: Path, capsys) -> None:
    other = FILES["argocd/prod/apps/llama.yaml"].replace("llama-prod", "vendor-prod").replace(
        REPO, "https://github.com/vendor/charts.git").replace("apps/llama/overlays/prod", "deploy/prod")
    files = {**FILES, "argocd/prod/apps/vendor.yaml": other,
             "argocd/prod/project.yaml": FILES["argocd/prod/project.yaml"].replace(
                 f'sourceRepos: ["{REPO}"]', f'sourceRepos: ["{REPO}", "https://github.com/vendor/charts.git"]')}
    assert findings(write(tmp_path, files), capsys) == []


def test_paths_are_resolved_from_the_repository_root_wherever_validate_runs(tmp_path: Path, capsys) -> None:
    repo = write(tmp_path / "repo", FILES)
    assert findings(tmp_path, capsys, "repo/argocd") == []
    (repo / "apps/llama/overlays/prod/kustomization.yaml").unlink()
    (repo / "apps/llama/overlays/prod").rmdir()
    assert findings(tmp_path, capsys, "repo/argocd") == [("argocd-path-missing", "repo/argocd/prod/apps/llama.yaml")]


@pytest.mark.parametrize(("project", "kind", "namespaced", "permitted"), [
    ({}, "ConfigMap", True, True),  # no namespaceResourceWhitelist: every namespaced kind
    ({"namespaceResourceWhitelist": []}, "ConfigMap", True, False),  # an empty one: none
    ({"namespaceResourceWhitelist": [{"group": "*", "kind": "*"}],
      "namespaceResourceBlacklist": [{"group": "", "kind": "ResourceQuota"}]}, "ResourceQuota", True, False),
    ({}, "Namespace", False, False),  # cluster-scoped kinds need a whitelist entry
    ({"clusterResourceWhitelist": [{"group": "", "kind": "Namespace"}]}, "Namespace", False, True),
    ({"clusterResourceWhitelist": [{"group": "", "kind": "Namespace", "name": "llm-*"}]}, "Namespace", False, True),
    ({"clusterResourceWhitelist": [{"group": "", "kind": "Namespace", "name": "team-*"}]}, "Namespace", False, False),
])
def test_kind_permission_follows_argo_cd(project: dict[str, object], kind: str, namespaced: bool, permitted: bool) -> None:
    assert argocd.kind_permitted(project, "", kind, "llm-prod", namespaced) is permitted
