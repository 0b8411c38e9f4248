"""Each fixer on a realistic manifest, plain and inside a Kustomize base with an overlay: the exact diff,
the rest of every file byte-identical, a second run changing nothing, and `validate` satisfied after."""

from __future__ import annotations

import json
from difflib import unified_diff
from pathlib import Path

import pytest
from fix_cases import (
    APPLICATION,
    ARGS,
    BASE_DEFECTS,
    DEPLOYMENT,
    HPA,
    OVERLAY,
    PLAIN,
    PROJECTS,
    SCALED_OBJECT,
    SHM,
    TWO_GPUS,
    Case,
    broken,
)
from fix_helpers import UNRELATED_PATCH, kustomize, overlay_repo, run_cli, write


def _diff(before: str, after: str, name: str) -> str:
    return "".join(unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                f"a/{name}", f"b/{name}"))


def _rule_ids(capsys: pytest.CaptureFixture[str], *paths: str) -> list[str]:
    _, out = run_cli(capsys, "validate", "-f", "json", *paths)
    return [f["rule_id"] for f in json.loads(out)["findings"]]


def _snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8")
            for p in sorted(root.rglob("*")) if p.is_file() and ".git" not in p.parts}


def _fix_and_check(capsys: pytest.CaptureFixture[str], root: Path, case: Case, changed: str) -> None:
    before = _snapshot(root)
    code, out = run_cli(capsys, "fix", "--dry-run", "--rule", case.rule, ".")
    assert (code, out.split("would fix")[0]) == (1, case.diff)
    assert _snapshot(root) == before  # --dry-run writes nothing

    code, out = run_cli(capsys, "fix", "--rule", case.rule, ".")
    assert code == 0 and out.startswith(f"fixed {changed}: 1 finding ({case.rule})"), out
    after = _snapshot(root)
    assert _diff(before[changed], after[changed], changed) == case.diff  # every other line byte-identical
    assert {k: v for k, v in after.items() if k != changed} == {k: v for k, v in before.items() if k != changed}

    assert run_cli(capsys, "fix", "--rule", case.rule, ".") == (0, "nothing to fix\n")  # idempotent
    assert case.rule not in _rule_ids(capsys, ".")


@pytest.mark.parametrize("case", PLAIN, ids=lambda c: c.rule)
def test_plain_manifest(repo: Path, capsys: pytest.CaptureFixture[str], case: Case) -> None:
    write(repo, {"deployment.yaml": case.before})
    assert case.rule in _rule_ids(capsys, ".")
    _fix_and_check(capsys, repo, case, "deployment.yaml")


@pytest.mark.parametrize("case", OVERLAY, ids=lambda c: c.rule)
def test_overlay_patch_is_fixed_in_the_patch(repo: Path, capsys: pytest.CaptureFixture[str], case: Case) -> None:
    overlay_repo(repo, DEPLOYMENT, case.before)
    assert case.rule in _rule_ids(capsys, "overlays/prod")
    _fix_and_check(capsys, repo, case, "overlays/prod/patch.yaml")
    kustomize(repo / "overlays/prod")


@pytest.mark.parametrize("case", BASE_DEFECTS, ids=lambda c: c.rule)
def test_base_problem_is_fixed_in_the_base(repo: Path, capsys: pytest.CaptureFixture[str], case: Case) -> None:
    overlay_repo(repo, case.before, UNRELATED_PATCH, {"hpa.yaml": HPA.removeprefix("---\n")})
    assert case.rule in _rule_ids(capsys, "overlays/prod")
    _fix_and_check(capsys, repo, case, "base/deployment.yaml")
    kustomize(repo / "overlays/prod")


def test_deprecated_metric_in_a_base_scaled_object(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The overlay only raises maxReplicaCount (a patch of ``triggers`` would replace the CRD's whole list):
    the query is renamed in the base, the patch stays."""
    case = next(c for c in PLAIN if c.rule == "gpu-deprecated-metric")
    more_replicas = """\
# prod: more replicas
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: vllm
spec:
  maxReplicaCount: 8
"""
    overlay_repo(repo, DEPLOYMENT + "---\n" + SCALED_OBJECT, more_replicas)
    offset = DEPLOYMENT.count("\n") + 1  # the ScaledObject follows the Deployment and its `---`
    expected = case.diff.replace("deployment.yaml", "base/deployment.yaml").replace(
        "@@ -14,5 +14,5 @@", f"@@ -{14 + offset},5 +{14 + offset},5 @@")
    _fix_and_check(capsys, repo, Case(case.rule, "", expected), "base/deployment.yaml")
    kustomize(repo / "overlays/prod")


def test_default_project_set_by_an_overlay_is_fixed_in_its_patch(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The run's AppProjects decide: of `llm` and `search`, only `llm` admits the repository and namespace."""
    base = APPLICATION.replace("project: default  # TODO", "project: llm")
    write(repo, {
        "argocd/base/application.yaml": base,
        "argocd/base/projects.yaml": PROJECTS.removeprefix("---\n"),
        "argocd/base/kustomization.yaml": "resources:\n  - application.yaml\n  - projects.yaml\n",
        "argocd/prod/kustomization.yaml": "resources:\n  - ../base\npatches:\n  - path: patch.yaml\n",
        "argocd/prod/patch.yaml": "# prod: a hotfix branch\napiVersion: argoproj.io/v1alpha1\nkind: Application\n"
                                  "metadata:\n  name: llama-prod\n  namespace: argocd\nspec:\n  project: default\n"
                                  "  source:\n    targetRevision: v1.4.1\n",
    })
    expected = """\
--- a/argocd/prod/patch.yaml
+++ b/argocd/prod/patch.yaml
@@ -5,6 +5,6 @@
   name: llama-prod
   namespace: argocd
 spec:
-  project: default
+  project: llm
   source:
     targetRevision: v1.4.1
"""
    _fix_and_check(capsys, repo, Case("argocd-default-project", "", expected), "argocd/prod/patch.yaml")
    kustomize(repo / "argocd/prod")


def test_default_project_is_left_when_several_projects_admit_it(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    second = PROJECTS.replace("name: search", "name: llm-admin").replace("example/search.git", "example/llm-gitops.git") \
        .replace('"search-*"', '"llm-prod"')
    write(repo, {"apps.yaml": APPLICATION + second})
    code, out = run_cli(capsys, "fix", "--rule", "argocd-default-project", ".")
    assert (code, out) == (1, "apps.yaml:8: argocd-default-project: no safe mechanical fix for this object\n")
    assert (repo / "apps.yaml").read_text(encoding="utf-8") == APPLICATION + second


@pytest.mark.parametrize(("gpus", "why"), [(3, "32 heads do not divide by 3"), (4, "pipeline parallel 2")])
def test_tensor_parallel_is_left_when_the_pod_size_would_not_work(repo: Path, capsys: pytest.CaptureFixture[str],
                                                                   gpus: int, why: str) -> None:
    text = broken(*TWO_GPUS).replace("nvidia.com/gpu: 2", f"nvidia.com/gpu: {gpus}") + SHM
    if gpus == 4:
        text = text.replace(ARGS, ARGS[:-1] + ', "--pipeline-parallel-size", "2"]')
    write(repo, {"deployment.yaml": text})
    assert "gpu-parallelism-idle" in _rule_ids(capsys, "."), why
    code, out = run_cli(capsys, "fix", "--rule", "gpu-parallelism-idle", ".")
    assert code == 1 and "gpu-parallelism-idle: no safe mechanical fix for this object" in out, out
    assert (repo / "deployment.yaml").read_text(encoding="utf-8") == text


def test_gpus_raised_by_a_json6902_patch_leave_the_size_for_a_person(repo: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """A JSON 6902 patch has no container to add args to: nothing is written, the finding is listed."""
    write(repo, {
        "base/deployment.yaml": DEPLOYMENT,
        "base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
        "overlays/prod/kustomization.yaml": "resources:\n  - ../../base\npatches:\n  - path: gpus.yaml\n"
                                            "    target: {kind: Deployment, name: vllm}\n",
        "overlays/prod/gpus.yaml": "".join(
            f"- op: replace\n  path: /spec/template/spec/containers/0/resources/{part}/nvidia.com~1gpu\n  value: 2\n"
            for part in ("requests", "limits")),
    })
    before = _snapshot(repo)
    code, out = run_cli(capsys, "fix", "--rule", "gpu-parallelism-idle", "overlays/prod")
    assert code == 1 and "gpu-parallelism-idle: no safe mechanical fix" in out, out
    assert _snapshot(repo) == before


@pytest.mark.parametrize("users", [("", ""), ("", "            runAsUser: 0\n")])
def test_run_as_non_root_is_left_when_the_manifest_states_no_non_root_uid(repo: Path, capsys: pytest.CaptureFixture[str],
                                                                          users: tuple[str, str]) -> None:
    """runAsNonRoot: true without a non-zero runAsUser makes the kubelet check the image's USER: a root or
    named user (the vLLM and TGI images) would then never start, so the fix is a person's."""
    pod_user, container_user = users
    text = broken("        runAsNonRoot: true\n        runAsUser: 1000\n", pod_user) \
        .replace("            allowPrivilegeEscalation: false\n",
                 "            allowPrivilegeEscalation: false\n" + container_user)
    write(repo, {"deployment.yaml": text})
    assert "pod-run-as-root" in _rule_ids(capsys, ".")
    code, out = run_cli(capsys, "fix", "--rule", "pod-run-as-root", ".")
    assert code == 1 and "pod-run-as-root: no safe mechanical fix for this object" in out, out
    assert (repo / "deployment.yaml").read_text(encoding="utf-8") == text
