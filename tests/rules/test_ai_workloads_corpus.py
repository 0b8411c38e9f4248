"""GPU rules on the AI workloads people run: KServe, LeaderWorkerSet, KubeRay samples (../shared/corpus),
plus JobSet, Jobs, CronJobs, Argo Rollouts and Notebooks written the way their docs show them.

Each upstream file is checked as it is (the findings pinned here were read by hand against the file), then
with one GPU mistake planted by editing a line of its text, so line numbers stay the upstream ones.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from inferops.policy import Policy
from inferops.rules.base import Context, run_rules
from inferops.validate.loader import load_documents

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="reference corpus ../shared is not available")

KSERVE = "kserve-samples/docs/samples"
LWS = "lws-examples/docs/examples"
RAY = "kuberay-samples/ray-operator/config/samples"
#: Rules about where the nodes are (taints, labels): true of every sample written for any cluster.
PLACEMENT = {"gpu-node-targeting", "gpu-toleration"}


def _text(rel: str) -> str:
    return (CORPUS / rel).read_text()


def _found(text: str, families: tuple[str, ...] = ("gpu",)) -> list[tuple[str, int | None]]:
    manifests = load_documents(text, "sample.yaml", strict=False).manifests
    return sorted((f.rule_id, f.line) for f in run_rules(manifests, Context(Policy()), list(families)))


def _plant(rel: str, old: str, new: str) -> str:
    text = _text(rel)
    assert old in text, f"{old!r} not in {rel}"
    return text.replace(old, new, 1)


def _gpu(text: str) -> list[tuple[str, int | None]]:
    return [f for f in _found(text) if f[0] not in PLACEMENT]


# --- LeaderWorkerSet --------------------------------------------------------------------------------------


def test_lws_vllm_example_tp8_pp2_over_two_pods_of_eight_gpus_is_right() -> None:
    # TP 8 × PP 2 = 16 = the leader's 8 GPUs + (size 2 - 1) × the worker's 8; only a TCP readiness probe
    assert _gpu(_text(f"{LWS}/vllm/GPU/lws.yaml")) == [("gpu-startup-probe", 16)]


def test_lws_group_smaller_than_tp_times_pp_is_caught() -> None:
    planted = _plant(f"{LWS}/vllm/GPU/lws.yaml", "--pipeline_parallel_size 2", "--pipeline_parallel_size 4")
    assert _gpu(planted) == [("gpu-parallelism-too-large", 24), ("gpu-startup-probe", 16)]


def test_lws_worker_with_fewer_gpus_than_the_leader_is_caught() -> None:
    # the worker drops to 4 GPUs: the group has 8 + 4 = 12, TP 8 × PP 2 (in the sh -c script, line 24) needs 16
    text = _text(f"{LWS}/vllm/GPU/lws.yaml")
    worker_at = text.index("vllm-worker")
    planted = text[:worker_at] + text[worker_at:].replace('nvidia.com/gpu: "8"', 'nvidia.com/gpu: "4"', 1)
    assert ("gpu-parallelism-too-large", 24) in _gpu(planted)


def test_lws_sglang_tp_over_the_group_is_right_and_a_larger_tp_is_caught() -> None:
    # --tp 2 with --nnodes $(LWS_GROUP_SIZE): 1 GPU in the leader + 1 in the worker
    rel = f"{LWS}/sglang/lws.yaml"
    assert [f for f in _gpu(_text(rel)) if f[0].startswith("gpu-parallelism")] == []
    planted = _plant(rel, '- "2" # Size of Tensor Parallelism', '- "4" # Size of Tensor Parallelism')
    assert ("gpu-parallelism-too-large", 27) in _gpu(planted)  # the --tp flag


def test_lws_tensorrt_llm_custom_launcher_is_not_guessed() -> None:
    # server.py's --pp/--tp mean what the script says; TensorRT-LLM is read only from trtllm-serve
    assert [f for f in _gpu(_text(f"{LWS}/tensorrt-llm/lws.yaml")) if f[0].startswith("gpu-parallelism")] == []


def test_lws_with_a_fractional_gpu_is_caught() -> None:
    planted = _plant(f"{LWS}/sglang/lws.yaml", 'nvidia.com/gpu: "1"', 'nvidia.com/gpu: "0.5"')
    assert ("gpu-whole-number", 42) in _gpu(planted)


# --- KServe -----------------------------------------------------------------------------------------------


def test_inference_service_framework_predictor_is_checked() -> None:
    rel = f"{KSERVE}/autoscaling/autoscale_gpu.yaml"
    assert _gpu(_text(rel)) == []
    planted = _plant(rel, "nvidia.com/gpu: 1", "nvidia.com/gpu: 1.5")
    assert _gpu(planted) == [("gpu-whole-number", 14)]


def test_kserve_gke_accelerator_annotation_targets_gpu_nodes() -> None:
    # serving.kserve.io/gke-accelerator becomes a cloud.google.com/gke-accelerator node selector
    assert _found(_text(f"{KSERVE}/accelerators/tensorflow-gpu.yaml")) == []
    assert [r for r, _ in _found(_text(f"{KSERVE}/autoscaling/autoscale_gpu.yaml"))] == [
        "gpu-node-targeting", "gpu-toleration"]


def test_llm_inference_service_samples_have_no_false_gpu_finding() -> None:
    for rel in ("llmisvc/agentic-tool-calling/llmisvc-single-gpu.yaml",
                "llmisvc/agentic-tool-calling/nemotron-3-ultra-pd.yaml",
                "llmisvc/dp-ep/deepseek-r1-gpu-rdma-roce/llm-inference-service-dp-ep-deepseek-r1-gpu-naive.yaml",
                "llmisvc/kv-cache-offloading/llm-inference-service-kv-cache-offloading.yaml"):
        assert _gpu(_text(f"{KSERVE}/{rel}")) == [], rel


def test_llm_inference_service_tensor_parallel_in_vllm_additional_args_is_checked() -> None:
    # the decode template's VLLM_ADDITIONAL_ARGS (line 36) asks for TP 16 on 8 GPUs; prefill stays right
    rel = f"{KSERVE}/llmisvc/agentic-tool-calling/nemotron-3-ultra-pd.yaml"
    planted = _plant(rel, "--tensor-parallel-size=8", "--tensor-parallel-size=16")
    assert _gpu(planted) == [("gpu-parallelism-too-large", 36)]


def test_llm_inference_service_prefill_request_limit_mismatch_is_caught() -> None:
    rel = f"{KSERVE}/llmisvc/agentic-tool-calling/nemotron-3-ultra-pd.yaml"
    text = _text(rel)
    prefill_at = text.index("prefill:")  # the prefill pod requests 4 GPUs (line 113) but is limited to 8
    planted = text[:prefill_at] + text[prefill_at:].replace(
        'memory: 300Gi\n              nvidia.com/gpu: "8"', 'memory: 300Gi\n              nvidia.com/gpu: "4"', 1)
    assert _gpu(planted) == [("gpu-request-limit-mismatch", 113)]


def test_llm_inference_service_spec_parallelism_is_read() -> None:
    text = _plant(f"{KSERVE}/llmisvc/kv-cache-offloading/llm-inference-service-kv-cache-offloading.yaml",
                  "  router:\n", "  parallelism:\n    tensor: 2\n  router:\n")
    assert _gpu(text) == [("gpu-parallelism-too-large", 10)]


PREDICTOR_MODEL = """\
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: llama
spec:
  predictor:
    model:
      modelFormat: {name: huggingface}
      args: [--model_name=llama, --model_id=meta-llama/Llama-3.1-8B-Instruct, --tensor-parallel-size=2]
      resources:
        limits: {cpu: "6", memory: 24Gi, nvidia.com/gpu: "2"}
        requests: {cpu: "6", memory: 24Gi, nvidia.com/gpu: "2"}
  transformer:
    containers:
      - name: kserve-container
        image: example.com/tokenizer:1.0
        resources:
          limits: {nvidia.com/gpu: "1"}
          requests: {nvidia.com/gpu: "1"}
"""


def test_inference_service_model_form_parallelism_is_checked() -> None:
    # KServe's Hugging Face runtime passes vLLM engine arguments through
    assert _gpu(PREDICTOR_MODEL) == []
    planted = PREDICTOR_MODEL.replace("--tensor-parallel-size=2", "--tensor-parallel-size=4")
    assert _gpu(planted) == [("gpu-parallelism-too-large", 9)]


PREDICTOR_CONTAINERS = """\
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: llama
spec:
  predictor:
    containers:
      - name: kserve-container
        image: vllm/vllm-openai:v0.11.0
        args: [meta-llama/Llama-3.1-8B-Instruct, --tensor-parallel-size, "1"]
        resources:
          limits: {nvidia.com/gpu: "2"}
"""


def test_inference_service_containers_form_and_transformer_are_checked() -> None:
    planted = PREDICTOR_MODEL.replace('requests: {nvidia.com/gpu: "1"}', 'requests: {nvidia.com/gpu: "2"}')
    assert _gpu(planted) == [("gpu-request-limit-mismatch", 19)]
    # a container of its own (no ServingRuntime merged in): TP 1 on 2 GPUs, no /dev/shm, no startup probe
    assert _gpu(PREDICTOR_CONTAINERS) == [("gpu-parallelism-idle", 10), ("gpu-shm-missing", 8),
                                          ("gpu-startup-probe", 8)]


SERVING_RUNTIME = """\
apiVersion: serving.kserve.io/v1alpha1
kind: KIND
metadata:
  name: vllm-runtime
spec:
  supportedModelFormats: [{name: vLLM, autoSelect: true}]
  containers:
    - name: kserve-container
      image: vllm/vllm-openai:v0.11.0
      args: [--model, /mnt/models, --tensor-parallel-size, "2"]
      resources:
        limits: {nvidia.com/gpu: "2"}
  workerSpec:
    pipelineParallelSize: 2
    tensorParallelSize: 2
    containers:
      - name: worker-container
        image: vllm/vllm-openai:v0.11.0
        resources:
          limits: {nvidia.com/gpus: "2"}
"""


@pytest.mark.parametrize("kind", ["ServingRuntime", "ClusterServingRuntime"])
def test_serving_runtime_and_its_worker_spec_are_checked(kind: str) -> None:
    # the worker's resource name has a typo (nvidia.com/gpus)
    assert ("gpu-resource-name", 20) in _gpu(SERVING_RUNTIME.replace("KIND", kind))


# --- KubeRay ----------------------------------------------------------------------------------------------


def test_ray_service_samples_have_no_false_gpu_finding() -> None:
    # KubeRay mounts /dev/shm and adds probes to the Ray container itself
    assert _gpu(_text(f"{RAY}/ray-service.llm-serve.yaml")) == []
    assert _gpu(_text(f"{RAY}/ray-service.high-throughput-llm.yaml")) == []
    assert _gpu(_text(f"{RAY}/ray-cluster.kai-gpu-sharing.yaml")) == []


def test_ray_service_worker_group_mistake_is_caught() -> None:
    # the GPU worker group requests 2 GPUs (line 88) but is limited to 4
    planted = _plant(f"{RAY}/ray-service.llm-serve.yaml", 'memory: "32Gi"\n                nvidia.com/gpu: "4"\n\n',
                     'memory: "32Gi"\n                nvidia.com/gpu: "2"\n\n')
    assert _gpu(planted) == [("gpu-request-limit-mismatch", 88)]


def test_ray_cluster_head_and_worker_groups_are_checked() -> None:
    rel = f"{RAY}/ray-cluster.kai-gpu-sharing.yaml"
    head = _plant(rel, 'memory: "5Gi"', 'memory: "5Gi"\n              nvidia.com/gpu: "0.5"')
    assert ("gpu-whole-number", 82) in _gpu(head)
    worker = _plant(rel, 'memory: "1Gi"', 'memory: "1Gi"\n              nvidia.com/mig-3g.20gb: "2"')
    assert ("gpu-mixed-devices", 115) not in _gpu(worker)  # one MIG profile is fine...
    assert [r for r, _ in _gpu(worker)] == []


RAY_JOB = """\
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: train
spec:
  entrypoint: python /home/ray/train.py
  rayClusterSpec:
    headGroupSpec:
      template:
        spec:
          containers:
            - name: ray-head
              image: rayproject/ray:2.52.0
    workerGroupSpecs:
      - groupName: gpu
        replicas: 2
        template:
          spec:
            containers:
              - name: ray-worker
                image: rayproject/ray:2.52.0
                resources:
                  limits: {nvidia.com/gpu: "2"}
                  requests: {nvidia.com/gpu: "1"}
"""


def test_ray_job_worker_group_is_checked() -> None:
    assert _gpu(RAY_JOB) == [("gpu-request-limit-mismatch", 24)]


# --- batch, rollouts, notebooks -------------------------------------------------------------------------

JOBSET = """\
apiVersion: jobset.x-k8s.io/v1alpha2
kind: JobSet
metadata:
  name: pretrain
spec:
  replicatedJobs:
    - name: workers
      replicas: 2
      template:
        spec:
          parallelism: 4
          template:
            spec:
              containers:
                - name: trainer
                  image: example.com/trainer:1.0
                  command: [torchrun, --nproc_per_node=8, train.py]
                  resources:
                    limits: {nvidia.com/gpu: "8"}
                    requests: {nvidia.com/gpu: "4"}
"""

JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: finetune
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: trainer
          image: example.com/trainer:1.0
          command: [torchrun, --nproc_per_node=4, train.py]
          resources:
            limits: {nvidia.com/gpu: "4"}
"""


def test_jobset_jobs_are_checked_and_training_is_not_a_model_server() -> None:
    # the request/limit mismatch is caught, and 8 GPUs over NCCL without /dev/shm; no startup-probe or
    # parallelism rule for a training run
    assert _gpu(JOBSET) == [("gpu-request-limit-mismatch", 20), ("gpu-shm-missing", 15)]


CRONJOB = """\
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly-eval
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: eval
              image: example.com/eval:1.0
              resources:
                limits: {nvidia.com/gpu: "1"}
"""


def test_job_and_cronjob_are_checked_as_batch() -> None:
    assert _gpu(JOB) == [("gpu-shm-missing", 10)]  # 4 GPUs over NCCL need /dev/shm in training too
    assert _gpu(CRONJOB) == []
    assert _gpu(CRONJOB.replace('nvidia.com/gpu: "1"', 'nvidia.com/gpu: "1.5"')) == [("gpu-whole-number", 16)]


ROLLOUT = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: llama
spec:
  replicas: 2
  strategy:
    canary:
      maxSurge: 0
      maxUnavailable: 1
  selector: {matchLabels: {app: llama}}
  template:
    metadata: {labels: {app: llama}}
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.11.0
          args: [meta-llama/Llama-3.1-8B-Instruct, --tensor-parallel-size, "2"]
          resources:
            limits: {nvidia.com/gpu: "2"}
          startupProbe: {httpGet: {path: /health, port: 8000}, periodSeconds: 30, failureThreshold: 60}
          volumeMounts: [{name: dshm, mountPath: /dev/shm}]
      volumes: [{name: dshm, emptyDir: {medium: Memory, sizeLimit: 2Gi}}]
"""


def test_argo_rollout_is_a_serving_workload() -> None:
    assert _gpu(ROLLOUT) == []
    assert _gpu(ROLLOUT.replace('--tensor-parallel-size, "2"', '--tensor-parallel-size, "4"')) == [
        ("gpu-parallelism-too-large", 18)]
    assert _gpu(ROLLOUT.replace("      maxSurge: 0\n", "")) == [("gpu-rollout-surge", 8)]
    assert _gpu(ROLLOUT.replace("canary:\n      maxSurge: 0\n      maxUnavailable: 1",
                                "blueGreen: {activeService: llama}")) == [("gpu-rollout-surge", 8)]


NOTEBOOK = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: lab
spec:
  selector: {matchLabels: {app: lab}}
  template:
    metadata: {labels: {app: lab}}
    spec:
      containers:
        - name: jupyter
          image: quay.io/jupyter/pytorch-notebook:cuda12-2024-10-07
          command: [start-notebook.py]
          resources:
            limits: {nvidia.com/gpu: "1"}
"""


def test_model_server_rules_do_not_fire_on_a_notebook() -> None:
    # no startup probe or model-size rule for a notebook; a Kubeflow Notebook likewise. A notebook
    # Deployment still surges a GPU pod on update (a rule about GPU Deployments, not model servers)
    assert _gpu(NOTEBOOK) == [("gpu-rollout-surge", 5)]
    kubeflow = NOTEBOOK.replace("apiVersion: apps/v1\nkind: Deployment", "apiVersion: kubeflow.org/v1\nkind: Notebook")
    assert _gpu(kubeflow) == []
    server = NOTEBOOK.replace("quay.io/jupyter/pytorch-notebook:cuda12-2024-10-07", "vllm/vllm-openai:v0.11.0").replace(
        "command: [start-notebook.py]", "args: [meta-llama/Llama-3.1-8B-Instruct]")
    assert _gpu(server) == [("gpu-rollout-surge", 5), ("gpu-startup-probe", 11)]


def test_guardrails_see_every_pod_template_of_the_new_kinds() -> None:
    privileged = RAY_JOB.replace("              image: rayproject/ray:2.52.0\n    workerGroupSpecs",
                                 "              image: rayproject/ray:2.52.0\n"
                                 "              securityContext: {privileged: true}\n    workerGroupSpecs")
    assert ("pod-privileged", 14) in _found(privileged, ("guardrails",))
    latest = JOBSET.replace("trainer:1.0", "trainer:latest")
    assert ("image-tag-latest", 16) in _found(latest, ("guardrails",))


def test_gpu_budget_counts_ray_clusters_rollouts_and_inference_services() -> None:
    from inferops.policy import EnvironmentPolicy

    def in_prod(text: str) -> str:
        return text.replace("metadata:\n  name:", "metadata:\n  labels: {inferops.io/environment: prod}\n  name:", 1)

    ray = in_prod(_text(f"{RAY}/ray-service.llm-serve.yaml"))  # 1 worker replica × 4 GPUs
    rollout = in_prod(ROLLOUT)  # 2 replicas × 2 GPUs
    isvc = in_prod(PREDICTOR_MODEL.replace("  predictor:\n", "  predictor:\n    maxReplicas: 3\n"))  # 3 × (2 + 1)
    manifests = [m for text in (ray, rollout, isvc) for m in load_documents(text, "s.yaml", strict=False).manifests]
    policy = Policy(environments={"prod": EnvironmentPolicy(gpu_budget=16)})
    [finding] = [f for f in run_rules(manifests, Context(policy), ["gpu"]) if f.rule_id == "gpu-budget"]
    assert finding.message.startswith("environment prod can scale out to 17 GPUs, over its budget of 16")


def test_an_autoscaled_leader_worker_set_with_replicas_in_git_is_flagged() -> None:
    # the LWS sample sets replicas: 3 (line 6) and its HPA sample scales it: Argo CD would fight the HPA
    text = _text(f"{LWS}/sample/lws.yaml") + "---\n" + _text(f"{LWS}/sample/horizontal-pod-autoscaler.yaml")
    assert ("replicas-with-autoscaler", 6) in _found(text, ("guardrails",))
