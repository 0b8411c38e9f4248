"""Generated repositories for every sample spec: each overlay renders with real kustomize, every object
validates strictly against the Kubernetes 1.33 schemas and the real CRDs, the serving facts hold, and
``inferops validate`` reports nothing."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest

from inferops.generator.spec import EXAMPLE_SPEC
from inferops.validate.loader import load_documents
from inferops.validate.manifest import Manifest
from inferops.validate.schema import SchemaChecker, SchemaOptions

from conftest import SHARED, SPEC_NAMES, SPECS, kustomizations, kustomize, run_cli

SPEC_FILES = {**{name: SPECS / f"{name}.yaml" for name in SPEC_NAMES}, "example": EXAMPLE_SPEC}
APP_LABELS = ("name", "instance", "component", "part-of", "managed-by")


@pytest.fixture(scope="module")
def repos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One generated repository per sample spec (``--no-git``; Git is tested elsewhere)."""
    from inferops.cli import main

    out = {}
    for name, spec in SPEC_FILES.items():
        target = tmp_path_factory.mktemp("repos") / name
        assert main(["new", str(spec), "--output", str(target), "--no-git"]) == 0
        out[name] = target
    return out


@functools.cache
def rendered(repo: Path) -> dict[Path, list[Manifest]]:
    """Objects of every kustomization Argo CD deploys, plus the plain Argo CD files, by source."""
    result: dict[Path, list[Manifest]] = {}
    for directory in kustomizations(repo):
        loaded = load_documents(kustomize(directory), str(directory), strict=True)
        assert loaded.findings == []
        result[directory] = loaded.manifests
    for path in sorted(repo.glob("argocd/**/*.yaml")):
        loaded = load_documents(path.read_text(), str(path), strict=True)
        assert loaded.findings == []
        result[path] = loaded.manifests
    return result


def objects(repo: Path, kind: str) -> list[Manifest]:
    return [m for ms in rendered(repo).values() for m in ms if m.kind == kind]


@pytest.mark.parametrize("name", SPEC_FILES)
def test_every_object_validates_strictly_against_kubernetes_and_builtin_crds(repos: dict[str, Path], name: str) -> None:
    checker = SchemaChecker(SchemaOptions(kubernetes_version="1.33.0", strict=True))
    # Gateway API schemas are not bundled yet; HTTPRoutes are checked against the reference CRDs below.
    problems = [f"{f.object}: {f.message}" for ms in rendered(repos[name]).values() for m in ms
                if not m.api_version.startswith("gateway.networking.k8s.io/") for f in checker.check(m)]
    assert problems == []


@pytest.mark.parametrize("name", SPEC_FILES)
def test_custom_resources_validate_against_the_real_crds(repos: dict[str, Path], name: str) -> None:
    crds = SHARED / "crds"
    if not crds.is_dir():
        pytest.skip(f"reference CRDs not found at {crds}")
    checker = SchemaChecker(SchemaOptions(kubernetes_version="1.33.0", strict=True, crds=[crds]))
    custom = [m for ms in rendered(repos[name]).values() for m in ms
              if m.api_version.split("/")[0] in ("argoproj.io", "keda.sh", "monitoring.coreos.com",
                                                 "gateway.networking.k8s.io")]
    assert custom, "every repository has Argo CD objects"
    assert [f"{f.object}: {f.message}" for m in custom for f in checker.check(m)] == []


def test_all_spec_shapes_are_covered(repos: dict[str, Path]) -> None:
    """The samples cover one GPU, tensor parallelism, MIG, TGI, KEDA, HPA, several models, three envs."""
    containers = [c for r in repos.values() for d in objects(r, "Deployment")
                  for c in d.data["spec"]["template"]["spec"]["containers"]]
    limits = [c["resources"]["limits"] for c in containers]
    assert any(lim.get("nvidia.com/gpu") == "1" for lim in limits)
    assert any(int(lim.get("nvidia.com/gpu", "0")) >= 4 for lim in limits)
    assert any("nvidia.com/mig-3g.40gb" in lim for lim in limits)
    assert any(c["command"] == ["text-generation-launcher"] for c in containers)
    kinds = {m.kind for r in repos.values() for ms in rendered(r).values() for m in ms}
    assert {"ScaledObject", "HorizontalPodAutoscaler", "ServiceMonitor", "PersistentVolumeClaim"} <= kinds
    assert len(list(repos["several-models"].glob("apps/*/base"))) == 3
    assert sorted(p.name for p in repos["one-gpu"].glob("apps/*/overlays/*")) == ["dev", "prod", "staging"]


def _flag(args: list[str], flag: str) -> int:
    """The value of ``flag=N``, its own list item (overlays patch it by index)."""
    return int(next(a for a in args if a.startswith(f"{flag}=")).partition("=")[2])


@pytest.mark.parametrize("name", SPEC_FILES)
def test_workloads_follow_the_serving_facts(repos: dict[str, Path], name: str) -> None:
    repo = repos[name]
    autoscaled = {m.data["spec"]["scaleTargetRef"]["name"] + "@" + str(m.namespace)
                  for m in objects(repo, "ScaledObject") + objects(repo, "HorizontalPodAutoscaler")}
    for d in objects(repo, "Deployment"):
        spec = d.data["spec"]
        pod = spec["template"]["spec"]
        (c,) = pod["containers"]
        gpus = next(int(v) for k, v in c["resources"]["limits"].items() if k.startswith("nvidia.com/"))
        tp = _flag(c["args"], "--tensor-parallel-size" if c["command"][0] == "vllm" else "--num-shard")
        assert tp == gpus, f"{d.ref}: tensor parallelism must equal GPUs per pod"
        assert c["resources"]["requests"]["cpu"] and c["resources"]["requests"]["memory"]
        assert ("replicas" in spec) != (f"{d.name}@{d.namespace}" in autoscaled), d.ref
        assert spec["strategy"]["rollingUpdate"] == {"maxSurge": 0, "maxUnavailable": 1}
        startup = c["startupProbe"]
        budget = startup["periodSeconds"] * startup["failureThreshold"]
        assert budget >= 1800 and spec["progressDeadlineSeconds"] >= budget
        assert c["readinessProbe"] and c["livenessProbe"]
        sc, psc = c["securityContext"], pod["securityContext"]
        assert sc["allowPrivilegeEscalation"] is False and sc["capabilities"]["drop"] == ["ALL"]
        assert sc["runAsNonRoot"] and sc["runAsUser"] > 0 and sc["seccompProfile"]["type"] == "RuntimeDefault"
        assert psc["runAsNonRoot"] and psc["seccompProfile"]["type"] == "RuntimeDefault"
        shm = next(v for v in pod["volumes"] if v["name"] == "dshm")
        assert shm["emptyDir"]["medium"] == "Memory" and shm["emptyDir"]["sizeLimit"]
        env = {e["name"]: e for e in c["env"]}
        assert env["HF_HOME"]["value"].startswith("/cache")
        assert sc["readOnlyRootFilesystem"] is True and psc["fsGroupChangePolicy"] == "OnRootMismatch"
        mounts = {m["mountPath"] for m in c["volumeMounts"]}
        assert {"/tmp", "/cache", "/dev/shm"} <= mounts and env["HOME"]["value"] == "/cache"
        if c["command"][0] == "vllm":  # uid 1000 has no passwd entry in the vLLM image (vllm-project/vllm#44548)
            assert env["USER"]["value"] and env["TORCHINDUCTOR_CACHE_DIR"]["value"].startswith("/cache")
        assert "value" not in env.get("HF_TOKEN", {}), "the token only ever comes from a Secret"
        assert ":latest" not in c["image"] and (":" in c["image"] or "@sha256:" in c["image"])


@pytest.mark.parametrize("name", SPEC_FILES)
def test_every_deployed_object_carries_environment_and_app_labels(repos: dict[str, Path], name: str) -> None:
    for source, manifests in rendered(repos[name]).items():
        for m in manifests:
            missing = [f"app.kubernetes.io/{k}" for k in APP_LABELS if f"app.kubernetes.io/{k}" not in m.labels]
            assert not missing, f"{m.ref} from {source} lacks {missing}"
            assert m.labels.get("inferops.io/environment") == m.environment, m.ref
            assert m.environment in source.parts, m.ref


@pytest.mark.parametrize("name", SPEC_FILES)
def test_argo_cd_objects_are_restricted(repos: dict[str, Path], name: str) -> None:
    repo = repos[name]
    projects = {p.name: p.data["spec"] for p in objects(repo, "AppProject")}
    for app in objects(repo, "Application"):
        spec = app.data["spec"]
        assert spec["project"] != "default"
        if spec["source"]["path"] == f"argocd/{app.environment}":
            # The bootstrap: deleting it deletes nothing, and it follows the branch root.yaml's release is set on.
            assert "finalizers" not in app.metadata and spec["syncPolicy"]["automated"]["prune"] is False
            assert spec["source"]["targetRevision"] == "main"
            continue
        assert "resources-finalizer.argocd.argoproj.io" in app.metadata["finalizers"]
        if app.environment == "prod":
            assert spec["source"]["targetRevision"].startswith("v"), "prod tracks a tag"
        assert projects[spec["project"]]["sourceRepos"] == [spec["source"]["repoURL"]]
        assert spec["destination"] in [{k: d[k] for k in ("server", "namespace")}
                                       for d in projects[spec["project"]]["destinations"]]
    for project in objects(repo, "AppProject"):
        spec = project.data["spec"]
        assert "*" not in json.dumps(spec["sourceRepos"]) and len(spec["sourceRepos"]) == 1
        assert all(d["namespace"] != "*" and d["server"] != "*" for d in spec["destinations"])
        assert spec["clusterResourceWhitelist"] in ([], [{"group": "", "kind": "Namespace"}])


def _max_gpus(repo: Path, env: str) -> int:
    total = 0
    deployments = {d.name: d for d in objects(repo, "Deployment") if d.environment == env}
    scalers: dict[str, int] = {m.data["spec"]["scaleTargetRef"]["name"]: m.data["spec"]["maxReplicaCount"]
                               for m in objects(repo, "ScaledObject") if m.environment == env}
    scalers |= {m.data["spec"]["scaleTargetRef"]["name"]: m.data["spec"]["maxReplicas"]
                for m in objects(repo, "HorizontalPodAutoscaler") if m.environment == env}
    for name, d in deployments.items():
        limits: dict[str, Any] = d.data["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]
        gpus = sum(int(v) for k, v in limits.items() if k.startswith("nvidia.com/"))
        total += gpus * scalers.get(name, d.data["spec"].get("replicas", 1))
    return total


@pytest.mark.parametrize("name", SPEC_FILES)
def test_policy_budget_and_quota_cover_full_scale_out(repos: dict[str, Path], name: str) -> None:
    from inferops.policy import load_policy

    repo = repos[name]
    policy = load_policy(repo / ".inferops.yaml")
    for env, env_policy in policy.environments.items():
        need = _max_gpus(repo, env)
        assert env_policy.gpu_budget == need
        (quota,) = [q for q in objects(repo, "ResourceQuota") if q.environment == env]
        assert sum(int(v) for v in quota.data["spec"]["hard"].values()) == need
        assert env_policy.require_pinned_revision == (env == "prod")


@pytest.mark.parametrize("name", SPEC_FILES)
def test_inferops_validate_finds_nothing(repos: dict[str, Path], name: str, capsys: pytest.CaptureFixture[str]) -> None:
    # Gateway API schemas are not bundled yet: HTTPRoutes are checked against the reference CRDs.
    gateway_api = SHARED / "crds" / "gateway-api"
    extra = ["--crd", str(gateway_api)] if gateway_api.is_dir() else []
    code, out, err = run_cli(capsys, "validate", str(repos[name]), "--format", "json", *extra)
    report = json.loads(out)
    assert report["findings"] == [] and code == 0, err
