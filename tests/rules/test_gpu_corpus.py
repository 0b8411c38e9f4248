"""The GPU rules on real GPU serving manifests (GoogleCloudPlatform/kubernetes-engine-samples, in ../shared).

Every file must load and be checked without a crash; the findings pinned here were verified by reading the
manifests: correct tensor parallelism is left alone, real mistakes are reported at their line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from inferops.policy import Policy
from inferops.rules.base import Context, run_rules
from inferops.validate.findings import Finding, Severity
from inferops.validate.loader import load_path

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "gke-gpu-samples"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="reference corpus ../shared is not available")


def _findings(*relative: str) -> list[Finding]:
    manifests = [m for rel in relative for m in load_path(CORPUS / rel, rel, strict=False).manifests]
    return list(run_rules(manifests, Context(Policy()), ["gpu"]))


def _all_files() -> Iterator[str]:
    return (p.relative_to(CORPUS).as_posix() for p in sorted(CORPUS.rglob("*.y*ml")))


def _summary(findings: list[Finding]) -> list[tuple[int | None, str]]:
    return sorted((f.line, f.rule_id) for f in findings)


def test_whole_corpus_is_checked_and_has_no_gpu_error() -> None:
    findings = _findings(*_all_files())
    assert len(findings) > 100
    # nvidia.com/gpu: ${ACCELERATOR_QUANTITY} (reservations/deployment-gpu.yaml:43) is a placeholder the
    # tutorial substitutes with envsubst: not judged, so not an error claiming the real value is fractional
    assert [(f.file, f.line, f.rule_id) for f in findings if f.severity is Severity.ERROR] == []


def test_tensor_parallel_matching_the_gpu_count_is_left_alone() -> None:
    # gemma-2-27b-it, --tensor-parallel-size=4 on 4 × L4; weights 50 GiB / 4 fit in 0.9 × 24 GiB
    assert _summary(_findings("ai-ml/llm-serving-gemma/vllm/vllm-2-27b-it.yaml")) == [
        (20, "gpu-rollout-surge"), (34, "gpu-startup-probe"), (67, "gpu-shm-size-limit")]


def test_leader_worker_set_tp_times_pp_over_the_group_is_left_alone() -> None:
    # Llama 3.1 405B, TP 8 × PP 2 in a sh -c script, LWS size 2 × 8 H100; only a TCP readiness probe
    assert _summary(_findings("ai-ml/llm-multihost-gpus/vllm-llama3-405b-A3.yaml")) == [(34, "gpu-startup-probe")]


def test_tgi_num_shard_from_env_is_left_alone() -> None:
    # NUM_SHARD=4 in env on 4 × L4
    found = {f.rule_id for f in _findings("ai-ml/llm-serving-gemma/tgi/tgi-2-27b.yaml")}
    assert not found & {"gpu-parallelism-too-large", "gpu-parallelism-idle", "gpu-model-too-large"}


def test_half_the_gpus_idle_is_reported_at_the_flag() -> None:
    # 8 GPUs requested, --tensor-parallel-size=4; liveness/readiness use initialDelaySeconds only
    rel = "ai-ml/nemo-rl-on-gke/nemoRL/gemma3-27b-it/nvidia-vllm-post-trained-gemma3-27-deploy.yaml"
    findings = _findings(rel)
    assert _summary(findings) == [(19, "gpu-rollout-surge"), (33, "gpu-startup-probe"), (43, "gpu-parallelism-idle")]
    idle = next(f for f in findings if f.rule_id == "gpu-parallelism-idle")
    assert idle.message == ("container inference-server runs vllm with --tensor-parallel-size 4 = 4 GPUs, but its "
                            "serving group has 8 GPU(s); 4 GPU(s) sit idle")


def test_multihost_pods_without_node_targeting_are_reported() -> None:
    # the HDML variant drops the gke-accelerator nodeSelector from both the leader and the worker template
    findings = _findings("ai-ml/llm-multihost-gpus/vllm-llama3-405b-A3-HDML.yaml")
    assert _summary([f for f in findings if f.rule_id in ("gpu-node-targeting", "gpu-toleration")]) == [
        (31, "gpu-node-targeting"), (31, "gpu-toleration"), (69, "gpu-node-targeting"), (69, "gpu-toleration")]


def test_file_with_a_broken_document_still_gets_checked() -> None:
    # the Secret's {{HF_TOKEN}} placeholder is not YAML; the Deployment before it is still checked
    rel = "ai-ml/llm-serving-llama/vllm/vllm-llama4-maverick-17b-128e-instruct-fp8.yaml"
    assert _summary(_findings(rel)) == [(20, "gpu-rollout-surge"), (33, "gpu-startup-probe"), (70, "gpu-shm-size-limit")]
