"""Everything the generator knows about each serving runtime, in one place.

Each runtime states its pinned default image, how it is started (tensor parallelism = GPUs per pod), its
port, health and metrics endpoints and the queue-depth metric autoscalers scale on. Sources: vLLM
``docs/deployment/k8s.md`` and ``docs/usage/metrics.md``; TGI launcher reference (see
shared/docs/gpu-serving-facts.md, B.13-B.24). Both run as a non-root user with every capability dropped,
so both listen on an unprivileged port (TGI's default 80 would need NET_BIND_SERVICE).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

RuntimeName = Literal["vllm", "tgi"]


@dataclass(frozen=True, slots=True)
class Runtime:
    name: RuntimeName
    title: str
    image: str  # fully qualified repository, no tag
    tag: str  # pinned default tag
    command: tuple[str, ...]
    port: int
    health_path: str
    metrics_path: str
    #: Prometheus gauge of requests waiting for a slot: what the autoscaler scales on.
    queue_metric: str
    #: Label selecting one model's series in ``queue_metric`` (``None``: select by pod name).
    model_label: str | None

    @property
    def default_image(self) -> str:
        return f"{self.image}:{self.tag}"

    def args(self, model: str, gpus: int, extra: list[str]) -> list[str]:
        """Container args: serve ``model`` sharded over ``gpus`` GPUs (tensor-parallel size = GPUs per pod)."""
        if self.name == "vllm":
            base = [model, "--tensor-parallel-size", str(gpus), "--port", str(self.port)]
        else:
            base = ["--model-id", model, "--num-shard", str(gpus), "--port", str(self.port)]
        return [*base, *extra]

    def queue_query(self, namespace: str, deployment: str, model: str) -> str:
        """PromQL for the queue depth of one model in one namespace (KEDA's query must return one value)."""
        selector = f'namespace="{namespace}"'
        if self.model_label:
            selector += f', {self.model_label}="{model}"'
        else:
            selector += f', pod=~"{deployment}-[a-z0-9]+-[a-z0-9]+"'
        return f"sum({self.queue_metric}{{{selector}}})"


RUNTIMES: dict[str, Runtime] = {
    "vllm": Runtime(
        name="vllm",
        title="vLLM",
        image="docker.io/vllm/vllm-openai",
        tag="v0.11.0",
        command=("vllm", "serve"),
        port=8000,
        health_path="/health",
        metrics_path="/metrics",
        queue_metric="vllm:num_requests_waiting",
        model_label="model_name",
    ),
    "tgi": Runtime(
        name="tgi",
        title="Text Generation Inference",
        image="ghcr.io/huggingface/text-generation-inference",
        tag="3.3.4",
        command=("text-generation-launcher",),
        port=8080,
        health_path="/health",
        metrics_path="/metrics",
        queue_metric="tgi_queue_size",
        model_label=None,
    ),
}
