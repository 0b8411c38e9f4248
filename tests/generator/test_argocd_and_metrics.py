"""Generated repositories as an Argo CD operator reads them: every AppProject is synced from Git by the
bootstrap, only the gitops project can create Argo CD objects, namespaces survive their Application, CODEOWNERS
guards what Argo CD may do; and autoscaling comes with what makes its metric exist (a monitor, a NetworkPolicy
admitting Prometheus' namespace, a trigger that errors on missing data, a query on the served model name)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from inferops.rules import argocd
from inferops.validate.loader import load_documents
from inferops.validate.manifest import Manifest

from conftest import SPEC_NAMES, SPECS, kustomize, run_cli


@pytest.fixture(scope="module")
def repos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from inferops.cli import main

    out = {}
    for name in SPEC_NAMES:
        target = tmp_path_factory.mktemp("repos") / name
        assert main(["new", str(SPECS / f"{name}.yaml"), "--output", str(target), "--no-git"]) == 0
        out[name] = target
    return out


def argo_files(repo: Path) -> list[Manifest]:
    """Every Argo CD object in the repository, each with its file relative to the repository root."""
    found = []
    for path in sorted(repo.glob("argocd/**/*.yaml")):
        loaded = load_documents(path.read_text(encoding="utf-8"), path.relative_to(repo).as_posix(), strict=True)
        found += loaded.manifests
    return found


def rendered(directory: Path) -> list[Manifest]:
    return load_documents(kustomize(directory), str(directory), strict=True).manifests


@pytest.mark.parametrize("name", SPEC_NAMES)
def test_every_appproject_is_synced_by_an_application(repos: dict[str, Path], name: str) -> None:
    repo = repos[name]
    manifests = argo_files(repo)
    placed = argocd.Placed(manifests, repo, repo)
    synced = {id(m) for app in argocd.applications(manifests) for source, _ in argocd.sources(app)
              for m in placed.deployed_by(source)}
    projects = [m for m in manifests if m.kind == "AppProject"]
    assert len(projects) == 3 * len(list(repo.glob("argocd/*/")))
    assert [p.name for p in projects if id(p) not in synced] == []
    # ... and so is every Application: the bootstrap syncs itself and the root, the root the rest
    assert [a.name for a in argocd.applications(manifests) if id(a) not in synced] == []


@pytest.mark.parametrize("name", SPEC_NAMES)
def test_only_the_gitops_project_creates_argo_cd_objects(repos: dict[str, Path], name: str) -> None:
    for project in (m for m in argo_files(repos[name]) if m.kind == "AppProject"):
        spec = project.data["spec"]
        argo_kinds = [k for k in spec.get("namespaceResourceWhitelist", []) if k["group"] == "argoproj.io"]
        into_argocd = [d for d in spec["destinations"] if d["namespace"] == "argocd"]
        if project.name.endswith("-gitops"):
            assert {k["kind"] for k in argo_kinds} == {"Application", "AppProject"}
            assert spec["destinations"] == into_argocd and spec["clusterResourceWhitelist"] == []
        else:
            assert argo_kinds == [] and into_argocd == [], project.name


@pytest.mark.parametrize("name", SPEC_NAMES)
def test_workload_projects_allow_the_recommended_secret_delivery_kinds(repos: dict[str, Path], name: str) -> None:
    for path in repos[name].glob("argocd/*/project.yaml"):
        allowed = {(k["group"], k["kind"]) for k in yaml.safe_load(path.read_text())["spec"]["namespaceResourceWhitelist"]}
        assert {("", "ConfigMap"), ("external-secrets.io", "ExternalSecret"), ("bitnami.com", "SealedSecret")} <= allowed
        assert ("", "Secret") not in allowed


@pytest.mark.parametrize("name", SPEC_NAMES)
def test_every_namespace_is_kept_when_its_application_goes(repos: dict[str, Path], name: str) -> None:
    namespaces = [m for d in sorted(repos[name].glob("platform/*")) for m in rendered(d) if m.kind == "Namespace"]
    assert namespaces
    for ns in namespaces:
        assert ns.annotations["argocd.argoproj.io/sync-options"] == "Delete=false", ns.ref


def test_codeowners_guard_argo_cd_platform_and_policy(repos: dict[str, Path]) -> None:
    lines = (repos["observability"] / ".github/CODEOWNERS").read_text().splitlines()
    owners = {line.split()[0]: line.split()[1:] for line in lines if line and not line.startswith("#")}
    for path in ("/argocd/", "/platform/", "/.inferops.yaml"):
        assert owners[path] == ["@example/platform", "ml-platform@example.com"]


def test_autoscaling_with_prometheus_in_observability_is_scraped_and_admitted(repos: dict[str, Path]) -> None:
    repo = repos["observability"]
    for env in ("dev", "prod"):
        objects = rendered(repo / f"apps/granite-8b/overlays/{env}")
        (monitor,) = [m for m in objects if m.kind in ("ServiceMonitor", "PodMonitor")]
        assert monitor.kind == "PodMonitor" and monitor.labels["release"] == "kube-prometheus-stack"
        (scaler,) = [m for m in objects if m.kind == "ScaledObject"]
        trigger = scaler.data["spec"]["triggers"][0]["metadata"]
        assert trigger["ignoreNullValues"] == "false"
        assert trigger["query"] == f'sum(vllm:num_requests_waiting{{namespace="llm-{env}", model_name="granite"}})'
        policies = [m for m in rendered(repo / f"platform/{env}") if m.name == "granite-8b-ingress"]
        admitted = [peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                    for p in policies for rule in p.data["spec"]["ingress"] for peer in rule["from"]
                    if "namespaceSelector" in peer]
        assert admitted == ["observability", "envoy-gateway-system"]


def test_autoscaling_without_monitor_settings_gets_a_servicemonitor(repos: dict[str, Path]) -> None:
    """tensor-parallel autoscales (HPA) and never asked for a ServiceMonitor: it gets one by default."""
    objects = rendered(repos["tensor-parallel"] / "apps/llama-3-70b/overlays/prod")
    assert [m.kind for m in objects if m.kind.endswith("Monitor")] == ["ServiceMonitor"]
    hpa = (repos["tensor-parallel"] / "apps/llama-3-70b/base/horizontalpodautoscaler.yaml").read_text()
    assert "seriesQuery: 'vllm:num_requests_waiting{namespace!=\"\",pod!=\"\"}'" in hpa


def test_exposure_priority_and_spread(repos: dict[str, Path]) -> None:
    objects = rendered(repos["observability"] / "apps/granite-8b/overlays/prod")
    (route,) = [m for m in objects if m.kind == "HTTPRoute"]
    assert route.data["spec"]["parentRefs"] == [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                                                 "name": "inference-gateway", "namespace": "gateway-system",
                                                 "sectionName": "https"}]
    assert route.data["spec"]["rules"][0]["backendRefs"] == [{"name": "granite-8b", "port": 8000}]
    (deployment,) = [m for m in objects if m.kind == "Deployment"]
    pod = deployment.data["spec"]["template"]["spec"]
    assert pod["priorityClassName"] == "llm-serving"
    (spread,) = pod["topologySpreadConstraints"]
    assert spread["topologyKey"] == "kubernetes.io/hostname"
    assert spread["labelSelector"]["matchLabels"].items() <= deployment.data["spec"]["template"]["metadata"]["labels"].items()


def test_single_replica_models_do_not_spread(repos: dict[str, Path]) -> None:
    (deployment,) = [m for m in rendered(repos["mig"] / "apps/qwen-7b/overlays/prod") if m.kind == "Deployment"]
    assert "topologySpreadConstraints" not in deployment.data["spec"]["template"]["spec"]


def test_overlays_patch_only_the_values_a_gpu_count_changes(repos: dict[str, Path]) -> None:
    """prod runs 8 GPUs instead of 4: a JSON 6902 patch replaces the tensor-parallel item, the GPU resources
    and /dev/shm; it never restates the args list, so a later base change reaches prod."""
    repo = repos["tensor-parallel"]
    overlay = repo / "apps/llama-3-70b/overlays/prod"
    ops = yaml.safe_load((overlay / "patch-deployment.yaml").read_text())
    assert all(op["path"] != "/spec/template/spec/containers/0/args" for op in ops)
    base = yaml.safe_load((repo / "apps/llama-3-70b/base/deployment.yaml").read_text())
    base_args = base["spec"]["template"]["spec"]["containers"][0]["args"]
    replaced = [op for op in ops if op["op"] == "replace" and "/args/" in op["path"]]
    (index,) = [int(op["path"].rsplit("/", 1)[1]) for op in replaced]
    assert "4" in base_args[index] and replaced[0]["value"] == base_args[index].replace("4", "8")

    base["spec"]["template"]["spec"]["containers"][0]["args"].append("--enable-prefix-caching")
    (repo / "apps/llama-3-70b/base/deployment.yaml").write_text(yaml.safe_dump(base))
    (prod,) = [m for m in rendered(overlay) if m.kind == "Deployment"]
    args = prod.data["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[-1] == "--enable-prefix-caching" and args[index] == replaced[0]["value"]


@pytest.mark.parametrize(("spec", "version"), [("several-models", "v1.3.0"), ("one-gpu", "v0.2.0")])
def test_a_release_pins_the_tag_in_every_production_application(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                 spec: str, version: str) -> None:
    import git

    repo = tmp_path / "llm-gitops"
    assert run_cli(capsys, "new", str(SPECS / f"{spec}.yaml"), "--output", str(repo))[0] == 0
    code, out, err = run_cli(capsys, "release", version, "--repo", str(repo))
    assert code == 0, err
    assert f"git -C {repo} push origin main" in out and f"git -C {repo} push origin {version}" in out
    g = git.Repo(repo)
    assert not g.is_dirty(untracked_files=True)
    tagged = g.tags[version].commit
    assert tagged == g.head.commit and tagged.message.startswith(f"Release {version}")
    prod = [yaml.safe_load(tagged.tree[blob.path].data_stream.read())
            for blob in tagged.tree["argocd/prod"].traverse() if blob.path.endswith(".yaml")]
    pins = {a["metadata"]["name"]: a["spec"]["source"]["targetRevision"] for a in prod if a["kind"] == "Application"}
    prefix, models = {"several-models": ("inference", ["llama-3-8b", "qwen-14b", "mistral-7b"]),
                      "one-gpu": ("llm", ["llama-3-8b"])}[spec]
    assert pins.pop(f"{prefix}-prod-gitops") == "main"  # the bootstrap follows the branch
    assert set(pins) == {f"{prefix}-prod-root", f"{prefix}-prod-platform", *(f"{m}-prod" for m in models)}
    assert set(pins.values()) == {version}
    # the other environments are untouched, and validation agrees with the release
    changed = {d.a_path for d in tagged.diff(tagged.parents[0])}
    assert changed and all(p.startswith("argocd/prod/") or p in ("README.md", ".inferops/state.json") for p in changed)
    assert run_cli(capsys, "validate", str(repo))[0] == 0


def test_release_refuses_a_dirty_tree_an_existing_tag_and_a_bad_name(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    import git

    repo = tmp_path / "llm-gitops"
    assert run_cli(capsys, "new", str(SPECS / "one-gpu.yaml"), "--output", str(repo))[0] == 0
    g = git.Repo(repo)
    head = g.head.commit
    (repo / "notes.txt").write_text("draft")
    code, _, err = run_cli(capsys, "release", "v0.2.0", "--repo", str(repo))
    assert code == 1 and "uncommitted or untracked changes" in err
    (repo / "notes.txt").unlink()
    g.create_tag("v0.2.0")
    code, _, err = run_cli(capsys, "release", "v0.2.0", "--repo", str(repo))
    assert code == 1 and "tag v0.2.0 already exists" in err
    for bad in ("-d", "v1..2", "v1.0.0.lock/x~"):
        code, _, err = run_cli(capsys, "release", "--repo", str(repo), "--", bad)
        assert code == 2 and err.count("\n") == 1, err
    assert g.head.commit == head and not g.is_dirty(untracked_files=True)
    code, _, err = run_cli(capsys, "release", "v0.3.0", "--repo", str(tmp_path))
    assert code == 2 and "not a repository made by `inferops new`" in err


def test_release_refuses_to_overwrite_a_hand_edited_production_application(tmp_path: Path,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    import git

    repo = tmp_path / "llm-gitops"
    assert run_cli(capsys, "new", str(SPECS / "one-gpu.yaml"), "--output", str(repo))[0] == 0
    app = repo / "argocd/prod/apps/llama-3-8b.yaml"
    app.write_text(app.read_text() + "# pinned by hand during an incident\n")
    g = git.Repo(repo)
    g.index.add([str(app.relative_to(repo))])
    g.index.commit("Hand edit")
    code, _, err = run_cli(capsys, "release", "v0.2.0", "--repo", str(repo))
    assert code == 1 and "argocd/prod/apps/llama-3-8b.yaml" in err
    assert "v0.2.0" not in [t.name for t in g.tags] and not g.is_dirty(untracked_files=True)


def test_release_leaves_nothing_behind_when_a_commit_hook_refuses(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    import git

    repo = tmp_path / "llm-gitops"
    assert run_cli(capsys, "new", str(SPECS / "one-gpu.yaml"), "--output", str(repo))[0] == 0
    hook = repo / ".git/hooks/pre-commit"
    hook.write_text("#!/bin/sh\necho 'inferops validate: 1 error' >&2\nexit 1\n")
    hook.chmod(0o755)
    g = git.Repo(repo)
    head = g.head.commit
    code, _, err = run_cli(capsys, "release", "v0.2.0", "--repo", str(repo))
    assert code == 1 and "hook pre-commit refused the release commit" in err and err.count("\n") == 1
    assert g.head.commit == head and not g.is_dirty(untracked_files=True) and not g.tags
