"""Ray Serve LLM on KubeRay: the GPUs the model replicas of a RayService start with (and may scale to) fit
the Ray cluster, counted the way KubeRay advertises node GPUs to Ray."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from gpu_cases import rule_ids

from inferops.rules.base import REGISTRY, load_all_rules

load_all_rules()
FIXED = REGISTRY["ray-llm-gpus-insufficient"].doc_path.read_text(encoding="utf-8").split("## Fixed example")[1]
SERVICE = yaml.safe_load(FIXED.split("```yaml\n")[1].split("```")[0])
SHARED = Path(__file__).resolve().parents[3] / "shared"
INSUFFICIENT, UNREACHABLE = "ray-llm-gpus-insufficient", "ray-llm-max-replicas-unreachable"


def _service(min_replicas: int = 2, max_replicas: int = 2, tp: int = 4, pp: int | None = None, *,
             autoscaling: bool = True, worker_max: int = 2, num_gpus: str | None = None,
             resources: dict[str, str] | None = None) -> dict[str, object]:
    """The doc page's fixed RayService (2 × TP 4 on up to two 4-GPU workers) with one thing changed."""
    config = yaml.safe_load(SERVICE["spec"]["serveConfigV2"])
    llm = config["applications"][0]["args"]["llm_configs"][0]
    llm["engine_kwargs"] = {"tensor_parallel_size": tp, **({"pipeline_parallel_size": pp} if pp else {})}
    llm["deployment_config"] = {"autoscaling_config": {"min_replicas": min_replicas, "max_replicas": max_replicas}}
    spec = {**SERVICE["spec"], "serveConfigV2": yaml.safe_dump(config)}
    cluster = {**spec["rayClusterConfig"], "enableInTreeAutoscaling": autoscaling}
    worker = {**cluster["workerGroupSpecs"][0], "maxReplicas": worker_max}
    if num_gpus is not None:
        worker["rayStartParams"] = {"num-gpus": num_gpus}
    if resources is not None:
        worker["resources"] = resources
    cluster["workerGroupSpecs"] = [worker]
    spec["rayClusterConfig"] = cluster
    return {**SERVICE, "spec": spec}


def test_replicas_that_fit_the_grown_cluster_pass() -> None:
    assert not {INSUFFICIENT, UNREACHABLE} & set(rule_ids(_service()))


def test_starting_replicas_beyond_the_cluster_are_an_error() -> None:
    assert INSUFFICIENT in rule_ids(_service(min_replicas=3, max_replicas=3))


def test_without_autoscaling_the_cluster_stays_at_replicas() -> None:
    assert INSUFFICIENT in rule_ids(_service(autoscaling=False))


def test_pipeline_parallelism_multiplies_the_gpus_of_a_replica() -> None:
    assert INSUFFICIENT in rule_ids(_service(tp=4, pp=2))


def test_max_replicas_beyond_the_cluster_are_a_warning() -> None:
    found = rule_ids(_service(min_replicas=1, max_replicas=4))
    assert UNREACHABLE in found and INSUFFICIENT not in found


@pytest.mark.parametrize(("num_gpus", "resources", "fires"), [
    (None, None, True),  # the container's 4 GPUs: one worker offers 4 of the 8 needed
    ("8", None, False),  # rayStartParams num-gpus wins over the container's limit
    (None, {"GPU": "8"}, False),  # a group's resources win over both
    ("0", None, True),  # a worker that offers Ray no GPUs
])
def test_ray_sees_the_gpus_kuberay_advertises(num_gpus: str | None, resources: dict[str, str] | None,
                                              fires: bool) -> None:
    service = _service(worker_max=1, num_gpus=num_gpus, resources=resources)
    assert (INSUFFICIENT in rule_ids(service)) is fires


@pytest.mark.parametrize("text", ["applications: [", "- a list", "key: *undefined", "a: {b: " * 50])
def test_an_unreadable_serve_config_is_not_judged(text: str) -> None:
    service = _service(min_replicas=9, max_replicas=9)
    service["spec"]["serveConfigV2"] = text  # type: ignore[index]
    assert not {INSUFFICIENT, UNREACHABLE} & set(rule_ids(service))


def test_the_kuberay_llm_sample_fits_its_cluster() -> None:
    sample = SHARED / "corpus/kuberay-samples/ray-operator/config/samples/ray-service.llm-serve.yaml"
    if not sample.is_file():
        pytest.skip(f"{sample} is not available")
    service = next(d for d in yaml.safe_load_all(sample.read_text(encoding="utf-8")) if d and d["kind"] == "RayService")
    assert not {INSUFFICIENT, UNREACHABLE} & set(rule_ids(service))
    service["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]["rayStartParams"]["num-gpus"] = "0"
    assert INSUFFICIENT in rule_ids(service)
