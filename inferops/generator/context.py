"""Resolve a :class:`RepoSpec` into the values the blueprints lay out.

All decisions live here (effective replicas, GPUs, image, resources, probes, namespaces, revisions,
budgets); the templates only place values. Everything returned is plain dicts, lists and scalars, as
cookiecutter contexts must be.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from inferops import __version__
from inferops.facts.runtimes import NON_ROOT_NOTE, shm_size, writable_env
from inferops.generator import gpus, sizing
from inferops.generator.images import parse_pinned_image, registry_glob
from inferops.rules.images import ImageRef
from inferops.generator.runtimes import RUNTIMES, Runtime
from inferops.generator.spec import IN_CLUSTER, PROD_ENVIRONMENTS, ModelSpec, RepoSpec, Target

KUBERNETES_VERSION = "1.33.0"
PART_OF = "llm-serving"
MANAGED_BY = "inferops"
ARGOCD_NAMESPACE = "argocd"
#: Namespace Prometheus scrapes from when ``prometheus_url`` names none; the platform NetworkPolicies let it
#: reach the metrics port.
MONITORING_NAMESPACE = "monitoring"
#: Argo CD's sync option that keeps an object when its Application is deleted or prunes it
#: (argo-cd docs/user-guide/sync-options.md, "No Resource Deletion").
KEEP_ON_DELETE = {"argocd.argoproj.io/sync-options": "Delete=false"}
#: Kinds a workload project allows besides what the models deploy: ConfigMaps, and the secret-delivery
#: kinds the generated README recommends instead of a Secret in Git (External Secrets, Sealed Secrets).
EXTRA_NAMESPACED_KINDS = {("", "ConfigMap"), ("external-secrets.io", "ExternalSecret"), ("bitnami.com", "SealedSecret")}
#: Index of the model server container and of the /dev/shm volume in the base Deployment
#: (deployment.yaml lists them first); the overlays' JSON patches address them by index and test the names.
SERVER_CONTAINER = 0
DSHM_VOLUME = 0
REQUIRED_LABELS = ["app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/part-of"]
#: Pods run as this unprivileged user (Pod Security "restricted").
RUN_AS = 1000
CACHE_DIR = "/cache"
#: /tmp is an emptyDir too, so the root filesystem can be read-only (runtimes write sockets and scratch here).
TMP_DIR = "/tmp"  # noqa: S108 -- a mount path inside the generated pods, not a file we create
TMP_SIZE_GIB = 4
#: Probe periods: the startup probe allows ``startup_minutes``; afterwards liveness restarts a hung server.
STARTUP_PERIOD = 30


@dataclass(frozen=True, slots=True)
class Placement:
    """A model in one environment: the effective values after overrides."""

    model: ModelSpec
    env: str
    namespace: str
    gpus: int
    context: int | None  # --max-model-len / --max-total-tokens written by the generator (None: not written)
    image: ImageRef
    replicas: int | None  # None when an autoscaler owns the replica count
    min_replicas: int
    max_replicas: int

    @property
    def runtime(self) -> Runtime:
        return RUNTIMES[self.model.runtime]


def target(spec: RepoSpec, env: str) -> Target:
    return spec.environments.get(env) or Target()


def namespace_of(spec: RepoSpec, env: str) -> str:
    return target(spec, env).namespace or f"{spec.namespace}-{env}"


def revision_of(spec: RepoSpec, env: str) -> str:
    pinned = env in PROD_ENVIRONMENTS
    return target(spec, env).revision or (spec.git.release if pinned else spec.git.revision)


def place(spec: RepoSpec, model: ModelSpec, env: str | None) -> Placement:
    """``model`` in ``env`` (``None``: the base, i.e. the model's own values without overrides)."""
    o = model.environments.get(env) if env else None
    image = (o.image if o else None) or model.image or RUNTIMES[model.runtime].default_image
    sized = sizing.size(model)
    gpu_count = (o.gpu_count if o else None) or sized.count
    context = None if sizing.given_context(model) is not None else sized.context
    a = model.autoscaling
    if a is None:
        replicas = (o.replicas if o else None) or model.replicas or 1
        low = high = replicas
    else:
        replicas = None
        low = (o.min_replicas if o else None) or a.min_replicas
        high = (o.max_replicas if o else None) or a.max_replicas
    return Placement(model, env or "", namespace_of(spec, env) if env else "", gpu_count, context,
                     parse_pinned_image(image),
                     replicas, low, high)


def _labels(name: str, instance: str, component: str, env: str | None = None) -> dict[str, str]:
    labels = {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": instance,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": MANAGED_BY,
    }
    if env:
        labels["inferops.io/environment"] = env
    return labels


def _pod_resources(p: Placement) -> dict[str, Any]:
    r = p.model.resources
    gpu_resource = p.model.gpu.resource
    cpu = r.cpu or str(4 * p.gpus)
    memory = r.memory or f"{32 * p.gpus}Gi"
    requests = {"cpu": cpu, "memory": memory, gpu_resource: str(p.gpus)}
    cache = sizing.cache_plan(p.model, sizing.size(p.model))
    if not cache.persistent:  # the kubelet evicts a pod whose emptyDirs outgrow the node's free ephemeral storage
        requests["ephemeral-storage"] = f"{_gib(cache.size) + TMP_SIZE_GIB}Gi"
    return {
        "requests": requests,
        "limits": {"memory": memory, gpu_resource: str(p.gpus)},
        "shm_size": r.shm_size or shm_size(p.gpus),
    }


def _gib(quantity: str) -> int:
    """A quantity in whole GiB, rounded up."""
    from inferops.rules.gpu_facts import parse_quantity

    value = parse_quantity(quantity) or 0
    return -(-int(value) // 2**30)


def _server(p: Placement) -> dict[str, Any]:
    """What differs per environment inside the pod: args (tensor parallelism), resources, /dev/shm."""
    return {"args": p.runtime.args(p.model.model, p.gpus, p.context, p.model.args), **_pod_resources(p)}


def monitor_kind(model: ModelSpec) -> str | None:
    """The Prometheus Operator object that makes Prometheus scrape the model: autoscaling on a Prometheus
    metric needs one, or the autoscaler reads no data (KEDA's trigger then errors, see scaledobject.yaml)."""
    chosen = model.metrics.monitor
    if chosen == "auto":
        return "ServiceMonitor" if model.service_monitor or model.autoscaling is not None else None
    return None if chosen == "none" else chosen


def prometheus_namespace(model: ModelSpec) -> str:
    """Where Prometheus runs: ``metrics.prometheus_namespace``, else the namespace of an in-cluster
    ``prometheus_url`` (``<service>.<namespace>.svc[.<cluster domain>]``), else ``monitoring``."""
    if model.metrics.prometheus_namespace:
        return model.metrics.prometheus_namespace
    if model.autoscaling is not None:
        labels = (urlsplit(model.autoscaling.prometheus_url).hostname or "").split(".")
        if "svc" in labels[2:]:
            return labels[labels.index("svc", 2) - 1]
    return MONITORING_NAMESPACE


def client_namespaces(model: ModelSpec) -> list[str]:
    """Namespaces (besides the model's own) whose pods may call the model port."""
    expose = model.expose
    if expose.client_namespaces:
        return list(expose.client_namespaces)
    gateway = expose.gateway
    return [gateway.namespace] if gateway is not None and gateway.namespace else []


def served_model_name(model: ModelSpec) -> str:
    """The name vLLM labels its metrics with (``model_name``): the first ``--served-model-name``, else the
    model id (vllm ``config/model.py`` get_served_model_name; ``v1/metrics/loggers.py``)."""
    args = list(model.args)
    for i, arg in enumerate(args):
        if arg.startswith("--served-model-name="):
            return arg.split("=", 1)[1] or model.model
        if arg == "--served-model-name" and i + 1 < len(args) and not args[i + 1].startswith("-"):
            return args[i + 1]
    return model.model


def _escape(key: str) -> str:
    """A JSON pointer segment (RFC 6901): ``nvidia.com/gpu`` -> ``nvidia.com~1gpu``."""
    return key.replace("~", "~0").replace("/", "~1")


def server_patch(base: dict[str, Any], here: dict[str, Any]) -> list[dict[str, Any]]:
    """JSON 6902 operations turning the base's server values into ``here``'s: only the args items,
    resources and /dev/shm size that differ, so later base changes to anything else reach the overlay.
    ``test`` operations make kustomize fail loudly if the base no longer has what the patch replaces."""
    container = f"/spec/template/spec/containers/{SERVER_CONTAINER}"
    ops: list[dict[str, Any]] = [{"op": "test", "path": f"{container}/name", "value": "server"}]
    if len(base["args"]) == len(here["args"]):
        for i, (old, new) in enumerate(zip(base["args"], here["args"])):
            if old != new:
                ops += [{"op": "test", "path": f"{container}/args/{i}", "value": old},
                        {"op": "replace", "path": f"{container}/args/{i}", "value": new}]
    else:
        ops.append({"op": "replace", "path": f"{container}/args", "value": here["args"]})
    for section in ("requests", "limits"):
        for key, value in here[section].items():
            if base[section].get(key) != value:
                op = "replace" if key in base[section] else "add"
                ops.append({"op": op, "path": f"{container}/resources/{section}/{_escape(key)}", "value": value})
    if base["shm_size"] != here["shm_size"]:
        volume = f"/spec/template/spec/volumes/{DSHM_VOLUME}"
        ops += [{"op": "test", "path": f"{volume}/name", "value": "dshm"},
                {"op": "replace", "path": f"{volume}/emptyDir/sizeLimit", "value": here["shm_size"]}]
    return ops


def _gateway(model: ModelSpec) -> dict[str, Any] | None:
    gateway = model.expose.gateway
    if gateway is None:
        return None
    parent: dict[str, Any] = {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": gateway.name}
    if gateway.namespace:
        parent["namespace"] = gateway.namespace
    if gateway.section_name:
        parent["sectionName"] = gateway.section_name
    return {"parent": parent, "hostnames": list(gateway.hostnames)}


def _most_replicas(spec: RepoSpec, model: ModelSpec) -> int:
    return max(place(spec, model, env).max_replicas for env in [None, *model.environments])


def model_context(spec: RepoSpec, model: ModelSpec) -> dict[str, Any]:
    base = place(spec, model, None)
    rt = base.runtime
    startup_budget = model.startup_minutes * 60
    labels = _labels(model.name, model.name, "inference-server")
    annotations = {"inferops.io/model": model.model}
    if model.owner:
        annotations["inferops.io/owner"] = model.owner
    if model.team:
        labels["inferops.io/team"] = model.team
    a = model.autoscaling
    cache = sizing.cache_plan(model, sizing.size(model))
    env = writable_env(rt.name, CACHE_DIR, TMP_DIR)
    return {
        "name": model.name,
        "hf_id": model.model,
        "runtime": rt.name,
        "runtime_title": rt.title,
        "image": base.image.normalised,
        "command": list(rt.command),
        "port": rt.port,
        "health_path": rt.health_path,
        "metrics_path": rt.metrics_path,
        "labels": labels,
        "selector": {k: labels[k] for k in ("app.kubernetes.io/name", "app.kubernetes.io/instance")},
        "annotations": annotations,
        "replicas": base.replicas,
        "keda": a is not None and a.engine == "keda",
        "hpa": a is not None and a.engine == "hpa",
        "autoscaling": None if a is None else {
            "engine": a.engine,
            "min_replicas": base.min_replicas,
            "max_replicas": base.max_replicas,
            "metric": rt.queue_metric,
            "queue_depth": str(a.queue_depth),
            "prometheus_url": a.prometheus_url,
        },
        "server": _server(base),
        "products": model.gpu.product,
        "node_label": gpus.PRODUCT_LABEL,
        "present_label": gpus.PRESENT_LABEL,
        "tolerate_taint": model.gpu.tolerate_taint,
        "gpu_taint": gpus.GPU_RESOURCE,
        "hf_token": model.hf_token.model_dump() if model.hf_token else None,
        "cache": {**model.cache.model_dump(), "size": cache.size, "persistent": cache.persistent, "dir": CACHE_DIR},
        "env": [{"name": k, "value": v} for k, v in env],
        "non_root_note": NON_ROOT_NOTE[rt.name],
        "tmp": {"dir": TMP_DIR, "size": f"{TMP_SIZE_GIB}Gi"},
        "run_as": RUN_AS,
        "startup": {"period": STARTUP_PERIOD, "failure_threshold": startup_budget // STARTUP_PERIOD},
        "progress_deadline": startup_budget + 600,
        "service_monitor": monitor_kind(model) == "ServiceMonitor",
        "pod_monitor": monitor_kind(model) == "PodMonitor",
        "monitor_labels": dict(model.metrics.labels),
        "spread": _most_replicas(spec, model) > 1,
        "priority_class": model.priority_class,
        "gateway": _gateway(model),
    }


def overlay_context(spec: RepoSpec, model: ModelSpec, env: str) -> dict[str, Any]:
    base, here = place(spec, model, None), place(spec, model, env)
    image = None
    if here.image.normalised != base.image.normalised:
        image = {"name": base.image.name, "new_name": here.image.name,
                 "new_tag": here.image.tag, "digest": here.image.digest}
    autoscaler = None
    if model.autoscaling is not None:
        keda = model.autoscaling.engine == "keda"
        if keda or (here.min_replicas, here.max_replicas) != (base.min_replicas, base.max_replicas):
            autoscaler = {
                "min_replicas": here.min_replicas,
                "max_replicas": here.max_replicas,
                "query": here.runtime.queue_query(here.namespace, model.name, served_model_name(model)) if keda else None,
            }
    server, base_server = _server(here), _server(base)
    return {
        "model": model.name,
        "env": env,
        "namespace": here.namespace,
        "replicas": here.replicas,
        "image": image,
        "server": server_patch(base_server, server) if server != base_server else None,
        "autoscaler": autoscaler,
        "autoscaling_engine": model.autoscaling.engine if model.autoscaling else None,
    }


def _placements(spec: RepoSpec, env: str) -> list[Placement]:
    return [place(spec, m, env) for m in spec.models if env in m.environments]


def gpu_quota(spec: RepoSpec, env: str) -> dict[str, int]:
    """GPUs (by resource name) the environment uses at full scale-out; rollouts add none (maxSurge 0)."""
    quota: dict[str, int] = {}
    for p in _placements(spec, env):
        resource = p.model.gpu.resource
        quota[resource] = quota.get(resource, 0) + p.max_replicas * p.gpus
    return quota


def _namespaced_kinds(spec: RepoSpec, env: str) -> list[dict[str, str]]:
    """The namespaced kinds the model Applications of ``env`` deploy: the workload project allows only these."""
    kinds = {("", "ServiceAccount"), ("", "Service"), ("apps", "Deployment"), ("policy", "PodDisruptionBudget")}
    for p in _placements(spec, env):
        m = p.model
        if sizing.cache_plan(m, sizing.size(m)).persistent:
            kinds.add(("", "PersistentVolumeClaim"))
        if m.autoscaling is not None:
            kinds.add(("keda.sh", "ScaledObject") if m.autoscaling.engine == "keda"
                      else ("autoscaling", "HorizontalPodAutoscaler"))
        monitor = monitor_kind(m)
        if monitor:
            kinds.add(("monitoring.coreos.com", monitor))
        if m.expose.gateway is not None:
            kinds.add(("gateway.networking.k8s.io", "HTTPRoute"))
    kinds |= EXTRA_NAMESPACED_KINDS
    return [{"group": g, "kind": k} for g, k in sorted(kinds)]


def _callers(p: Placement) -> list[str]:
    """Other namespaces the model's ingress NetworkPolicy admits: its Prometheus, then its clients."""
    names = [prometheus_namespace(p.model), *client_namespaces(p.model)]
    return [n for n in dict.fromkeys(names) if n != p.namespace]


def environment_context(spec: RepoSpec, env: str) -> dict[str, Any]:
    placements = _placements(spec, env)
    return {
        "name": env,
        "project": f"{spec.namespace}-{env}",
        "namespace": namespace_of(spec, env),
        "cluster": target(spec, env).cluster or IN_CLUSTER,
        "in_cluster": IN_CLUSTER,
        "argocd_namespace": ARGOCD_NAMESPACE,
        "revision": revision_of(spec, env),
        "keep_on_delete": KEEP_ON_DELETE,
        # The bootstrap follows a branch even where the environment pins a release: the release is the
        # targetRevision it reads from root.yaml, so a release commit reaches the cluster without a kubectl step.
        "bootstrap_revision": spec.git.revision if env in PROD_ENVIRONMENTS else revision_of(spec, env),
        "pinned": env in PROD_ENVIRONMENTS,
        "repo_url": spec.git.repo_url,
        "quota": {f"requests.{k}": str(v) for k, v in gpu_quota(spec, env).items()},
        "models": [{"name": p.model.name, "port": p.runtime.port, "from_namespaces": _callers(p)} for p in placements],
        "kinds": _namespaced_kinds(spec, env),
        "labels": _labels("platform", f"platform-{env}", "guardrails", env),
        "argocd_labels": _labels("argocd", f"{spec.namespace}-{env}", "gitops", env),
    }


def application_context(spec: RepoSpec, model: ModelSpec, env: str) -> dict[str, Any]:
    return {
        "name": f"{model.name}-{env}",
        "model": model.name,
        "env": env,
        "project": f"{spec.namespace}-{env}",
        "path": f"apps/{model.name}/overlays/{env}",
        "namespace": namespace_of(spec, env),
        "cluster": target(spec, env).cluster or IN_CLUSTER,
        "revision": revision_of(spec, env),
        "repo_url": spec.git.repo_url,
        "argocd_namespace": ARGOCD_NAMESPACE,
        "labels": _labels(model.name, f"{model.name}-{env}", "gitops", env),
    }


def repository_context(spec: RepoSpec) -> dict[str, Any]:
    envs = spec.environment_names()
    registries = sorted({registry_glob(place(spec, m, e).image) for m in spec.models for e in [None, *m.environments]})
    return {
        "version": __version__,
        "kubernetes_version": KUBERNETES_VERSION,
        "repo_url": spec.git.repo_url,
        "release": spec.git.release,
        "codeowners": list(spec.git.codeowners),
        "required_labels": REQUIRED_LABELS,
        "registries": registries,
        "environments": [
            {
                "name": e,
                "namespace": namespace_of(spec, e),
                "cluster": target(spec, e).cluster or IN_CLUSTER,
                "revision": revision_of(spec, e),
                "pinned": e in PROD_ENVIRONMENTS,
                "gpu_budget": sum(gpu_quota(spec, e).values()),
                "project": f"{spec.namespace}-{e}",
            }
            for e in envs
        ],
        "models": [
            {
                "name": m.name,
                "hf_id": m.model,
                "runtime": RUNTIMES[m.runtime].title,
                "gpu": (f"1 x MIG {m.gpu.mig_profile}" if m.gpu.mig_profile else f"{sizing.size(m).count} x GPU")
                + (f" ({', '.join(m.gpu.product)})" if m.gpu.product else ""),
                "sizing": sizing.size(m).reason,
                "context": sizing.size(m).context,
                "cache": sizing.cache_plan(m, sizing.size(m)).size,
                "cache_kind": "PVC" if sizing.cache_plan(m, sizing.size(m)).persistent else "emptyDir",
                "environments": list(m.environments),
                "port": RUNTIMES[m.runtime].port,
                "hf_token": m.hf_token.model_dump() if m.hf_token else None,
            }
            for m in spec.models
        ],
    }
