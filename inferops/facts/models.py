"""Shapes of the open models people serve most, and the GPU memory their weights and KV cache take.

Each row is read from the model's ``config.json`` on the Hugging Face Hub (the row's ``source``):
``num_hidden_layers`` (layers), ``num_attention_heads`` (heads), ``num_key_value_heads`` (KV heads),
``head_dim`` (or ``hidden_size / num_attention_heads``), ``max_position_embeddings`` (context) and
``torch_dtype``; the parameter count is the one the model card or the Hub's safetensors metadata states.
The Hub itself cannot be read where this table is maintained, so the comment above each family names the
copies the values were checked against (a repository and path at the commit read, or a page), and says
"not verified here" for what no readable copy confirmed. Parameter counts were also recomputed from the
shapes those copies give (embeddings + attention + MLP per layer, as :func:`inferops.facts.hub.estimate_params`
does) and agree with the row to the digits shown.
DeepSeek-V3/R1 use multi-head latent attention: their KV cache per token and layer is ``kv_lora_rank +
qk_rope_head_dim`` (512 + 64) values, the same on every tensor-parallel rank. gpt-oss ships MXFP4 expert
weights, so its size is the checkpoint's (model card: "gpt-oss-120b ... fits into a single 80GB GPU",
"gpt-oss-20b ... within 16GB of memory"), not parameters × 2.

Memory arithmetic (gpu-serving-facts.md #19): weights = parameters × bytes per parameter (bf16/fp16 2,
fp8/int8 1, 4-bit 0.5); KV cache per token = 2 (K and V) × layers × KV heads per GPU × head size × bytes.
With tensor parallelism each GPU holds ``KV heads / TP`` heads, or one replicated head when there are fewer
KV heads than GPUs (vLLM ``QKVParallelLinear``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

GIB = 2**30
_HF = "https://huggingface.co/{}/blob/main/config.json"


@dataclass(frozen=True, slots=True)
class ModelFacts:
    """What sizing needs to know about a model."""

    name: str  # canonical key, e.g. llama-3.1-70b
    params_b: float  # parameters, billions
    layers: int
    heads: int  # attention (query) heads: the tensor-parallel size must divide them
    kv_heads: int
    head_dim: int
    max_context: int  # max_position_embeddings
    bytes_per_param: float = 2.0  # from torch_dtype / quantisation
    source: str = ""
    #: Multi-head latent attention: cached values per token and layer (not split across GPUs); 0 = not MLA.
    mla_dim: int = 0
    #: Checkpoint size (GB) when the weights are not parameters × one dtype (gpt-oss MXFP4).
    checkpoint_gb: float | None = None
    #: Sliding-window attention: tokens a windowed layer keeps, and how many layers attend to the full context
    #: (the others keep at most ``window`` tokens in vLLM's hybrid KV cache manager). 0 = no sliding window.
    window: int = 0
    full_layers: int = 0

    def weights_bytes(self) -> float:
        if self.checkpoint_gb is not None:
            return self.checkpoint_gb * 1e9
        return self.params_b * 1e9 * self.bytes_per_param

    def loaded_as(self, bytes_per_param: float) -> ModelFacts:
        """The model loaded at another precision (a quantised build or ``--quantization``); the checkpoint
        size no longer applies then."""
        if bytes_per_param == self.bytes_per_param:
            return self
        return replace(self, bytes_per_param=bytes_per_param, checkpoint_gb=None)

    def _per_layer_token(self, tp: int, kv_cache_bytes: float) -> float:
        if self.mla_dim:
            return self.mla_dim * kv_cache_bytes
        heads_per_gpu = max(1, self.kv_heads // tp) if tp > 0 else self.kv_heads
        return 2 * heads_per_gpu * self.head_dim * kv_cache_bytes

    def kv_bytes(self, context: int, tp: int, kv_cache_bytes: float = 2.0) -> float:
        """KV cache per GPU for one sequence of ``context`` tokens (windowed layers keep ``window`` tokens)."""
        per = self._per_layer_token(tp, kv_cache_bytes)
        if not self.window or context <= self.window:
            return per * self.layers * context
        return per * (self.full_layers * context + (self.layers - self.full_layers) * self.window)

    def max_tokens(self, budget: float, tp: int, kv_cache_bytes: float = 2.0) -> int:
        """The longest sequence whose KV cache fits ``budget`` bytes per GPU."""
        per = self._per_layer_token(tp, kv_cache_bytes)
        if budget <= 0:
            return 0
        if not self.window or budget <= per * self.layers * self.window:
            return int(budget // (per * self.layers))
        windowed = per * (self.layers - self.full_layers) * self.window
        return int((budget - windowed) // (per * self.full_layers)) if self.full_layers else 10**9

    def divides_heads(self, tp: int) -> bool:
        """vLLM ``ModelConfig.verify_with_parallel_config``: attention heads % TP == 0; and with fewer KV
        heads than GPUs, TP must be a multiple of the KV heads (``QKVParallelLinear`` replicates them)."""
        if self.heads % tp:
            return False
        return self.mla_dim > 0 or self.kv_heads >= tp and self.kv_heads % tp == 0 or tp % self.kv_heads == 0

    def describe_weights(self) -> str:
        return f"{self.params_b:g}B parameters ≈ {self.weights_bytes() / GIB:.1f} GiB of weights"


def _row(key: str, repo: str, params_b: float, layers: int, heads: int, kv_heads: int, head_dim: int,
         max_context: int, bytes_per_param: float = 2.0, **extra: float) -> ModelFacts:
    return ModelFacts(key, params_b, layers, heads, kv_heads, head_dim, max_context, bytes_per_param,
                      _HF.format(repo), **extra)  # type: ignore[arg-type]


#: The table. Keys are model ids without the organisation, lower-cased, with chat/instruct and quantisation
#: words removed (see :func:`canonical_name`), so base, instruct and quantised builds share a row.
MODELS: dict[str, ModelFacts] = {f.name: f for f in (
    # Meta Llama 3.x (bf16). 3.0 has an 8k context; 3.1+ 128k. Checked against: pytorch/torchtune@bd2a0fc
    # torchtune/models/llama3{,_1,_2,_3}/_model_builders.py (layers, heads, KV heads, embed_dim, max_seq_len; 3.3-70b
    # is llama3_1_70b); mlc-ai/mlc-llm@79d603f python/mlc_llm/model/model_preset.py (llama3_1_8b/70b, llama3_2_1b/3b
    # config.json copies, bf16, head_dim 64/128); kevinstephano/thunder_model_blocks@5c083b0 llama/
    # llama_3_8B_Instruct_config.py (8192); abhibambhaniya/GenZ-LLM-Analyzer@091bdd0 GenZ/Models/Model_sets/meta.py
    # (405B: 126 × 128/8, hidden 16384); tests/generator/configs/llama-3.3-70b.json. Safetensors totals (HF API
    # copies in daniel-p-green/alain-ai-learning-platform@1b33775 out/research-*/sources/huggingface/model.json):
    # Meta-Llama-3-8B and Llama-3.1-8B-Instruct 8,030,261,248; Llama-3.2-1B-Instruct 1,235,814,400; 3.2-3B
    # 3,212,749,824. Llama-3.2 card (ZHUI/paddlenlp_model_readme meta-llama/Llama-3.2-1B-Instruct/index.md):
    # 1.23B/3.21B.
    _row("llama-3-8b", "meta-llama/Meta-Llama-3-8B-Instruct", 8.03, 32, 32, 8, 128, 8192),
    _row("llama-3-70b", "meta-llama/Meta-Llama-3-70B-Instruct", 70.6, 80, 64, 8, 128, 8192),
    _row("llama-3.1-8b", "meta-llama/Llama-3.1-8B-Instruct", 8.03, 32, 32, 8, 128, 131072),
    _row("llama-3.1-70b", "meta-llama/Llama-3.1-70B-Instruct", 70.6, 80, 64, 8, 128, 131072),
    _row("llama-3.1-405b", "meta-llama/Llama-3.1-405B-Instruct", 405.9, 126, 128, 8, 128, 131072),
    _row("llama-3.2-1b", "meta-llama/Llama-3.2-1B-Instruct", 1.24, 16, 32, 8, 64, 131072),
    _row("llama-3.2-3b", "meta-llama/Llama-3.2-3B-Instruct", 3.21, 28, 24, 8, 128, 131072),
    _row("llama-3.3-70b", "meta-llama/Llama-3.3-70B-Instruct", 70.6, 80, 64, 8, 128, 131072),
    # Qwen2.5 dense (bf16, 32k native context). Checked against: ZHUI/paddlenlp_model_readme@40a7101
    # Qwen/Qwen2.5-*-Instruct/index.md (the Hub model cards: layers, Q/KV heads, parameters, and "The current
    # `config.json` is set for context length up to 32,768 tokens"); pytorch/torchtune qwen2_5/_model_builders.py
    # (qwen2_5_*_instruct: embed_dim, max_seq_len 32768); alain-ai-learning-platform out/research-qwen-qwen2-5-{1-5b,
    # 3b,7b}-instruct/sources/huggingface/config.json (verbatim) and model.json (7,615,616,512 params for 7B);
    # GenZ alibaba.py. The cards round 14.77B/32.76B down to 14.7B/32.5B; the rows keep the computed 14.8/32.8.
    _row("qwen2.5-0.5b", "Qwen/Qwen2.5-0.5B-Instruct", 0.49, 24, 14, 2, 64, 32768),
    _row("qwen2.5-1.5b", "Qwen/Qwen2.5-1.5B-Instruct", 1.54, 28, 12, 2, 128, 32768),
    _row("qwen2.5-3b", "Qwen/Qwen2.5-3B-Instruct", 3.09, 36, 16, 2, 128, 32768),
    _row("qwen2.5-7b", "Qwen/Qwen2.5-7B-Instruct", 7.62, 28, 28, 4, 128, 32768),
    _row("qwen2.5-14b", "Qwen/Qwen2.5-14B-Instruct", 14.8, 48, 40, 8, 128, 32768),
    _row("qwen2.5-32b", "Qwen/Qwen2.5-32B-Instruct", 32.8, 64, 40, 8, 128, 32768),
    _row("qwen2.5-72b", "Qwen/Qwen2.5-72B-Instruct", 72.7, 80, 64, 8, 128, 32768),
    # Qwen3 dense and mixture of experts (bf16, 40k context). Checked against: QwenLM/Qwen3@7a2f61f
    # docs/source/deployment/vllm.md ("The default `max_position_embeddings` in `config.json` is set to 40,960");
    # torchtune qwen3/_model_builders.py (qwen3_*_instruct = the hybrid Qwen/Qwen3-*: head_dim 128, 40960);
    # alain-ai-learning-platform out/research-qwen-qwen3-{0-6b,32b}/sources/huggingface/config.json (verbatim;
    # safetensors 751,632,384 and 32,762,123,264 -- 0.6B/1.7B/4B tie embeddings, the checkpoint stores lm_head);
    # GenZ alibaba.py (4B/8B/14B/32B); THUDM/slime@624b824 scripts/models/qwen3-30B-A3B.sh and qwen3-235B-A22B.sh
    # (48 layers 32/4 heads and 94 layers 64/4 heads, kv-channels 128, 128 experts).
    _row("qwen3-0.6b", "Qwen/Qwen3-0.6B", 0.75, 28, 16, 8, 128, 40960),
    _row("qwen3-1.7b", "Qwen/Qwen3-1.7B", 2.03, 28, 16, 8, 128, 40960),
    _row("qwen3-4b", "Qwen/Qwen3-4B", 4.02, 36, 32, 8, 128, 40960),
    _row("qwen3-8b", "Qwen/Qwen3-8B", 8.19, 36, 32, 8, 128, 40960),
    _row("qwen3-14b", "Qwen/Qwen3-14B", 14.8, 40, 40, 8, 128, 40960),
    _row("qwen3-32b", "Qwen/Qwen3-32B", 32.8, 64, 64, 8, 128, 40960),
    _row("qwen3-30b-a3b", "Qwen/Qwen3-30B-A3B", 30.5, 48, 32, 4, 128, 40960),
    _row("qwen3-235b-a22b", "Qwen/Qwen3-235B-A22B", 235.1, 94, 64, 4, 128, 40960),
    # Mistral and Mixtral (bf16). Checked against: mlc-llm model_preset.py (mistral_7b_v03, Mixtral-8x7B-v0.1);
    # GenZ mistral.py (Mixtral-8x22B-Instruct: 56 layers, 48/8 heads, hidden 6144, 64k; Nemo 40 layers 32/8);
    # sassoftware/sas-agentic-ai-accelerator LLM-Definitions/mistral_nemo/Model-Card.md (Nemo head dim 128);
    # xorbitsai/inference@7ecec16 doc/source/models/builtin/llm/mistral-nemo-instruct.rst (context 1024000) and
    # mixtral-8x22b-instruct-v0.1.rst (65536); OpenMOSE/RWKV-LM-RLHF main/tokenizer/mistralsmall3/params.json
    # (Mistral-Small-24B-Instruct-2501: 40 layers, 32/8 heads, head_dim 128, max_seq_len 32768) and
    # model.safetensors.index.json (47,144,806,400 bytes of bf16 = 23.6B).
    _row("mistral-7b-v0.3", "mistralai/Mistral-7B-Instruct-v0.3", 7.25, 32, 32, 8, 128, 32768),
    _row("mistral-nemo-2407", "mistralai/Mistral-Nemo-Instruct-2407", 12.2, 40, 32, 8, 128, 1024000),
    _row("mistral-small-24b-2501", "mistralai/Mistral-Small-24B-Instruct-2501", 23.6, 40, 32, 8, 128, 32768),
    _row("mixtral-8x7b-v0.1", "mistralai/Mixtral-8x7B-Instruct-v0.1", 46.7, 32, 32, 8, 128, 32768),
    _row("mixtral-8x22b-v0.1", "mistralai/Mixtral-8x22B-Instruct-v0.1", 140.6, 56, 48, 8, 128, 65536),
    # Gemma 2 and 3 (bf16). Sliding-window attention (config ``sliding_window``): Gemma 2 alternates windowed
    # and global layers; Gemma 3 has one global layer in six (``sliding_window_pattern: 6``). Checked against:
    # google/gemma_pytorch@014acb7 gemma/config.py (layers, heads, KV heads, head_dim, attn_types, window; 1b
    # 32768 and 12b/27b 131072); torchtune gemma2/_model_builders.py; mlc-llm model_preset.py (gemma2_2b/9b/27b,
    # gemma3_1b_it); xorbitsai/inference doc/source/models/builtin/llm/gemma-3-it.rst (131072 for 4b/12b/27b);
    # alain-ai-learning-platform research-google-gemma-3-1b-it model.json (999,885,952 params);
    # tests/generator/configs/gemma-3-27b.json.
    _row("gemma-2-2b", "google/gemma-2-2b-it", 2.61, 26, 8, 4, 256, 8192, window=4096, full_layers=13),
    _row("gemma-2-9b", "google/gemma-2-9b-it", 9.24, 42, 16, 8, 256, 8192, window=4096, full_layers=21),
    _row("gemma-2-27b", "google/gemma-2-27b-it", 27.2, 46, 32, 16, 128, 8192, window=4096, full_layers=23),
    _row("gemma-3-1b", "google/gemma-3-1b-it", 1.0, 26, 4, 1, 256, 32768, window=512, full_layers=4),
    _row("gemma-3-4b", "google/gemma-3-4b-it", 4.3, 34, 8, 4, 256, 131072, window=1024, full_layers=5),
    _row("gemma-3-12b", "google/gemma-3-12b-it", 12.2, 48, 16, 8, 256, 131072, window=1024, full_layers=8),
    _row("gemma-3-27b", "google/gemma-3-27b-it", 27.4, 62, 32, 16, 128, 131072, window=1024, full_layers=10),
    # Microsoft Phi-3 and Phi-4 (bf16). Checked against: torchtune phi3/_model_builders.py (phi3_mini: 32 × 32/32,
    # 3072, 4096) and phi4/_model_builders.py (phi4_14b: 40 × 40/10, 5120, 16384); GenZ microsoft.py
    # (Phi-3-mini-128k: 131072; Phi-3-medium-4k: 40 × 40/10, head_dim 128, 4096); mlc-llm model_preset.py "phi-4"
    # (a copy of Phi-4-mini-instruct: 32 × 24/8, hidden 3072, 131072); keras-team/keras-hub phi3_presets.py
    # (Phi-3-mini 3,821,079,552 params). The 4k Phi-3 configs state "sliding_window": 2047 on every layer (GenZ
    # for medium; copies of the mini config found by exact-string search); as in hub._sliding_window, a window on
    # every layer is not recorded, which sizes the cache as if all layers kept the whole (4k) context -- the safe
    # side. Phi-3-medium-128k: its card (YinanWusoymilk/hf-readme@eb4de03 training_and_application/readme_files/
    # microsoft_Phi-3-medium-128k-instruct.md: "14B parameters", "128K" context, vocabulary 32064) agrees; its
    # config.json (131072, and the shape taken as the 4k build's) is not verified here.
    _row("phi-3-mini-4k", "microsoft/Phi-3-mini-4k-instruct", 3.82, 32, 32, 32, 96, 4096),
    _row("phi-3-mini-128k", "microsoft/Phi-3-mini-128k-instruct", 3.82, 32, 32, 32, 96, 131072),
    _row("phi-3-medium-4k", "microsoft/Phi-3-medium-4k-instruct", 14.0, 40, 40, 10, 128, 4096),
    _row("phi-3-medium-128k", "microsoft/Phi-3-medium-128k-instruct", 14.0, 40, 40, 10, 128, 131072),
    _row("phi-4", "microsoft/phi-4", 14.7, 40, 40, 10, 128, 16384),
    _row("phi-4-mini", "microsoft/Phi-4-mini-instruct", 3.84, 32, 24, 8, 128, 131072),
    # DeepSeek-V3 / R1: fp8 weights, multi-head latent attention; R1 distills are Qwen2.5 / Llama 3 shapes.
    # Checked against: deepseek-ai/DeepSeek-V3@9b4e978 inference/configs/config_671B.json (61 layers, 128 heads,
    # kv_lora_rank 512 + qk_rope_head_dim 64, dtype fp8) and README.md ("685B, which includes 671B of the Main
    # Model weights and 14B of the Multi-Token Prediction (MTP) Module"); xorbitsai/inference deepseek-v3.rst and
    # deepseek-r1.rst (163840); deepseek-ai/DeepSeek-R1@0cf7856 README.md (distill base models: Qwen2.5-Math-1.5B/7B,
    # Qwen2.5-14B/32B, Llama-3.1-8B, Llama-3.3-70B-Instruct); xorbitsai/inference deepseek-r1-distill-{qwen,llama}.rst
    # (131072); alain-ai-learning-platform research-deepseek-ai-deepseek-r1-distill-{qwen-32b,llama-8b} config.json
    # (verbatim; 131072) and model.json (32,763,876,352 and 8,030,261,248 params). The 1.5B/7B/14B/70B distill
    # shapes are their base models' (rows above); their configs themselves were not read here.
    _row("deepseek-v3", "deepseek-ai/DeepSeek-V3", 685, 61, 128, 128, 128, 163840, 1.0, mla_dim=576),
    _row("deepseek-r1", "deepseek-ai/DeepSeek-R1", 685, 61, 128, 128, 128, 163840, 1.0, mla_dim=576),
    _row("deepseek-r1-distill-qwen-1.5b", "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B", 1.78, 28, 12, 2, 128, 131072),
    _row("deepseek-r1-distill-qwen-7b", "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", 7.62, 28, 28, 4, 128, 131072),
    _row("deepseek-r1-distill-qwen-14b", "deepseek-ai/DeepSeek-R1-Distill-Qwen-14B", 14.8, 48, 40, 8, 128, 131072),
    _row("deepseek-r1-distill-qwen-32b", "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B", 32.8, 64, 40, 8, 128, 131072),
    _row("deepseek-r1-distill-llama-8b", "deepseek-ai/DeepSeek-R1-Distill-Llama-8B", 8.03, 32, 32, 8, 128, 131072),
    _row("deepseek-r1-distill-llama-70b", "deepseek-ai/DeepSeek-R1-Distill-Llama-70B", 70.6, 80, 64, 8, 128, 131072),
    # OpenAI gpt-oss: MXFP4 experts, bf16 attention; sized by checkpoint. Alternating 128-token windowed layers.
    # Checked against: alain-ai-learning-platform research-openai-gpt-oss-{20b,120b}/sources/huggingface/config.json
    # (verbatim: 24/36 layers, 64/8 heads, head_dim 64, sliding_window 128, layer_types 12+12 / 18+18, 131072,
    # mxfp4) and model.json (bf16 tensors 1,804,459,584 / 2,167,371,072); openai/gpt-oss@7b58334 README.md (21B and
    # 117B parameters) and gpt_oss/torch/model.py (window on even layers). Checkpoint size recomputed from the
    # config: bf16 tensors × 2 bytes + per expert matrix out × in / 2 bytes of FP4 blocks + out × in / 32 bytes of
    # scales = 13.8 GB / 65.3 GB.
    _row("gpt-oss-20b", "openai/gpt-oss-20b", 20.9, 24, 64, 8, 64, 131072, 0.5, checkpoint_gb=13.8, window=128, full_layers=12),
    _row("gpt-oss-120b", "openai/gpt-oss-120b", 116.8, 36, 64, 8, 64, 131072, 0.5, checkpoint_gb=65.3, window=128, full_layers=18),
    # IBM Granite 3.x (bf16). Partly verified: https://www.fitmyllm.com/model/granite-3.1-2b (40 layers, 8 KV heads,
    # head dim 64, 128K); https://aiportalx.com/ibm/granite-3.1-8b (8.1B parameters); IBM/gguf
    # resources/ollama/granite3.3/README.md (3.3 2B and 8B are 128K-context models). The 8B shapes and the 3.3
    # rows' layers/heads are not verified here.
    _row("granite-3.1-2b", "ibm-granite/granite-3.1-2b-instruct", 2.53, 40, 32, 8, 64, 131072),
    _row("granite-3.1-8b", "ibm-granite/granite-3.1-8b-instruct", 8.17, 40, 32, 8, 128, 131072),
    _row("granite-3.3-2b", "ibm-granite/granite-3.3-2b-instruct", 2.53, 40, 32, 8, 64, 131072),
    _row("granite-3.3-8b", "ibm-granite/granite-3.3-8b-instruct", 8.17, 40, 32, 8, 128, 131072),
)}

#: Other spellings of a table key (after canonicalisation).
_ALIASES = {
    "deepseek-v3-0324": "deepseek-v3", "deepseek-r1-0528": "deepseek-r1", "mistral-7b": "mistral-7b-v0.3",
    "mixtral-8x7b": "mixtral-8x7b-v0.1", "mixtral-8x22b": "mixtral-8x22b-v0.1", "mistral-nemo": "mistral-nemo-2407",
    "mistral-small-24b": "mistral-small-24b-2501", "phi-3-mini": "phi-3-mini-4k",
}

#: Words that name a build of a model, not a different model: chat tuning and quantisation formats.
_BUILD_WORDS = frozenset({
    "instruct", "it", "chat", "hf", "awq", "gptq", "int4", "int8", "fp8", "dynamic", "w4a16", "w8a8", "w8a16",
    "bnb", "4bit", "8bit", "nf4", "quantized", "marlin", "gguf", "mlx",
})

# --- bytes per parameter ------------------------------------------------------------------------------

#: Bytes per parameter by --dtype (vLLM) / DTYPE (TGI).
DTYPE_BYTES = {"float32": 4.0, "float": 4.0, "float16": 2.0, "half": 2.0, "bfloat16": 2.0, "bf16": 2.0,
               "fp16": 2.0}
#: Bytes per parameter by quantization method (vLLM --quantization, TGI --quantize).
QUANT_BYTES = {
    "awq": 0.5, "awq_marlin": 0.5, "gptq": 0.5, "gptq_marlin": 0.5, "marlin": 0.5, "exl2": 0.5,
    "bitsandbytes": 0.5, "bitsandbytes-nf4": 0.5, "bitsandbytes-fp4": 0.5, "mxfp4": 0.5, "nvfp4": 0.5,
    "modelopt_fp4": 0.5, "fp8": 1.0, "fbgemm_fp8": 1.0, "modelopt": 1.0, "eetq": 1.0, "int8": 1.0,
}
#: TGI's plain ``bitsandbytes`` is 8-bit (vLLM's loads 4-bit by default).
TGI_QUANT_BYTES = {**QUANT_BYTES, "bitsandbytes": 1.0}
#: Hints in a model id, checked in order (e.g. ``-AWQ``, ``-FP8``, ``w4a16``, ``-bnb-4bit``).
_NAME_HINTS = (
    (re.compile(r"awq|gptq|int4|4bit|w4a16|nf4|mxfp4|nvfp4"), 0.5),
    (re.compile(r"fp8|int8|8bit|w8a8|w8a16"), 1.0),
)
#: --kv-cache-dtype values (vLLM) and their bytes; ``auto`` follows the model's dtype (2 bytes).
KV_CACHE_BYTES = {"auto": 2.0, "fp8": 1.0, "fp8_e4m3": 1.0, "fp8_e5m2": 1.0, "bfloat16": 2.0, "float16": 2.0}


def name_hint_bytes(model_id: str) -> float | None:
    """Bytes per parameter a quantised model id states (``-AWQ`` 0.5, ``-FP8`` 1), else ``None``."""
    lowered = model_id.lower()
    return next((size for pattern, size in _NAME_HINTS if pattern.search(lowered)), None)


def canonical_name(model_id: str) -> str:
    """``meta-llama/Meta-Llama-3.1-70B-Instruct-AWQ-INT4`` -> ``llama-3.1-70b``."""
    base = model_id.strip().rstrip("/").rsplit("/", 1)[-1].lower()
    base = re.sub(r"^meta-llama-", "llama-", base)
    words = [w for w in re.split(r"[-_]", base) if w and w not in _BUILD_WORDS]
    return "-".join(words)


def lookup(model_id: str) -> ModelFacts | None:
    """The table row for a model id (any organisation, base/instruct/quantised build), or ``None``."""
    name = canonical_name(model_id)
    facts = MODELS.get(_ALIASES.get(name, name))
    if facts is None:
        return None
    hinted = name_hint_bytes(model_id)
    return facts.loaded_as(hinted) if hinted is not None and hinted < facts.bytes_per_param else facts


def with_quantization(facts: ModelFacts, bytes_per_param: float | None) -> ModelFacts:
    """``facts`` loaded with another weight format (``--quantization``); ``None`` keeps it."""
    return facts if bytes_per_param is None else facts.loaded_as(bytes_per_param)


