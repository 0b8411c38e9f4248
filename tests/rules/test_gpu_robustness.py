"""GPU rules never crash on malformed objects: every field may hold the wrong type (schema checks report it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from gpu_cases import LWS, SERVING_YAML, gpu_findings, serving

WRONG_VALUES: list[Any] = [None, "text", 3, [], {}, [None, "x", 1]]


def _paths(data: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield (*path, key)
            yield from _paths(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield (*path, i)
            yield from _paths(value, (*path, i))


def _replaced(data: Any, path: tuple[str | int, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    copy = data.copy() if isinstance(data, (dict, list)) else data
    copy[head] = _replaced(data[head], rest, value)  # type: ignore[index]
    return copy


OBJECTS = [yaml.safe_load(SERVING_YAML), yaml.safe_load(LWS.replace("PP", "2"))]


@pytest.mark.parametrize("obj", OBJECTS, ids=["deployment", "leaderworkerset"])
def test_any_field_with_a_wrong_type_does_not_crash(obj: dict[str, Any]) -> None:
    for path in _paths(obj):
        for value in WRONG_VALUES:
            gpu_findings(_replaced(obj, path, value))


def test_wrong_types_in_autoscalers_and_quotas_do_not_crash() -> None:
    for kind in ("HorizontalPodAutoscaler", "ScaledObject", "ResourceQuota"):
        for spec in WRONG_VALUES:
            gpu_findings({"apiVersion": "v1", "kind": kind, "metadata": {"name": "x"}, "spec": spec}, serving())
            gpu_findings({"apiVersion": "v1", "kind": kind, "metadata": {"name": "x"},
                          "spec": {"scaleTargetRef": spec, "triggers": spec, "metrics": spec, "hard": spec}})


@pytest.mark.parametrize("number", ["9" * 5000, "²", ".inf"])
def test_numbers_python_cannot_convert_do_not_crash(number: str) -> None:
    obj = yaml.safe_load(SERVING_YAML)
    pod = obj["spec"]["template"]["spec"]
    container = pod["containers"][0]
    container["args"] = [*container.get("args", []), "--tensor-parallel-size", number, f"--pipeline-parallel-size={number}"]
    container["resources"] = {"limits": {"nvidia.com/gpu": number, f"nvidia.com/mig-{number}g.{number}gb": number}}
    pod["nodeSelector"] = {"nvidia.com/gpu.memory": number, "nvidia.com/gpu.product": f"NVIDIA-A100-{number}GB-MIG-{number}g.{number}gb"}
    gpu_findings(obj)
    gpu_findings({**obj, "spec": {**obj["spec"], "replicas": float("inf")}})
