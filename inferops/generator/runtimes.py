"""Everything the generator knows about each serving runtime, in one place.

Each runtime states its pinned default image, how it is started (tensor parallelism = GPUs per pod), its
port, health and metrics endpoints and the queue-depth metric autoscalers scale on. Sources: vLLM
``docs/deployment/k8s.md`` and ``docs/usage/metrics.md``; TGI launcher reference (see
shared/docs/gpu-serving-facts.md, B.13-B.24). Both run as a non-root user with every capability dropped,
so both listen on an unprivileged port (TGI's default 80 would need NET_BIND_SERVICE). The pinned images
and what each needs to start as non-root are facts of :mod:`inferops.facts.runtimes` (sources and how to
bump a version are there).

Each value the overlays may change is its own argument (``--tensor-parallel-size=4``), always at the same
index, so an overlay patches one list item.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from inferops.facts import runtimes as facts

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

    def args(self, model: str, gpus: int, context: int | None, extra: list[str]) -> list[str]:
        """Container args: serve ``model`` sharded over ``gpus`` GPUs (tensor-parallel size = GPUs per pod,
        always ``args[1]``) with a ``context``-token limit (``None``: the runtime's default)."""
        if self.name == "vllm":
            base = [model, f"--tensor-parallel-size={gpus}"]
            if context is not None:
                base.append(f"--max-model-len={context}")
        else:
            base = [f"--model-id={model}", f"--num-shard={gpus}"]
            if context is not None:  # TGI needs max_input_tokens < max_total_tokens (its defaults: max - 1, max)
                base += [f"--max-input-tokens={context - 1}", f"--max-total-tokens={context}"]
        return [*base, f"--port={self.port}", *extra]

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
        image=facts.VLLM_IMAGE,
        tag=facts.VLLM_TAG,
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
        image=facts.TGI_IMAGE,
        tag=facts.TGI_TAG,
        command=("text-generation-launcher",),
        port=8080,
        health_path="/health",
        metrics_path="/metrics",
        queue_metric="tgi_queue_size",
        model_label=None,
    ),
}
