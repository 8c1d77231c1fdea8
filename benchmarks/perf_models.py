"""Faithful checkpoints for the public speed measurements (shared/perf/vllm_perf_public.jsonl).

Each record's model is rebuilt from its public config.json (as published on the Hub, written from
memory and cross-checked against the record's parameter counts) and its quantization config, then
written as a folder with sparse safetensors so the normal inspector reads it. Quantized variants
use the format the record names (GPTQ / AWQ group 128, FP8 block or per-tensor, MXFP4, NVFP4).
Nothing here reads a record's measured speed.
"""

from __future__ import annotations

from pathlib import Path

from calibration_models import _GPT_OSS_120B, _KIMI_K2_THINKING, _awq, _fp8_block, _qwen2, _qwen3

from wizard.model.synthetic import write_model_folder
from wizard.model.synthetic_arch import tensors_for_config


def _gptq(bits: int) -> dict:
    return dict(bits=bits, group_size=128, damp_percent=0.01, desc_act=False, static_groups=False, sym=True,
                true_sequential=True, model_name_or_path=None, model_file_base_name="model", quant_method="gptq")


def _fp8_static() -> dict:
    return dict(activation_scheme="static", quant_method="fp8")


_QWEN25 = {  # hidden, intermediate, layers, heads, kv heads, tied
    "0.5B": (896, 4864, 24, 14, 2, True),
    "7B": (3584, 18944, 28, 28, 4, False),
    "14B": (5120, 13824, 48, 40, 8, False),
    "72B": (8192, 29568, 80, 64, 8, False),
}


def qwen25(size: str, quant: dict | None = None) -> dict:
    h, inter, layers, heads, kv, tie = _QWEN25[size]
    if quant is not None and size == "72B":
        inter = 29696  # Qwen pads the 72B's MLP for its GPTQ/AWQ releases so TP 8 divides the groups
    extra = {"quantization_config": quant} if quant else {}
    dtype = "float16" if quant else "bfloat16"
    vocab = 151936 if size == "0.5B" else 152064
    return _qwen2(h, inter, layers, heads, kv, vocab=vocab, tie=tie, window_layers=layers, sliding=131072,
                  dtype=dtype, **extra)


def qwen3(size: str, quant: dict | None = None) -> dict:
    shape = {"8B": (4096, 12288, 36, 32, 8), "32B": (5120, 25600, 64, 64, 8)}[size]
    extra = {"quantization_config": quant} if quant else {}
    return _qwen3(*shape, tie=False, max_pos=40960, theta=1000000, **extra)


def gpt_oss_20b() -> dict:
    return {**_GPT_OSS_120B, "num_hidden_layers": 24, "num_local_experts": 32,
            "layer_types": ["sliding_attention", "full_attention"] * 12}


def llama3_70b() -> dict:
    return dict(architectures=["LlamaForCausalLM"], attention_bias=False, bos_token_id=128000, eos_token_id=128009,
                hidden_act="silu", hidden_size=8192, initializer_range=0.02, intermediate_size=28672,
                max_position_embeddings=8192, model_type="llama", num_attention_heads=64, num_hidden_layers=80,
                num_key_value_heads=8, rms_norm_eps=1e-05, rope_scaling=None, rope_theta=500000.0,
                tie_word_embeddings=False, torch_dtype="bfloat16", vocab_size=128256)


def deepseek_r1() -> dict:
    return dict(architectures=["DeepseekV3ForCausalLM"], attention_bias=False, first_k_dense_replace=3,
                hidden_act="silu", hidden_size=7168, intermediate_size=18432, kv_lora_rank=512,
                max_position_embeddings=163840, model_type="deepseek_v3", moe_intermediate_size=2048, moe_layer_freq=1,
                n_group=8, n_routed_experts=256, n_shared_experts=1, norm_topk_prob=True, num_attention_heads=128,
                num_experts_per_tok=8, num_hidden_layers=61, num_key_value_heads=128, num_nextn_predict_layers=1,
                q_lora_rank=1536, qk_nope_head_dim=128, qk_rope_head_dim=64, rms_norm_eps=1e-06,
                rope_scaling=dict(beta_fast=32, beta_slow=1, factor=40, mscale=1.0, mscale_all_dim=1.0,
                                  original_max_position_embeddings=4096, type="yarn"),
                rope_theta=10000, routed_scaling_factor=2.5, scoring_func="sigmoid", tie_word_embeddings=False,
                topk_group=4, topk_method="noaux_tc", torch_dtype="bfloat16", v_head_dim=128, vocab_size=129280,
                quantization_config=_fp8_block())


def kimi_k2_nvfp4() -> tuple[dict, dict]:
    """nvidia/Kimi-K2-Thinking-NVFP4: ModelOpt NVFP4 routed experts, the rest as in the original."""
    config = {k: v for k, v in _KIMI_K2_THINKING.items() if k != "quantization_config"}
    quant = {"quantization": {"quant_algo": "NVFP4", "group_size": 16, "kv_cache_quant_algo": None,
                              "exclude_modules": ["lm_head", "model.layers.*.self_attn*", "model.layers.0.mlp*",
                                                  "model.layers.*.shared_experts*"]}}
    return config, quant


# record id -> (config, hf_quant_config.json or None)
def record_checkpoint(record: dict) -> tuple[dict, dict | None]:
    model = record["model"]
    q = (record.get("quantization") or "").lower()
    wd = (record.get("weights_dtype") or "").lower()
    if model.startswith("Qwen/Qwen2.5-"):
        size = model.split("-")[1]
        quant = _gptq(4) if "gptq-int4" in model.lower() else _gptq(8) if "gptq-int8" in model.lower() else \
            _awq() if model.endswith("-AWQ") else None
        return qwen25(size, quant), None
    if model == "Qwen/Qwen3-8B":
        if q.startswith("awq"):
            return qwen3("8B", _awq()), None
        if q.startswith("gptq"):
            return qwen3("8B", _gptq(4)), None
        if q == "fp8":
            return qwen3("8B", _fp8_static()), None
        return qwen3("8B"), None  # bf16, and the base of in-flight bitsandbytes
    if model == "Qwen/Qwen3-32B":
        return qwen3("32B"), None
    if model == "Qwen/Qwen3-32B-FP8":
        return qwen3("32B", _fp8_block()), None
    if model == "openai/gpt-oss-20b":
        return gpt_oss_20b(), None
    if model == "openai/gpt-oss-120b":
        return dict(_GPT_OSS_120B), None
    if model == "deepseek-ai/DeepSeek-R1-0528":
        return deepseek_r1(), None
    if model == "meta-llama/Meta-Llama-3-70B-Instruct":
        return llama3_70b(), None
    if model == "nvidia/Kimi-K2-Thinking-NVFP4":
        return kimi_k2_nvfp4()
    raise KeyError(f"no checkpoint for {model} ({wd})")


def write_record_model(record: dict, dest: Path) -> Path:
    config, hf_quant = record_checkpoint(record)
    tensors = tensors_for_config(config, quantization=hf_quant)
    extra = {"hf_quant_config.json": hf_quant} if hf_quant else None
    return write_model_folder(dest, config, tensors, shards=1, extra_files=extra)
