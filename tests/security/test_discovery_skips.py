"""Issue 8, item 3, and issue 11, "nothing dropped silently": a planted file cannot switch validation
off; what is skipped is the owner's choice (``exclude`` in the policy, ``--exclude``), and every skipped
file or directory is named in the notes of every report format."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from render_support import PRIVILEGED_POD, found, needs_kustomize, validate, write

from inferops.cli import main

CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"
ARGO_APP = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: sneaky
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://github.com/example/repo.git
    targetRevision: v1.0.0
    path: {path}
  destination:
    server: https://kubernetes.default.svc
    namespace: default
"""


def test_an_empty_chart_yaml_at_the_root_does_not_hide_the_manifests_beside_it(tmp_path: Path) -> None:
    write(tmp_path, {"Chart.yaml": "", "pod.yaml": PRIVILEGED_POD})
    report = validate(tmp_path)
    assert ("pod.yaml", 11) in found(report, "pod-privileged") and report.exit_code == 1


def test_a_pyvenv_cfg_does_not_hide_a_directory(tmp_path: Path) -> None:
    write(tmp_path, {"deploy/pyvenv.cfg": "home = /usr/bin\n", "deploy/pod.yaml": PRIVILEGED_POD})
    report = validate(tmp_path)
    assert ("deploy/pod.yaml", 11) in found(report, "pod-privileged") and report.exit_code == 1


@needs_kustomize
def test_helm_charts_in_a_kustomization_do_not_hide_its_resources(tmp_path: Path) -> None:
    write(tmp_path, {
        "app/kustomization.yaml": "resources:\n- pod.yaml\nhelmCharts:\n- name: redis\n  repo: https://charts.example.com\n",
        "app/pod.yaml": PRIVILEGED_POD,
    })
    report = validate(tmp_path)
    assert ("app/pod.yaml", 11) in found(report, "pod-privileged") and report.exit_code == 1
    assert found(report, "render-skipped") == [("app/kustomization.yaml", None)]


@needs_kustomize
@pytest.mark.parametrize("hidden", [".deploy", "node_modules"])
def test_an_argo_cd_application_deploying_an_excluded_directory_gets_it_checked(tmp_path: Path, hidden: str) -> None:
    write(tmp_path, {"argocd/app.yaml": ARGO_APP.format(path=hidden), f"{hidden}/pod.yaml": PRIVILEGED_POD})
    report = validate(tmp_path)
    assert (f"{hidden}/pod.yaml", 11) in found(report, "pod-privileged") and report.exit_code == 1
    assert any("Argo CD Application" in note and f"{hidden}/" in note for note in report.notes)


@needs_kustomize
def test_an_argo_cd_application_deploying_an_excluded_kustomization_gets_it_rendered(tmp_path: Path) -> None:
    write(tmp_path, {
        "argocd/app.yaml": ARGO_APP.format(path=".deploy/prod"),
        ".deploy/prod/kustomization.yaml": "resources:\n- pod.yaml\n",
        ".deploy/prod/pod.yaml": PRIVILEGED_POD,
    })
    report = validate(tmp_path)
    assert (".deploy/prod/pod.yaml", 11) in found(report, "pod-privileged")


def test_the_policy_decides_what_is_excluded(tmp_path: Path) -> None:
    write(tmp_path, {
        ".inferops.yaml": "version: 1\nexclude: [legacy/*, '*.draft.yaml']\n",
        "legacy/pod.yaml": PRIVILEGED_POD,
        "apps/x.draft.yaml": PRIVILEGED_POD,
        ".hidden/pod.yaml": PRIVILEGED_POD,  # the owner's list replaces the default, so this is checked
    })
    report = validate(tmp_path)
    assert found(report, "pod-privileged") == [(".hidden/pod.yaml", 11)]
    [note] = [n for n in report.notes if "matching `exclude`" in n]
    assert "legacy/pod.yaml" in note and "apps/x.draft.yaml" in note


def test_the_exclude_flag_adds_to_the_policy(tmp_path: Path) -> None:
    write(tmp_path, {"a/pod.yaml": PRIVILEGED_POD, "b/pod.yaml": PRIVILEGED_POD})
    report = validate(tmp_path, exclude=["a"])
    assert found(report, "pod-privileged") == [("b/pod.yaml", 11)]
    assert any("a/" in n and "matching `exclude`" in n for n in report.notes)


def test_helm_templates_are_skipped_with_a_note_and_the_rest_of_the_chart_is_checked(tmp_path: Path) -> None:
    write(tmp_path, {
        "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "chart/templates/deploy.yaml": "kind: Deployment\nreplicas: {{ .Values.replicas }}\n",
        "chart/templates/verbatim.yaml": PRIVILEGED_POD,  # no template action: Helm deploys it as it is
        "chart/extra/pod.yaml": PRIVILEGED_POD,
    })
    report = validate(tmp_path)
    assert found(report, "pod-privileged") == [("chart/extra/pod.yaml", 11), ("chart/templates/verbatim.yaml", 11)]
    assert found(report, "yaml-invalid") == []
    assert any("Helm template" in n and "chart/templates/deploy.yaml" in n for n in report.notes)


def _skipping_repo(root: Path) -> None:
    write(root, {
        "node_modules/pkg/pod.yaml": PRIVILEGED_POD,
        "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "chart/templates/t.yaml": "a: {{ .Values.a }}\n",
        "values.yaml": "replicas: 2\n",
        "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
    })


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "sarif", "github"])
def test_every_skipped_path_is_named_in_every_format(tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    _skipping_repo(tmp_path)
    monkeypatch.chdir(tmp_path)
    main(["validate", "--format", fmt, "--checks", "schema"])
    out = capsys.readouterr().out
    if fmt == "json":
        out = "\n".join(json.loads(out)["notes"])
    for skipped in ("node_modules/", "chart/templates/t.yaml", "values.yaml"):
        assert skipped in out, (fmt, skipped)


def test_git_internals_are_never_walked(tmp_path: Path) -> None:
    write(tmp_path, {".git/config.yaml": PRIVILEGED_POD, ".inferops.yaml": "version: 1\nexclude: []\n"})
    report = validate(tmp_path)
    assert report.findings == [] and os.path.isdir(tmp_path / ".git")
    assert not any(".git" in note.replace(".inferops.yaml", "") for note in report.notes)


def test_a_symlink_out_of_the_repository_is_not_read_and_is_listed(tmp_path: Path) -> None:
    write(tmp_path, {"outside/secret.yaml": PRIVILEGED_POD, "repo/cm.yaml": CONFIGMAP})
    subprocess.run(["git", "init", "-q", str(tmp_path / "repo")], check=True)
    (tmp_path / "repo/leak.yaml").symlink_to(tmp_path / "outside/secret.yaml")
    (tmp_path / "repo/inside.yaml").symlink_to(tmp_path / "repo/cm.yaml")
    report = validate(tmp_path / "repo")
    assert found(report, "pod-privileged") == [] and report.objects_checked == 2  # cm.yaml and inside.yaml
    assert any("outside the repository" in note and "leak.yaml" in note for note in report.notes)


@needs_kustomize
def test_a_base_outside_the_repository_is_not_rendered(tmp_path: Path) -> None:
    write(tmp_path, {
        "elsewhere/kustomization.yaml": "resources: [pod.yaml]\n",
        "elsewhere/pod.yaml": PRIVILEGED_POD.replace("evil", "not-ours"),
        "repo/app/kustomization.yaml": "resources:\n- ../../elsewhere\n- cm.yaml\n",
        "repo/app/cm.yaml": CONFIGMAP,
    })
    subprocess.run(["git", "init", "-q", str(tmp_path / "repo")], check=True)
    report = validate(tmp_path / "repo")
    [failed] = [f for f in report.findings if f.rule_id == "render-failed"]
    assert failed.file == "app/kustomization.yaml" and "outside the repository" in failed.message
    assert "not-ours" not in "\n".join(f.message for f in report.findings) and report.objects_checked == 1


def test_a_policy_file_below_the_repository_root_is_named_in_the_notes(tmp_path: Path) -> None:
    write(tmp_path, {"apps/.inferops.yaml": "version: 1\nexclude: ['*.yaml']\n", "apps/pod.yaml": PRIVILEGED_POD})
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    report = validate(tmp_path, "apps")
    assert any("policy file apps/.inferops.yaml is used" in note for note in report.notes)
    assert any("apps/pod.yaml" in note for note in report.notes)  # and what it excluded is listed
