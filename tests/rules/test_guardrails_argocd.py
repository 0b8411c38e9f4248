"""Argo CD guardrails: argocd-default-project, argocd-project-wildcard, argocd-revision-unpinned and
argocd-app-not-permitted, on projects and Applications shaped like the generator's."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from guardrail_cases import ids, run

from inferops.policy import EnvironmentPolicy, Policy
from inferops.rules import argocd

REPO = "https://github.com/example-org/llm-gitops.git"
PROJECT = f"""
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {{name: llm-prod, namespace: argocd, labels: {{inferops.io/environment: prod}}}}
spec:
  sourceRepos: ["{REPO}"]
  destinations:
    - {{server: "https://kubernetes.default.svc", namespace: llm-prod}}
  clusterResourceWhitelist: []
"""
APP = f"""
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: llama-prod, namespace: argocd, labels: {{inferops.io/environment: prod}}}}
spec:
  project: llm-prod
  source: {{repoURL: "{REPO}", targetRevision: v0.1.0, path: apps/llama/overlays/prod}}
  destination: {{server: "https://kubernetes.default.svc", namespace: llm-prod}}
"""


def project() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(PROJECT)
    return data


def app() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(APP)
    return data


def test_generator_shaped_project_and_application_pass() -> None:
    assert run([project(), app()]) == []


@pytest.mark.parametrize("value", ["default", "", None])
def test_default_or_missing_project_is_an_error(value: str | None) -> None:
    data = app()
    if value is None:
        del data["spec"]["project"]
    else:
        data["spec"]["project"] = value
    assert ids([data]) == ["argocd-default-project"]


def test_application_set_templates_are_checked() -> None:
    appset = {"apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet", "metadata": {"name": "models"},
              "spec": {"generators": [{"list": {"elements": []}}],
                       "template": {"metadata": {"name": "{{name}}"}, "spec": {**app()["spec"], "project": "default"}}}}
    assert ids([appset]) == ["argocd-default-project"]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("sourceRepos", ["*"], "allows any source repository"),
    ("destinations", [{"server": "*", "namespace": "llm-prod"}], "allows any destination server"),
    ("destinations", [{"name": "*", "namespace": "llm-prod"}], "allows any destination name"),
    ("destinations", [{"server": "https://kubernetes.default.svc", "namespace": "*"}], "allows any destination namespace"),
    ("clusterResourceWhitelist", [{"group": "*", "kind": "*"}], "whitelists cluster-scoped resources"),
    ("clusterResourceWhitelist", [{"group": "", "kind": "*"}], "whitelists cluster-scoped resources"),
])
def test_wildcards_in_a_project_are_errors(field: str, value: list[Any], message: str) -> None:
    data = project()
    data["spec"][field] = value
    findings = run([data])
    assert [f.rule_id for f in findings] == ["argocd-project-wildcard"]
    assert message in findings[0].message


def test_specific_globs_and_namespace_whitelist_are_fine() -> None:
    data = project()
    data["spec"]["sourceRepos"] = ["https://github.com/example-org/*", "!https://github.com/example-org/secret"]
    data["spec"]["destinations"] = [{"server": "https://kubernetes.default.svc", "namespace": "llm-*"}]
    data["spec"]["clusterResourceWhitelist"] = [{"group": "", "kind": "Namespace"}]
    assert ids([data]) == []


@pytest.mark.parametrize("revision", ["main", "master", "HEAD", "", "release", "feature/faster-tokenizer"])
def test_prod_application_on_a_branch_is_an_error(revision: str) -> None:
    data = app()
    data["spec"]["source"]["targetRevision"] = revision
    findings = run([data])
    assert [f.rule_id for f in findings] == ["argocd-revision-unpinned"]
    assert "(prod)" in findings[0].message


@pytest.mark.parametrize("revision", ["v0.1.0", "1.4.2-rc.1", "llama-v2.0.1", "refs/tags/stable", "3f2a9c1",
                                      "3f2a9c1e0b7d4a5f6e8c9b0a1d2e3f4a5b6c7d8e"])
def test_tags_and_commits_are_pinned(revision: str) -> None:
    data = app()
    data["spec"]["source"]["targetRevision"] = revision
    assert ids([data]) == []


def test_other_environments_may_track_a_branch() -> None:
    data = app()
    data["metadata"]["labels"]["inferops.io/environment"] = "dev"
    data["spec"]["source"]["targetRevision"] = "main"
    assert ids([data]) == []


def test_the_policy_decides_which_environments_need_pinning() -> None:
    data = app()
    data["metadata"]["labels"]["inferops.io/environment"] = "staging"
    data["spec"]["source"]["targetRevision"] = "HEAD"
    policy = Policy(environments={"staging": EnvironmentPolicy(require_pinned_revision=True)})
    assert ids([data], policy) == ["argocd-revision-unpinned"]


def test_environment_falls_back_to_the_project_or_namespace_name() -> None:
    data = app()
    del data["metadata"]["labels"]
    data["spec"]["source"]["targetRevision"] = "main"
    assert ids([data]) == ["argocd-revision-unpinned"]
    data["spec"]["project"] = "llm-dev"
    data["spec"]["destination"]["namespace"] = "llm-dev"
    assert ids([data]) == []


def test_helm_chart_versions_must_be_exact_and_multi_source_apps_are_checked() -> None:
    data = app()
    data["spec"]["project"] = "llm-prod"
    del data["spec"]["source"]
    data["spec"]["sources"] = [
        {"repoURL": "https://charts.example.com", "chart": "vllm", "targetRevision": "1.2.*"},
        {"repoURL": REPO, "targetRevision": "v0.1.0", "ref": "values"},
        {"repoURL": "https://charts.example.com", "chart": "gateway", "targetRevision": "0.9.3"},
    ]
    findings = run([data])
    assert [(f.rule_id, "1.2.*" in f.message) for f in findings] == [("argocd-revision-unpinned", True)]


def test_application_outside_its_project_is_an_error() -> None:
    data = app()
    data["spec"]["source"]["repoURL"] = "https://github.com/someone-else/charts.git"
    data["spec"]["destination"]["namespace"] = "kube-system"
    findings = run([project(), data])
    assert [f.rule_id for f in findings] == ["argocd-app-not-permitted"] * 2
    assert all(f.object == "Application/argocd/llama-prod" for f in findings)
    assert "repository https://github.com/someone-else/charts.git" in findings[0].message
    assert "namespace kube-system" in findings[1].message


def test_application_whose_project_is_elsewhere_is_not_compared() -> None:
    data = app()
    data["spec"]["destination"]["namespace"] = "kube-system"
    assert ids([data]) == []


@pytest.mark.parametrize(("patterns", "url", "permitted"), [
    (["https://github.com/Example-Org/llm-gitops"], REPO, True),  # case and .git do not matter
    (["https://github.com/example-org/*"], REPO, True),
    (["https://github.com/*"], REPO, False),  # * stays within one path segment
    (["https://github.com/**"], REPO, True),
    (["*"], REPO, True),
    (["https://github.com/example-org/*", "!https://github.com/example-org/llm-gitops"], REPO, False),
    (["!https://github.com/other/*"], REPO, False),  # a deny pattern alone allows nothing
])
def test_source_repos_follow_argo_cd_globs(patterns: list[str], url: str, permitted: bool) -> None:
    assert argocd.repo_permitted({"sourceRepos": patterns}, url) is permitted


IN_CLUSTER = "https://kubernetes.default.svc"


@pytest.mark.parametrize(("destinations", "destination", "permitted"), [
    ([{"server": IN_CLUSTER, "namespace": "llm-*"}], {"server": IN_CLUSTER, "namespace": "llm-prod"}, True),
    ([{"server": IN_CLUSTER, "namespace": "llm-*"}], {"name": "in-cluster", "namespace": "llm-prod"}, True),
    ([{"name": "in-cluster", "namespace": "llm-prod"}], {"server": IN_CLUSTER, "namespace": "llm-prod"}, True),
    ([{"server": "https://gpu.example.com", "namespace": "llm-prod"}], {"server": IN_CLUSTER, "namespace": "llm-prod"}, False),
    ([{"server": "https://gpu.example.com", "namespace": "*"}], {"name": "gpu-cluster", "namespace": "x"}, True),
    ([{"server": "*", "namespace": "!kube-system"}, {"server": "*", "namespace": "*"}],
     {"server": IN_CLUSTER, "namespace": "kube-system"}, False),
    ([{"server": "*", "namespace": "!kube-system"}, {"server": "*", "namespace": "*"}],
     {"server": IN_CLUSTER, "namespace": "llm-prod"}, True),
    ([{"server": f"!{IN_CLUSTER}", "namespace": "*"}, {"server": "*", "namespace": "*"}],
     {"server": IN_CLUSTER, "namespace": "llm-prod"}, False),
])
def test_destinations_follow_argo_cd_rules(destinations: list[dict[str, str]], destination: dict[str, str],
                                           permitted: bool) -> None:
    assert argocd.destination_permitted({"destinations": destinations}, destination) is permitted
