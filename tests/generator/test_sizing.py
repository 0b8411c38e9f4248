"""GPUs, context and cache are sized from the model table and the GPU product; sizes that vLLM or the
scheduler would reject are refused with the spec's file and line, and nothing is written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import SPECS, run_cli
from inferops.facts.hub import facts_from_file
from inferops.facts.models import lookup

CONFIGS = Path(__file__).resolve().parent / "configs"
SEVENTY_B = """\
name: llama-70b
model: meta-llama/Llama-3.3-70B-Instruct
gpu:
  product: {product}
  {count}
"""


def _deployment(repo: Path, model: str) -> dict:
    return yaml.safe_load((repo / "apps" / model / "base" / "deployment.yaml").read_text())


def _args(repo: Path, model: str) -> list[str]:
    return _deployment(repo, model)["spec"]["template"]["spec"]["containers"][0]["args"]


def test_a_70b_model_without_count_gets_the_fewest_gpus_that_hold_it(tmp_path: Path, capsys) -> None:
    out = tmp_path / "repo"
    code, _, err = run_cli(capsys, "new", str(SPECS / "sized-70b.yaml"), "-o", str(out), "--no-git")
    assert code == 0, err
    d = _deployment(out, "llama-70b")
    c = d["spec"]["template"]["spec"]["containers"][0]
    assert c["args"][:3] == ["meta-llama/Llama-3.3-70B-Instruct", "--tensor-parallel-size=4", "--max-model-len=131072"]
    assert c["resources"]["limits"]["nvidia.com/gpu"] == "4"
    assert {e["name"]: e.get("value") for e in c["env"]}["USER"] == "vllm"
    volumes = {v["name"]: v for v in d["spec"]["template"]["spec"]["volumes"]}
    assert volumes["cache"]["emptyDir"]["sizeLimit"] == "170Gi"  # 131.5 GiB of weights × 1.2 + 10, rounded up
    assert c["resources"]["requests"]["ephemeral-storage"] == "174Gi"  # the cache plus the 4Gi /tmp
    readme = (out / "README.md").read_text()
    assert "4 GPU(s), the fewest that hold the weights and a 131072-token KV cache on NVIDIA-H100-80GB-HBM3" in readme
    code, report, _ = run_cli(capsys, "validate", str(out), "--format", "json")
    assert code == 0 and json.loads(report)["findings"] == []


@pytest.mark.parametrize(("product", "count", "expected"), [
    ("NVIDIA-L4", 1, "meta-llama/Llama-3.3-70B-Instruct on 1 × NVIDIA-L4: its weights do not fit (70.6B parameters ≈ 131.5 GiB of weights over 1 GPU(s) = "
     "131.5 GiB per GPU + 1 GiB reserve, of 0.9 × 22.5 GiB = 20.2 GiB usable); the smallest count that works is 8"),
    ("NVIDIA-H100-80GB-HBM3", 6, "6 GPUs do not divide the 64 attention heads (8 KV heads) of "
     "meta-llama/Llama-3.3-70B-Instruct; vLLM and TGI refuse it; the smallest count that works is 2"),
    ("NVIDIA-H100-80GB-HBM3", 16, "16 GPUs per pod is more than one NVIDIA-H100-80GB-HBM3 node holds "
     "(8); the pod would stay Pending. Serving across nodes needs a LeaderWorkerSet (not generated yet)"),
])
def test_a_count_that_cannot_work_is_refused_and_nothing_is_written(tmp_path: Path, write_spec, capsys, product: str,
                                                                    count: int, expected: str) -> None:
    spec = write_spec(SEVENTY_B.format(product=product, count=f"count: {count}"))
    out = tmp_path / "repo"
    code, _, err = run_cli(capsys, "new", str(spec), "-o", str(out))
    assert code == 2 and not out.exists()
    assert err == f"inferops: error: {spec}:5: {expected}\n"


def test_an_environment_gpu_count_is_checked_at_its_line(tmp_path: Path, write_spec, capsys) -> None:
    spec = write_spec(SEVENTY_B.format(product="NVIDIA-H100-80GB-HBM3", count="") +
                      "environments:\n  dev: {}\n  prod: {gpu_count: 6}\n")
    code, _, err = run_cli(capsys, "new", str(spec), "-o", str(tmp_path / "repo"))
    assert code == 2 and f"{spec}:8: 6 GPUs do not divide the 64 attention heads" in err


def test_a_context_is_kept_to_what_fits(tmp_path: Path, write_spec, capsys) -> None:
    spec = write_spec("name: llama-8b\nmodel: meta-llama/Llama-3.1-8B-Instruct\ngpu: {count: 1, product: NVIDIA-L4}\n")
    out = tmp_path / "repo"
    assert run_cli(capsys, "new", str(spec), "-o", str(out), "--no-git")[0] == 0
    assert _args(out, "llama-8b")[2] == "--max-model-len=35072"  # not the model's 131072: its KV cache would not fit
    too_long = write_spec("name: llama-8b\nmodel: meta-llama/Llama-3.1-8B-Instruct\nmax_model_len: 200000\n")
    code, _, err = run_cli(capsys, "new", str(too_long), "-o", str(tmp_path / "other"))
    assert code == 2 and f"{too_long}:3: context 200000 is longer than" in err


def test_a_cache_smaller_than_the_weights_is_refused(tmp_path: Path, write_spec, capsys) -> None:
    spec = write_spec(SEVENTY_B.format(product="NVIDIA-H100-80GB-HBM3", count="") + "cache: {size: 50Gi}\n")
    code, _, err = run_cli(capsys, "new", str(spec), "-o", str(tmp_path / "repo"))
    assert code == 2 and f"{spec}:6: cache.size 50Gi is smaller than the 131.5 GiB" in err


def test_a_large_cache_on_one_replica_defaults_to_a_volume_claim(tmp_path: Path, write_spec, capsys) -> None:
    spec = write_spec("name: qwen-235b\nmodel: Qwen/Qwen3-235B-A22B\ngpu: {product: NVIDIA-H200}\n")
    out = tmp_path / "repo"
    code, _, err = run_cli(capsys, "new", str(spec), "-o", str(out), "--no-git")
    assert code == 0, err
    claim = yaml.safe_load((out / "apps/qwen-235b/base/persistentvolumeclaim.yaml").read_text())
    assert claim["spec"]["resources"]["requests"]["storage"] == "540Gi"
    assert _args(out, "qwen-235b")[1] == "--tensor-parallel-size=4"


def test_tgi_gets_token_limits_and_an_image_that_starts_as_non_root(tmp_path: Path, capsys) -> None:
    out = tmp_path / "repo"
    assert run_cli(capsys, "new", str(SPECS / "tgi.yaml"), "-o", str(out), "--no-git")[0] == 0
    c = _deployment(out, "mistral-7b")["spec"]["template"]["spec"]["containers"][0]
    assert c["image"] == "ghcr.io/huggingface/text-generation-inference:3.1.0"
    assert c["args"][:4] == ["--model-id=mistralai/Mistral-7B-Instruct-v0.3", "--num-shard=2",
                             "--max-input-tokens=32767", "--max-total-tokens=32768"]


def test_model_config_sizes_a_model_the_table_does_not_know(tmp_path: Path, write_spec, capsys) -> None:
    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / "config.json").write_text((CONFIGS / "acme-13b.json").read_text())
    spec = write_spec("name: acme\nmodel: acme/acme-13b-chat\nmodel_config: acme/config.json\n"
                      "gpu: {product: NVIDIA-L4}\n")
    out = tmp_path / "repo"
    code, _, err = run_cli(capsys, "new", str(spec), "-o", str(out), "--no-git")
    assert code == 0, err
    assert _args(out, "acme")[1:3] == ["--tensor-parallel-size=2", "--max-model-len=16384"]
    state = json.loads((out / ".inferops/state.json").read_text())
    assert state["spec"]["models"][0]["model_shape"]["heads"] == 40  # recorded: `add` needs no config file


@pytest.mark.parametrize(("text", "message"), [
    ("{not json", "is not JSON"), ("[1, 2]", "is not a JSON object"), ('{"hidden_size": 10}', "needs num_hidden_layers"),
])
def test_a_bad_model_config_is_one_line(tmp_path: Path, write_spec, capsys, text: str, message: str) -> None:
    (tmp_path / "config.json").write_text(text)
    spec = write_spec("name: acme\nmodel: acme/acme-13b\nmodel_config: config.json\n")
    code, _, err = run_cli(capsys, "new", str(spec), "-o", str(tmp_path / "repo"))
    assert code == 2 and err.startswith(f"inferops: error: {spec}:3: model_config: ") and message in err


def test_unknown_models_come_from_the_hub_cache_when_offline(tmp_path: Path, write_spec) -> None:
    """The real huggingface_hub, offline (HF_HUB_OFFLINE=1), reading its cache: no network is touched."""
    pytest.importorskip("huggingface_hub")
    snapshot = tmp_path / "hub" / "models--acme--acme-13b-chat" / "snapshots" / ("0" * 40)
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text((CONFIGS / "acme-13b.json").read_text())
    (snapshot.parents[1] / "refs").mkdir()
    (snapshot.parents[1] / "refs" / "main").write_text("0" * 40)
    spec = write_spec("name: acme\nmodel: acme/acme-13b-chat\ngpu: {product: NVIDIA-L4}\n")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(tmp_path / "hub")}
    done = subprocess.run([sys.executable, "-m", "inferops", "new", str(spec), "-o", str(tmp_path / "repo"), "--no-git"],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert _args(tmp_path / "repo", "acme")[1:3] == ["--tensor-parallel-size=2", "--max-model-len=16384"]
    env["HF_HUB_CACHE"] = str(tmp_path / "empty")  # not cached and offline: an unknown model, one GPU
    done = subprocess.run([sys.executable, "-m", "inferops", "new", str(spec), "-o", str(tmp_path / "other"),
                           "--no-git"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert _args(tmp_path / "other", "acme")[1] == "--tensor-parallel-size=1"


def test_saved_configs_agree_with_the_model_table() -> None:
    for name, model in (("llama-3.3-70b", "meta-llama/Llama-3.3-70B-Instruct"), ("gemma-3-27b", "google/gemma-3-27b-it")):
        from_config, row = facts_from_file(CONFIGS / f"{name}.json", model), lookup(model)
        assert row is not None
        assert (from_config.layers, from_config.heads, from_config.kv_heads, from_config.head_dim,
                from_config.max_context, from_config.window, from_config.full_layers) == (
            row.layers, row.heads, row.kv_heads, row.head_dim, row.max_context, row.window, row.full_layers)
    deepseek = facts_from_file(CONFIGS / "deepseek-v3.json", "deepseek-ai/DeepSeek-V3")
    assert (deepseek.mla_dim, deepseek.bytes_per_param) == (576, 1.0)


@pytest.mark.parametrize(("model", "name", "bytes_per_param"), [
    ("meta-llama/Meta-Llama-3.1-70B-Instruct", "llama-3.1-70b", 2.0),
    ("hugging-quants/Meta-Llama-3.1-70B-Instruct-AWQ-INT4", "llama-3.1-70b", 0.5),
    ("RedHatAI/Meta-Llama-3.1-8B-Instruct-FP8", "llama-3.1-8b", 1.0),
    ("Qwen/Qwen2.5-72B-Instruct-AWQ", "qwen2.5-72b", 0.5),
    ("mistralai/Mixtral-8x7B-Instruct-v0.1", "mixtral-8x7b-v0.1", 2.0),
    ("deepseek-ai/DeepSeek-R1-Distill-Llama-70B", "deepseek-r1-distill-llama-70b", 2.0),
    ("ibm-granite/granite-3.3-8b-instruct", "granite-3.3-8b", 2.0),
])
def test_builds_of_a_model_share_its_row(model: str, name: str, bytes_per_param: float) -> None:
    facts = lookup(model)
    assert facts is not None and (facts.name, facts.bytes_per_param) == (name, bytes_per_param)
    assert facts.source.startswith("https://huggingface.co/") and facts.source.endswith("/config.json")


def test_new_refuses_what_validate_would_reject_naming_the_spec_line(tmp_path: Path, write_spec, capsys) -> None:
    """TGI 3.3.3 cannot start as non-root; the rule that says so runs on the rendered dev overlay."""
    text = (SPECS / "tgi.yaml").read_text().replace("text-generation-inference:3.0.2", "text-generation-inference:3.3.3")
    spec = write_spec(text)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "3.3.3" in row)
    out = tmp_path / "repo"
    code, _, err = run_cli(capsys, "new", str(spec), "-o", str(out))
    assert code == 2 and not out.exists() and err.count("\n") == 1
    assert err.startswith(f"inferops: error: {spec}:{line}: the generated repository would fail `inferops validate`, "
                          "nothing was written: apps/mistral-7b/overlays/dev/kustomization.yaml:")  # its images: entry
    assert "[runtime-root-only-image] container server runs text-generation-inference:3.3.3 as uid 1000" in err


def test_add_refuses_what_validate_would_reject_and_changes_nothing(tmp_path: Path, write_spec, capsys) -> None:
    out = tmp_path / "repo"
    assert run_cli(capsys, "new", str(SPECS / "one-gpu.yaml"), "-o", str(out), "--no-git")[0] == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    spec = write_spec("name: tgi\nmodel: mistralai/Mistral-7B-Instruct-v0.3\nruntime: tgi\n"
                      "image: ghcr.io/huggingface/text-generation-inference:3.3.4\n")
    code, _, err = run_cli(capsys, "add", str(spec), "--repo", str(out))
    assert code == 2 and err.startswith(f"inferops: error: {spec}:4: the generated repository would fail")
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_a_model_larger_than_its_mig_slice_is_refused(tmp_path: Path, write_spec, capsys) -> None:
    spec = write_spec("name: l70\nmodel: meta-llama/Llama-3.3-70B-Instruct\n"
                      "gpu: {product: NVIDIA-A100-SXM4-80GB, mig_profile: 3g.40gb}\n")
    code, _, err = run_cli(capsys, "new", str(spec), "-o", str(tmp_path / "repo"))
    assert code == 2 and f"{spec}:2: meta-llama/Llama-3.3-70B-Instruct does not fit one NVIDIA-A100-SXM4-80GB MIG " \
        "3g.40gb slice" in err and "pick a larger MIG profile" in err
