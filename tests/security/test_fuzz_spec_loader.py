"""The spec loader (`inferops new <spec>`, `inferops add <spec>`) takes any file: whatever it holds, the answer
is a spec or one error line naming the file, never an exception. Random text, random bytes, and random
documents built from the spec's own keys (so that pydantic's validators, the defaults merge and the
conversion to a repository spec all run on odd values), black-box through `load_spec`."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from fuzzing import fuzz_settings, yaml_like_text
from inferops.errors import InferopsError
from inferops.generator.spec import MultiModelFile, SingleModelFile, load_spec

KEYS = ["name", "model", "runtime", "gpu", "count", "product", "mig_profile", "tolerate_taint", "image",
        "replicas", "autoscaling", "engine", "min_replicas", "max_replicas", "queue_depth", "prometheus_url",
        "resources", "cpu", "memory", "shm_size", "cache", "size", "persistent", "storage_class", "access_mode",
        "hf_token", "secret", "key", "team", "owner", "args", "service_monitor", "startup_minutes",
        "environments", "dev", "staging", "prod", "namespace", "cluster", "revision", "gpu_count", "git",
        "repo_url", "release", "models", "defaults"]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**20), max_value=10**20), st.floats(allow_nan=True),
    st.sampled_from(["llama", "org/model", "vllm", "tgi", "keda", "hpa", "3g.40gb", "NVIDIA-A100-SXM4-80GB",
                     "32Gi", "500m", "https://github.com/o/r.git", "main", "v1.0.0", "ReadWriteMany", "dev",
                     "docker.io/vllm/vllm-openai:v0.11.0", "llama\n", "", " ", "../x", "a" * 300]),
    st.text(max_size=20),
)
DOCUMENTS = st.recursive(
    st.dictionaries(st.sampled_from(KEYS), SCALARS, max_size=6),
    lambda children: st.one_of(st.lists(children, max_size=3),
                               st.dictionaries(st.sampled_from(KEYS), children, max_size=6)),
    max_leaves=30,
)


def outcome(data: bytes) -> None:
    """Load ``data`` as a spec file: a spec (convertible to a repository spec) or one error line."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "spec.yaml"
        path.write_bytes(data)
        try:
            spec = load_spec(path)
            assert isinstance(spec, SingleModelFile | MultiModelFile)
            spec.to_repo()
        except InferopsError as err:
            message = str(err)
            assert message.startswith(f"{path}:") and "\n" not in message and "\r" not in message, message


@fuzz_settings(max_examples=200)
@given(text=yaml_like_text())
def test_any_yaml_like_text_is_a_spec_or_one_error_line(text: str) -> None:
    outcome(text.encode("utf-8", "surrogatepass"))


@fuzz_settings(max_examples=50)
@given(data=st.binary(max_size=200))
def test_any_bytes_are_a_spec_or_one_error_line(data: bytes) -> None:
    outcome(data)


@fuzz_settings(max_examples=300)
@given(doc=DOCUMENTS, base=st.sampled_from([{}, {"name": "llama", "model": "org/llama"},
                                            {"models": [{"name": "a", "model": "o/a"}]}]))
def test_any_document_of_spec_keys_is_a_spec_or_one_error_line(doc: Any, base: dict[str, Any]) -> None:
    merged = {**base, **doc} if isinstance(doc, dict) else doc
    outcome(json.dumps(merged, allow_nan=True).encode())  # JSON is YAML, with NaN written as NaN
