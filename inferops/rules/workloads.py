"""Find the pod specs and containers inside workload objects, with their JSON paths.

Shared by every rule that looks at pods, so no rule re-implements "where is the pod template".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from inferops.validate.manifest import JsonPath, Manifest

#: Where the pod spec sits, by kind (apiVersion-independent on purpose: CRDs like LeaderWorkerSet too).
POD_SPEC_PATHS: dict[str, tuple[JsonPath, ...]] = {
    "Pod": (("spec",),),
    "Deployment": (("spec", "template", "spec"),),
    "StatefulSet": (("spec", "template", "spec"),),
    "DaemonSet": (("spec", "template", "spec"),),
    "ReplicaSet": (("spec", "template", "spec"),),
    "ReplicationController": (("spec", "template", "spec"),),
    "Job": (("spec", "template", "spec"),),
    "CronJob": (("spec", "jobTemplate", "spec", "template", "spec"),),
    "PodTemplate": (("template", "spec"),),
    "LeaderWorkerSet": (
        ("spec", "leaderWorkerTemplate", "leaderTemplate", "spec"),
        ("spec", "leaderWorkerTemplate", "workerTemplate", "spec"),
    ),
}

CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


@dataclass(frozen=True, slots=True)
class PodSpec:
    spec: dict[str, Any]
    path: JsonPath


@dataclass(frozen=True, slots=True)
class Container:
    data: dict[str, Any]
    path: JsonPath
    pod: PodSpec
    list_name: str  # "containers", "initContainers" or "ephemeralContainers"

    @property
    def name(self) -> str:
        return str(self.data.get("name") or "?")


def dig(data: Any, path: JsonPath) -> Any:
    """Follow ``path`` through dicts and lists; ``None`` where it does not exist."""
    for part in path:
        if isinstance(part, int) and isinstance(data, list) and -len(data) <= part < len(data):
            data = data[part]
        elif isinstance(part, str) and isinstance(data, dict):
            data = data.get(part)
        else:
            return None
    return data


def pod_specs(m: Manifest) -> Iterator[PodSpec]:
    for path in POD_SPEC_PATHS.get(m.kind, ()):
        spec = dig(m.data, path)
        if isinstance(spec, dict):
            yield PodSpec(spec, path)


def containers(m: Manifest, lists: tuple[str, ...] = CONTAINER_LISTS) -> Iterator[Container]:
    for pod in pod_specs(m):
        for list_name in lists:
            items = pod.spec.get(list_name)
            if not isinstance(items, list):
                continue
            for i, c in enumerate(items):
                if isinstance(c, dict):
                    yield Container(c, (*pod.path, list_name, i), pod, list_name)
