"""The model and GPU tables hold together: invariants of transformers and GPUs that a typo in a row breaks.

They do not restate the tables (the values are checked against their sources in the comments of
inferops/facts/models.py and gpus.py); they catch a row whose numbers cannot all be true at once.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from inferops.facts import gpus, models
from inferops.facts.gpus import gpu_model, mig_profile_memory_mib
from inferops.facts.models import MODELS, ModelFacts, canonical_name, lookup
from inferops.facts.sizing import MIN_CONTEXT

ROWS = sorted(MODELS.values(), key=lambda f: f.name)
GPUS = [(nominal_gb, model) for family in gpus._FAMILIES.values() for nominal_gb, model in family.items()]
HF_CONFIG = re.compile(r"https://huggingface\.co/([\w.-]+/[\w.-]+)/blob/main/config\.json")


@pytest.mark.parametrize("row", ROWS, ids=lambda f: f.name)
def test_every_row_names_the_config_json_it_was_read_from_and_that_model_finds_the_row(row: ModelFacts) -> None:
    source = HF_CONFIG.fullmatch(row.source)
    assert source, row.source
    assert canonical_name(row.name) == row.name and lookup(source.group(1)) is row


@pytest.mark.parametrize("row", ROWS, ids=lambda f: f.name)
def test_every_key_value_head_serves_a_whole_number_of_query_heads(row: ModelFacts) -> None:
    assert 0 < row.kv_heads <= row.heads and row.heads % row.kv_heads == 0
    if row.mla_dim:  # multi-head latent attention configs report as many KV heads as query heads
        assert row.kv_heads == row.heads


@pytest.mark.parametrize("row", ROWS, ids=lambda f: f.name)
def test_head_sizes_are_ones_vllm_attention_kernels_run(row: ModelFacts) -> None:
    # vLLM's FlashAttention, Triton and FlexAttention backends: get_supported_head_sizes() = 32, 64, ..., 256
    assert row.head_dim % 32 == 0 and 32 <= row.head_dim <= 256


@pytest.mark.parametrize("row", ROWS, ids=lambda f: f.name)
def test_shapes_are_positive_and_every_model_serves_the_least_context_the_generator_accepts(row: ModelFacts) -> None:
    assert row.layers > 0 and row.params_b > 0 and row.max_context >= MIN_CONTEXT
    assert row.bytes_per_param in (0.5, 1.0, 2.0)


@pytest.mark.parametrize("row", ROWS, ids=lambda f: f.name)
def test_a_sliding_window_is_shorter_than_the_context_and_leaves_some_layers_global(row: ModelFacts) -> None:
    if row.window or row.full_layers:
        assert 0 < row.window < row.max_context and 0 < row.full_layers < row.layers
        all_global = replace(row, window=0, full_layers=0).kv_bytes(row.max_context, 1)
        assert row.full_layers / row.layers * all_global < row.kv_bytes(row.max_context, 1) < all_global


@pytest.mark.parametrize("row", [r for r in ROWS if r.checkpoint_gb is not None], ids=lambda f: f.name)
def test_a_stated_checkpoint_holds_each_parameter_in_four_to_sixteen_bits(row: ModelFacts) -> None:
    assert row.checkpoint_gb is not None and row.params_b * 0.5 <= row.checkpoint_gb <= row.params_b * 2


def test_every_alias_names_a_row() -> None:
    assert set(models._ALIASES.values()) <= set(MODELS) and not set(models._ALIASES) & set(MODELS)


@pytest.mark.parametrize(("nominal_gb", "gpu"), GPUS, ids=lambda g: getattr(g, "name", str(g)))
def test_a_gpu_reports_a_little_less_memory_than_its_name_says(nominal_gb: int, gpu: gpus.GpuModel) -> None:
    # the driver keeps some for itself: an L4 ("24GB") reports 23034 MiB, an H100 80GB 81559 MiB
    assert 0.9 * nominal_gb * 1024 <= gpu.memory_mib <= nominal_gb * 1024
    assert gpu.gpus_per_node is None or 1 <= gpu.gpus_per_node <= 16


@pytest.mark.parametrize(("nominal_gb", "gpu"), [g for g in GPUS if g[1].mig_profiles],
                         ids=lambda g: getattr(g, "name", str(g)))
def test_mig_profiles_split_seven_compute_slices_and_no_more_memory_than_the_gpu_has(nominal_gb: int,
                                                                                      gpu: gpus.GpuModel) -> None:
    for profile in gpu.mig_profiles:
        slices = int(profile.split("g.")[0])
        assert slices in (1, 2, 3, 4, 7) and mig_profile_memory_mib(profile) <= nominal_gb * 1024
    whole = max(gpu.mig_profiles, key=mig_profile_memory_mib)
    assert mig_profile_memory_mib(whole) == nominal_gb * 1024, whole  # the largest profile is the whole GPU


@pytest.mark.parametrize(("prefix", "product"), gpus._INSTANCE_TYPES)
def test_every_cloud_instance_type_prefix_names_a_gpu_the_table_knows(prefix: str, product: str) -> None:
    by_instance = gpu_model(prefix + "48xlarge")
    assert by_instance is not None and by_instance == gpu_model(product) and by_instance.gpus_per_node
