"""The model spec: the YAML a user writes, validated with pydantic v2.

Two shapes, told apart by a top-level ``models:`` key:

* one model: the model's fields at the top level, plus the repository settings (``namespace``, ``git``)
  and ``environments`` whose entries may hold both per-environment overrides and targets;
* several models: ``models: [...]`` (each a model), optional ``defaults:`` (model fields shared by every
  entry, merged under each one), and top-level ``namespace``, ``git`` and ``environments`` (targets only:
  namespace, cluster, revision); per-model ``environments`` hold overrides only.

Both become one :class:`RepoSpec` (repository settings + fully merged models), which is also what
``.inferops/state.json`` records so that ``inferops add`` can re-render everything.
Keys are snake_case; unknown keys, wrong types and bad names are refused with file and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core.core_schema import ValidationInfo

from inferops.generator import gpus
from inferops.generator.images import parse_pinned_image

SPEC_HINT = "see schemas/model-spec.schema.json"
DEFAULT_ENVIRONMENTS = ("dev", "staging", "prod")
#: Environments whose Argo CD Applications track ``git.release`` (a tag) instead of a branch.
PROD_ENVIRONMENTS = ("prod", "production")
IN_CLUSTER = "https://kubernetes.default.svc"
#: Default ``git.repo_url``; ``new`` reminds the user to replace it.
PLACEHOLDER_REPO_URL = "https://github.com/your-org/llm-gitops.git"
EXAMPLE_SPEC = Path(__file__).resolve().parent / "examples" / "llama-3.1-8b.yaml"

# Every pattern is applied with ``fullmatch`` (and anchored with ``\Z``, never ``$``): Python's ``$`` also
# matches before a final newline, so ``^name$`` accepted "llama\n" and wrote a directory named "llama\n".
_DNS1035 = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?\Z")
_DNS1123 = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")
_QUANTITY = re.compile(r"[0-9]+(\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|Pi|Ei|M|G|T|P|E)?\Z")
_HF_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?\Z")
_GIT_REF = re.compile(r"(?!.*\.\.)(?!/)(?!.*//)[A-Za-z0-9._/-]+(?<![./])\Z")
# A Git URL in one of the forms Argo CD and git accept: https://host/path, ssh://[user@]host[:port]/path or
# scp-like user@host:path. Hosts, users and paths are drawn from a small safe set, so the URL reaches YAML,
# the generated README and the printed `git remote add` command without quoting: no whitespace, no shell
# metacharacters ($ ` ; & | < > ( ) ' " \ * ? ! #), no option-like host ("-oProxyCommand=...").
_URL_HOST = r"[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?"
_URL_USER = r"[A-Za-z0-9][-A-Za-z0-9._]*"
_URL_PATH = r"[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*/?"
_REPO_URL = re.compile(
    rf"(https://({_URL_USER}@)?{_URL_HOST}(:[0-9]{{1,5}})?/{_URL_PATH}"
    rf"|ssh://({_URL_USER}@)?{_URL_HOST}(:[0-9]{{1,5}})?/{_URL_PATH}"
    rf"|{_URL_USER}@{_URL_HOST}:(?!/)(?!-){_URL_PATH})\Z"
)
_LABEL_VALUE = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?\Z")
_SECRET_KEY = re.compile(r"[-._a-zA-Z0-9]{1,253}\Z")
# URL characters of RFC 3986 less quotes and '$': no whitespace, control characters, backticks or backslashes.
_URL_CHARS = r"[A-Za-z0-9._~:/?#\[\]@!&()*+,;=%-]+"
_HTTP_URL = re.compile(rf"https?://{_URL_CHARS}\Z")
_HTTPS_URL = re.compile(rf"https://{_URL_CHARS}\Z")
_CONTACT = re.compile(r"[^\s\"'\\\x00-\x1f\x7f]{1,100}\Z")
_ARGUMENT = re.compile(r"(?=[^\x00-\x1f\x7f]*\Z)\S(.*\S)?\Z")  # no control characters, not blank-edged
_LABEL_KEY = re.compile(r"([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?\Z")
_HOSTNAME = re.compile(r"(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\Z")
_CODEOWNER = re.compile(r"(@[A-Za-z0-9][-A-Za-z0-9_.]*(/[A-Za-z0-9][-A-Za-z0-9_.]*)?|[^@\s]+@[^@\s]+\.[^@\s]+)\Z")


def _name_checker(pattern: re.Pattern[str], max_len: int, what: str, example: str) -> Any:
    def check(value: str) -> str:
        if len(value) > max_len or not pattern.fullmatch(value):
            raise ValueError(
                f"{value!r} is not a valid {what}: lowercase letters, digits and '-', "
                f"{'starting with a letter' if pattern is _DNS1035 else 'starting and ending alphanumeric'}, "
                f"at most {max_len} characters (e.g. {example!r})"
            )
        return value

    return AfterValidator(check)


def _pattern_checker(pattern: re.Pattern[str], what: str) -> Any:
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(f"{value!r} is not {what}")
        return value

    return AfterValidator(check)


def _check_image(value: str) -> str:
    parse_pinned_image(value)
    return value


#: Model names become object names (Service names must be DNS-1035 labels) and directory names.
ModelName = Annotated[str, _name_checker(_DNS1035, 40, "model name (DNS-1035 label)", "llama-3-8b")]
EnvName = Annotated[str, _name_checker(_DNS1123, 20, "environment name (DNS-1123 label)", "staging")]
NamespaceName = Annotated[str, _name_checker(_DNS1123, 63, "namespace (DNS-1123 label)", "llm-serving")]
Quantity = Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, (int, float)) else v,
                                           json_schema_input_type=str | int | float),
                     _pattern_checker(_QUANTITY, "a Kubernetes quantity like '8', '500m' or '32Gi'")]
ImageRef = Annotated[str, AfterValidator(_check_image)]
GitRef = Annotated[str, _pattern_checker(_GIT_REF, "a Git branch, tag or commit like 'main' or 'v0.1.0'")]
LabelValue = Annotated[str, _pattern_checker(_LABEL_VALUE, "a label value: 1-63 letters, digits, '-', '_' or '.'")]
GpuProduct = Annotated[str, _pattern_checker(_LABEL_VALUE, "a GPU product label value like NVIDIA-A100-SXM4-80GB")]
LabelKey = Annotated[str, _pattern_checker(_LABEL_KEY, "a label key like 'release' or 'example.com/team'")]
Hostname = Annotated[str, _pattern_checker(_HOSTNAME, "a DNS hostname like 'llm.example.com'")]
CodeOwner = Annotated[str, _pattern_checker(_CODEOWNER, "a GitHub @user, @org/team or an email address")]


class _Strict(BaseModel):
    """Unknown keys are errors, and values are never coerced across types: YAML's ``replicas: true`` or
    ``replicas: "2"`` is a mistake to report, not a 1 or a 2 to guess."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Gpu(_Strict):
    """GPUs of one pod; the runtime shards the model over all of them (tensor-parallel size = count)."""

    count: int | None = Field(
        default=None, ge=1, le=16,
        description="GPUs per pod; also the tensor-parallel size. Omitted: the smallest count that holds the "
        "weights and the KV cache on gpu.product, divides the attention heads and fits one node (1 without "
        "a known model and product).",
    )
    product: Annotated[list[GpuProduct], BeforeValidator(lambda v: [v] if isinstance(v, str) else v,
                                                         json_schema_input_type=GpuProduct | list[GpuProduct])] = Field(
        default_factory=list,
        description="GPU product(s) as GPU Feature Discovery names them (label nvidia.com/gpu.product), e.g. "
        "NVIDIA-A100-SXM4-80GB; pods are pinned to these nodes. Empty: any node with nvidia.com/gpu.present=true.",
    )
    mig_profile: str | None = Field(
        default=None, description="Use one MIG slice (e.g. 3g.40gb; MIG strategy 'mixed') instead of whole GPUs."
    )
    tolerate_taint: bool = Field(default=True, description="Tolerate the nvidia.com/gpu NoSchedule taint.")

    @model_validator(mode="after")
    def _check_mig(self) -> Gpu:
        if self.mig_profile is not None:
            if self.count not in (None, 1):
                raise ValueError("a MIG slice is one device: with mig_profile, count must be 1")
            problem = gpus.check_mig_profile(self.mig_profile, self.product)
            if problem:
                raise ValueError(problem)
        return self

    @property
    def resource(self) -> str:
        return gpus.gpu_resource(self.mig_profile)


class Autoscaling(_Strict):
    """Scale on the runtime's queue depth (requests waiting), never below one replica."""

    engine: Literal["keda", "hpa"] = Field(
        default="keda", description="keda: ScaledObject with a Prometheus trigger; hpa: autoscaling/v2 Pods metric "
        "(needs a custom-metrics adapter such as prometheus-adapter)."
    )
    min_replicas: int = Field(default=1, ge=1, le=100, description="Never 0: a cold start reloads the model.")
    max_replicas: int = Field(default=2, ge=1, le=100)
    queue_depth: int = Field(default=5, ge=1, description="Target waiting requests per replica.")
    prometheus_url: Annotated[str, _pattern_checker(_HTTP_URL, "an http(s) URL")] = Field(
        default="http://prometheus-operated.monitoring.svc:9090", description="Prometheus that KEDA queries."
    )


class Resources(_Strict):
    """CPU and memory per pod; unset values scale with the GPU count (4 CPUs and 32Gi per GPU)."""

    cpu: Quantity | None = Field(default=None, description="CPU request.")
    memory: Quantity | None = Field(default=None, description="Memory request and limit.")
    shm_size: Quantity | None = Field(
        default=None, description="Size of the /dev/shm memory emptyDir (default 2Gi, 8Gi with several GPUs)."
    )


class Cache(_Strict):
    """Where model weights are downloaded to (HF_HOME)."""

    size: Quantity | None = Field(
        default=None, description="Size of the cache volume. Default: the model's weights × 1.2 + 10Gi, rounded up "
        "to 10Gi, at least 50Gi (50Gi for models inferops does not know)."
    )
    persistent: bool | None = Field(
        default=None, description="Keep weights across restarts in a PersistentVolumeClaim (else an emptyDir). "
        "Default: a PVC when the cache is above 200Gi and the model runs one replica, else an emptyDir."
    )
    storage_class: NamespaceName | None = Field(default=None, description="StorageClass of the PVC.")
    access_mode: Literal["ReadWriteOnce", "ReadWriteMany"] = Field(
        default="ReadWriteOnce", description="ReadWriteMany is required when more than one replica can run."
    )


class HfToken(_Strict):
    """A reference to an existing Secret holding a Hugging Face token (the value never goes into Git)."""

    secret: NamespaceName = Field(description="Secret name in each environment's namespace.")
    key: Annotated[str, _pattern_checker(_SECRET_KEY, "a Secret key")] = Field(default="token")


class Metrics(_Strict):
    """How Prometheus finds the model server's metrics (the autoscaler's input)."""

    monitor: Literal["auto", "ServiceMonitor", "PodMonitor", "none"] = Field(
        default="auto", description="Prometheus Operator object that makes Prometheus scrape the pods. auto: a "
        "ServiceMonitor when the model autoscales (or service_monitor is set), else none.",
    )
    labels: dict[LabelKey, LabelValue] = Field(
        default_factory=dict, description="Labels on the ServiceMonitor/PodMonitor, e.g. {release: kube-prometheus-stack}: "
        "the labels your Prometheus's serviceMonitorSelector/podMonitorSelector selects on.",
    )
    prometheus_namespace: NamespaceName | None = Field(
        default=None, description="Namespace Prometheus runs in; the NetworkPolicy admits it to the metrics port. "
        "Default: the namespace in autoscaling.prometheus_url (<service>.<namespace>.svc), else monitoring.",
    )


class Gateway(_Strict):
    """A Gateway API Gateway the model is exposed through with an HTTPRoute."""

    name: NamespaceName = Field(description="Name of the Gateway (parentRefs[].name).")
    namespace: NamespaceName | None = Field(
        default=None, description="Namespace of the Gateway; its listener's allowedRoutes must admit the model's namespace."
    )
    section_name: NamespaceName | None = Field(default=None, description="Listener name on the Gateway (sectionName).")
    hostnames: list[Hostname] = Field(default_factory=list, description="Hostnames the route matches (default: any).")


class Expose(_Strict):
    """Who may call the model server besides pods of its own namespace."""

    client_namespaces: list[NamespaceName] = Field(
        default_factory=list, description="Namespaces whose pods may reach the model port (e.g. a gateway's "
        "data plane); the Gateway's namespace when gateway is set and this is empty.",
    )
    gateway: Gateway | None = Field(default=None, description="Expose the model through a Gateway API HTTPRoute.")


#: ``model_config`` (a spec key) is pydantic's settings attribute, so its field is ``config_json`` with that
#: alias; ``model_shape`` is a field too, so pydantic's ``model_`` namespace warning is off.
_MODEL_FIELDS_CONFIG = ConfigDict(extra="forbid", strict=True, populate_by_name=True, protected_namespaces=())


class _StrictModelFields(_Strict):
    model_config = _MODEL_FIELDS_CONFIG


class ModelShape(_Strict):
    """A model's shape as its config.json states it: what GPU sizing needs. Filled in by inferops from
    ``model_config`` or the Hugging Face Hub (and recorded in .inferops/state.json); may be written by hand."""

    params_b: float = Field(gt=0, le=10000, description="Parameters, in billions.")
    layers: int = Field(ge=1, le=10000, description="num_hidden_layers.")
    heads: int = Field(ge=1, le=10000, description="num_attention_heads.")
    kv_heads: int = Field(ge=1, le=10000, description="num_key_value_heads.")
    head_dim: int = Field(ge=1, le=100000, description="head_dim (hidden_size / num_attention_heads).")
    max_context: int = Field(ge=1, le=100_000_000, description="max_position_embeddings.")
    bytes_per_param: float = Field(default=2.0, gt=0, le=8, description="2 for bf16, 1 for fp8, 0.5 for 4-bit.")
    mla_dim: int = Field(default=0, ge=0, le=100000, description="Multi-head latent attention: kv_lora_rank + "
                         "qk_rope_head_dim (DeepSeek-V3); 0 otherwise.")
    window: int = Field(default=0, ge=0, le=100_000_000, description="sliding_window of windowed layers; 0: none.")
    full_layers: int = Field(default=0, ge=0, le=10000, description="Layers attending to the full context (with a "
                             "sliding window).")
    source: str = Field(default="", max_length=500, description="Where these numbers come from.")


class Overrides(_Strict):
    """Per-environment changes to one model."""

    replicas: int | None = Field(default=None, ge=1, le=100, description="Fixed replicas (no autoscaling).")
    min_replicas: int | None = Field(default=None, ge=1, le=100, description="Autoscaling minimum.")
    max_replicas: int | None = Field(default=None, ge=1, le=100, description="Autoscaling maximum.")
    gpu_count: int | None = Field(default=None, ge=1, le=16, description="GPUs per pod (and tensor-parallel size).")
    image: ImageRef | None = Field(default=None, description="Image for this environment (tag or digest).")


class Target(_Strict):
    """Where an environment is deployed and which revision Argo CD tracks there."""

    namespace: NamespaceName | None = Field(default=None, description="Default: <namespace>-<environment>.")
    cluster: Annotated[str, _pattern_checker(_HTTPS_URL, "an https:// API server URL")] | None = (
        Field(default=None, description=f"Argo CD destination server (default {IN_CLUSTER}).")
    )
    revision: GitRef | None = Field(
        default=None, description="Git revision Argo CD tracks (default: git.release for prod, git.revision otherwise)."
    )


class Environment(Overrides, Target):
    """One entry of a single-model file's ``environments``: overrides and target together."""


class Git(_Strict):
    repo_url: Annotated[str, _pattern_checker(
        _REPO_URL, "a Git URL like https://github.com/org/repo.git, ssh://git@host/org/repo.git or "
        "git@github.com:org/repo.git (no spaces or shell characters)")] = Field(
        default=PLACEHOLDER_REPO_URL,
        description="The repository Argo CD pulls from (the one being generated).",
    )
    revision: GitRef = Field(default="main", description="Branch non-production environments track.")
    release: GitRef = Field(default="v0.1.0", description="Tag production environments track (set it with "
                            "`inferops release`).")
    codeowners: list[CodeOwner] = Field(
        default_factory=lambda: ["@your-org/platform-admins"], min_length=1,
        description="Owners whose review .github/CODEOWNERS requires for argocd/, platform/ and .inferops.yaml.",
    )


def _env_mapping(value: Any) -> Any:
    """``[dev, prod]`` is short for ``{dev: {}, prod: {}}``; an empty entry means no overrides."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return {name: {} for name in value}
    if isinstance(value, dict):
        return {k: ({} if v is None else v) for k, v in value.items()}
    return value


def _env_shorthand(entry: type[BaseModel]) -> Any:
    """The ``environments`` forms a user may write, also stated in the exported JSON Schema."""
    return BeforeValidator(_env_mapping, json_schema_input_type=dict[EnvName, entry | None] | list[EnvName])  # type: ignore[valid-type]


class ModelSpec(_Strict):
    """One served model."""

    model_config = _MODEL_FIELDS_CONFIG

    name: ModelName = Field(description="Object and directory name, a DNS-1035 label of at most 40 characters.")
    model: Annotated[str, _pattern_checker(_HF_ID, "a Hugging Face model id like 'meta-llama/Llama-3.1-8B-Instruct'")] = (
        Field(description="Hugging Face model id the runtime serves.")
    )
    runtime: Literal["vllm", "tgi"] = Field(default="vllm", description="Serving runtime.")
    gpu: Gpu = Field(default_factory=Gpu)
    max_model_len: int | None = Field(
        default=None, ge=256, le=100_000_000,
        description="Context length (--max-model-len; TGI --max-total-tokens). Default: the largest that fits, "
        "capped at the model's maximum.",
    )
    config_json: Annotated[str, _pattern_checker(re.compile(r"^[^\0\n]{1,500}$"), "a file path")] | None = Field(
        default=None, alias="model_config",
        description="Path (relative to the spec file) of the model's config.json, for models inferops does not know.",
    )
    model_shape: ModelShape | None = Field(
        default=None, description="The model's shape; filled in from model_config or the Hugging Face Hub."
    )
    image: ImageRef | None = Field(default=None, description="Image (pinned tag or digest); default per runtime.")
    replicas: int | None = Field(default=None, ge=1, le=100, description="Fixed replicas when not autoscaling (1).")
    autoscaling: Autoscaling | None = Field(default=None, description="Queue-depth autoscaling; omit for fixed replicas.")
    resources: Resources = Field(default_factory=Resources)
    cache: Cache = Field(default_factory=Cache)
    hf_token: HfToken | None = Field(default=None, description="Secret with a Hugging Face token (gated models).")
    team: LabelValue | None = Field(default=None, description="Owning team; becomes the inferops.io/team label.")
    owner: Annotated[str, _pattern_checker(_CONTACT, "a contact like an email")] | None = (
        Field(default=None, description="Contact; becomes the inferops.io/owner annotation.")
    )
    args: list[Annotated[str, _pattern_checker(_ARGUMENT, "a non-blank argument")]] = Field(
        default_factory=list, description="Extra runtime arguments, e.g. ['--max-model-len', '8192']."
    )
    service_monitor: bool = Field(default=False, description="Emit a Prometheus Operator ServiceMonitor (also "
                                  "the default with autoscaling; see metrics.monitor).")
    metrics: Metrics = Field(default_factory=Metrics)
    expose: Expose = Field(default_factory=Expose)
    priority_class: NamespaceName | None = Field(
        default=None, description="priorityClassName of the pods (the PriorityClass must exist in the cluster)."
    )
    startup_minutes: int = Field(default=30, ge=5, le=240, description="Time allowed to download and load weights.")
    environments: Annotated[dict[EnvName, Overrides], _env_shorthand(Overrides)] = Field(
        default_factory=dict, description="Environments this model runs in, with overrides (default dev, staging, prod)."
    )

    @field_validator("autoscaling")
    @classmethod
    def _no_fixed_replicas(cls, value: Autoscaling | None, info: ValidationInfo) -> Autoscaling | None:
        if value is not None:
            if info.data.get("replicas") is not None:
                raise ValueError("set either replicas or autoscaling, not both")
            if value.min_replicas > value.max_replicas:
                raise ValueError("min_replicas is larger than max_replicas")
        return value

    @field_validator("environments")
    @classmethod
    def _check_overrides(cls, value: dict[str, Overrides], info: ValidationInfo) -> dict[str, Overrides]:
        autoscaling: Autoscaling | None = info.data.get("autoscaling")
        gpu: Gpu | None = info.data.get("gpu")
        cache: Cache | None = info.data.get("cache")
        for env, o in value.items():
            if autoscaling is None and (o.min_replicas or o.max_replicas):
                raise ValueError(f"{env}: min_replicas/max_replicas need autoscaling; use replicas")
            if autoscaling is not None:
                if o.replicas is not None:
                    raise ValueError(f"{env}: the model autoscales; set min_replicas/max_replicas instead of replicas")
                low = o.min_replicas or autoscaling.min_replicas
                high = o.max_replicas or autoscaling.max_replicas
                if low > high:
                    raise ValueError(f"{env}: min_replicas {low} is larger than max_replicas {high}")
            if gpu is not None and gpu.mig_profile and o.gpu_count not in (None, 1):
                raise ValueError(f"{env}: a MIG slice is one device; gpu_count must be 1")
            if cache is not None:
                _check_shared_cache(cache, _most_replicas(info.data, o), f"{env}: ")
        return value

    @field_validator("cache")
    @classmethod
    def _check_cache(cls, value: Cache, info: ValidationInfo) -> Cache:
        _check_shared_cache(value, _most_replicas(info.data), "")
        return value


def _most_replicas(data: dict[str, Any], o: Overrides | None = None) -> int:
    """The most replicas a model (in one environment) can run, from already validated fields."""
    o = o or Overrides()
    autoscaling: Autoscaling | None = data.get("autoscaling")
    if autoscaling is not None:
        return o.max_replicas or autoscaling.max_replicas
    return o.replicas or data.get("replicas") or 1


def _check_shared_cache(cache: Cache, replicas: int, where: str) -> None:
    """A ReadWriteOnce volume attaches to one node, so several replicas cannot all mount it."""
    if cache.persistent is True and cache.access_mode == "ReadWriteOnce" and replicas > 1:
        raise ValueError(
            f"{where}up to {replicas} replicas cannot share a ReadWriteOnce cache PVC; "
            "set cache.access_mode: ReadWriteMany or cache.persistent: false"
        )


def _check_derived_names(namespace: str, environments: Iterable[str]) -> None:
    """``<namespace>-<environment>`` names the Namespace and the AppProject, and ``...-platform`` an
    Application whose name Argo CD also writes into a label: all must stay within 63 characters."""
    for env in environments:
        longest = f"{namespace}-{env}-platform"
        if len(longest) > 63:
            raise ValueError(
                f"namespace {namespace!r} and environment {env!r} make the name {longest!r}, longer than "
                "Kubernetes' 63 characters; shorten the namespace or the environment name"
            )


#: Model fields shared through a multi-model file's ``defaults:``; every one optional. Checked on its own
#: so that an unknown key or wrong type is reported inside ``defaults:``; constraints apply once merged.
ModelFields = create_model(
    "ModelFields",
    __base__=_StrictModelFields,
    __doc__="Model fields merged under every entry of models.",
    **{name: (f.annotation | None, Field(default=None, alias=f.alias, description=f.description))  # type: ignore[call-overload, operator]
       for name, f in ModelSpec.model_fields.items() if name not in ("name", "model", "environments")},
)


class RepoSpec(_Strict):
    """Everything a generated repository is rendered from; recorded in ``.inferops/state.json``."""

    namespace: NamespaceName = Field(default="llm", description="Namespace prefix: <namespace>-<environment>.")
    git: Git = Field(default_factory=Git)
    environments: dict[EnvName, Target] = Field(default_factory=dict, description="Targets by environment.")
    models: list[ModelSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_names(self) -> RepoSpec:
        _check_derived_names(self.namespace, self.environment_names())
        return self

    def environment_names(self) -> list[str]:
        """Every environment some model runs in, in first-seen order."""
        names: dict[str, None] = {}
        for m in self.models:
            names.update(dict.fromkeys(m.environments))
        return list(names)

    def merged(self, new: SpecFile) -> RepoSpec:
        """This spec with ``new`` added: same-named models replaced, settings the new file sets win."""
        incoming = new.to_repo()
        models = {m.name: m for m in self.models}
        models.update({m.name: m for m in incoming.models})
        explicit = new.model_fields_set
        return RepoSpec(
            namespace=incoming.namespace if "namespace" in explicit else self.namespace,
            git=incoming.git if "git" in explicit else self.git,
            environments={**self.environments, **{k: v for k, v in incoming.environments.items()
                                                  if k not in self.environments or k in new.explicit_targets()}},
            models=list(models.values()),
        )


class SingleModelFile(ModelSpec):
    """A file describing one model (the short form)."""

    namespace: NamespaceName = Field(default="llm", description="Namespace prefix: <namespace>-<environment>.")
    git: Git = Field(default_factory=Git)
    environments: Annotated[dict[EnvName, Environment], _env_shorthand(Environment)] = Field(  # type: ignore[assignment]
        default_factory=dict,
        description="Environments with overrides and targets (default dev, staging, prod).",
    )

    @field_validator("namespace")
    @classmethod
    def _check_namespace(cls, value: str, info: ValidationInfo) -> str:
        _check_derived_names(value, info.data.get("environments") or DEFAULT_ENVIRONMENTS)
        return value

    def explicit_targets(self) -> set[str]:
        return {env for env, e in self.environments.items() if e.model_fields_set & set(Target.model_fields)}

    def to_repo(self) -> RepoSpec:
        envs = self.environments or {name: Environment() for name in DEFAULT_ENVIRONMENTS}
        fields = self.model_dump(exclude={"namespace", "git", "environments"}, exclude_unset=True)
        overrides = {env: Overrides(**e.model_dump(include=set(Overrides.model_fields), exclude_unset=True))
                     for env, e in envs.items()}
        targets = {env: Target(**e.model_dump(include=set(Target.model_fields), exclude_unset=True))
                   for env, e in envs.items()}
        model = ModelSpec.model_validate({**fields, "environments": {k: v.model_dump(exclude_unset=True)
                                                                      for k, v in overrides.items()}})
        return RepoSpec(namespace=self.namespace, git=self.git, environments=targets, models=[model])


def _deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        out[key] = _deep_merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


class MultiModelFile(_Strict):
    """A file describing several models with shared ``defaults``."""

    namespace: NamespaceName = Field(default="llm", description="Namespace prefix: <namespace>-<environment>.")
    git: Git = Field(default_factory=Git)
    environments: Annotated[dict[EnvName, Target], _env_shorthand(Target)] = Field(
        default_factory=dict, description="Environment targets shared by all models (default dev, staging, prod)."
    )
    defaults: ModelFields | None = Field(  # type: ignore[valid-type]
        default=None, description="Model fields merged under every entry of models."
    )
    models: list[ModelSpec] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _apply_defaults(cls, data: Any) -> Any:
        """Merge ``defaults`` under each model. ``defaults`` is still validated as its own field, and
        its errors come first (field order), so they point into ``defaults:`` rather than into a model."""
        if not isinstance(data, dict) or not isinstance(data.get("defaults"), dict):
            return data
        if isinstance(data.get("models"), list):
            data = {**data, "models": [_deep_merge(data["defaults"], m) if isinstance(m, dict) else m
                                       for m in data["models"]]}
        return data

    @field_validator("models")
    @classmethod
    def _unique_names(cls, value: list[ModelSpec], info: ValidationInfo) -> list[ModelSpec]:
        seen: set[str] = set()
        for m in value:
            if m.name in seen:
                raise ValueError(f"model name {m.name!r} is used twice")
            seen.add(m.name)
        defaults = info.data.get("environments") or DEFAULT_ENVIRONMENTS
        _check_derived_names(info.data.get("namespace", "llm"), dict.fromkeys(e for m in value for e in m.environments or defaults))
        return value

    def explicit_targets(self) -> set[str]:
        return {env for env, t in self.environments.items() if t.model_fields_set}

    def to_repo(self) -> RepoSpec:
        default_envs = list(self.environments) or list(DEFAULT_ENVIRONMENTS)
        models = [m if m.environments else m.model_copy(update={"environments": {e: Overrides() for e in default_envs}})
                  for m in self.models]
        return RepoSpec(namespace=self.namespace, git=self.git, environments=dict(self.environments), models=models)


SpecFile = SingleModelFile | MultiModelFile


def load_spec(path: Path) -> SpecFile:
    """Load and validate a spec file; every error names the file and line."""
    from inferops.configfile import load_yaml, validate_document

    root = load_yaml(path)
    cls: type[SingleModelFile] | type[MultiModelFile] = (
        MultiModelFile if isinstance(root, dict) and "models" in root else SingleModelFile
    )
    from inferops.generator.sizing import resolve

    return resolve(validate_document(root, cls, path, hint=SPEC_HINT), path, root)


def spec_json_schema() -> dict[str, Any]:
    """JSON Schema of a spec file (either shape), as exported to ``schemas/model-spec.schema.json``."""
    from pydantic import TypeAdapter

    schema = TypeAdapter(SpecFile).json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/inferops/inferops/schemas/model-spec.schema.json",
        "title": "inferops model spec",
        "description": "One model (fields at the top level) or several (models: [...] with optional defaults:).",
        **schema,
    }
