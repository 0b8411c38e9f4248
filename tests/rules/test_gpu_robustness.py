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


def _ai_objects() -> list[dict[str, Any]]:
    """The AI workload kinds: upstream samples (../shared) where there, plus the inline ones of the corpus test."""
    from test_ai_workloads_corpus import CORPUS, JOBSET, PREDICTOR_MODEL, RAY_JOB, ROLLOUT, SERVING_RUNTIME

    texts = [JOBSET, PREDICTOR_MODEL, RAY_JOB, ROLLOUT, SERVING_RUNTIME.replace("KIND", "ServingRuntime")]
    for rel in ("lws-examples/docs/examples/sglang/lws.yaml",
                "kuberay-samples/ray-operator/config/samples/ray-service.llm-serve.yaml",
                "kserve-samples/docs/samples/llmisvc/agentic-tool-calling/llmisvc-single-gpu.yaml"):
        if (CORPUS / rel).is_file():
            texts.append((CORPUS / rel).read_text())
    return [doc for text in texts for doc in yaml.safe_load_all(text) if isinstance(doc, dict) and "spec" in doc]


@pytest.mark.parametrize("obj", _ai_objects(), ids=lambda o: str(o.get("kind")))
def test_ai_workload_kinds_with_wrong_types_do_not_crash(obj: dict[str, Any]) -> None:
    from inferops.policy import Policy
    from inferops.rules.base import Context, run_rules
    from inferops.validate.manifest import Manifest

    for path in _paths(obj):
        for value in (None, "text", [None, "x", 1]):
            list(run_rules([Manifest(_replaced(obj, path, value), "x.yaml")], Context(Policy()), ["gpu", "guardrails"]))
