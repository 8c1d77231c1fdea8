"""config.json values modelled on the public checkpoints, and small tensor dicts for the inspect tests."""

from __future__ import annotations

import copy
from pathlib import Path

from wizard.model.synthetic import write_model_folder

LLAMA_31_8B = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096, "num_hidden_layers": 32,
    "num_attention_heads": 32, "num_key_value_heads": 8, "intermediate_size": 14336, "vocab_size": 128256,
    "max_position_embeddings": 131072, "torch_dtype": "bfloat16", "rope_theta": 500000.0, "tie_word_embeddings": False,
    "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                     "original_max_position_embeddings": 8192, "rope_type": "llama3"},
}
MISTRAL_7B_V01 = {
    "architectures": ["MistralForCausalLM"], "model_type": "mistral", "hidden_size": 4096, "num_hidden_layers": 32,
    "num_attention_heads": 32, "num_key_value_heads": 8, "intermediate_size": 14336, "vocab_size": 32000,
    "max_position_embeddings": 32768, "sliding_window": 4096, "rope_theta": 10000.0, "torch_dtype": "bfloat16",
}
QWEN25_7B = {
    "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 3584, "num_hidden_layers": 28,
    "num_attention_heads": 28, "num_key_value_heads": 4, "intermediate_size": 18944, "vocab_size": 152064,
    "max_position_embeddings": 32768, "sliding_window": 131072, "use_sliding_window": False, "max_window_layers": 28,
    "rope_theta": 1000000.0, "tie_word_embeddings": False, "torch_dtype": "bfloat16",
}
QWEN3_06B = {
    "architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "hidden_size": 1024, "num_hidden_layers": 28,
    "num_attention_heads": 16, "num_key_value_heads": 8, "head_dim": 128, "intermediate_size": 3072,
    "vocab_size": 151936, "max_position_embeddings": 40960, "sliding_window": None, "use_sliding_window": False,
    "max_window_layers": 28, "rope_theta": 1000000, "tie_word_embeddings": True, "torch_dtype": "bfloat16",
}
MIXTRAL_8X7B = {
    "architectures": ["MixtralForCausalLM"], "model_type": "mixtral", "hidden_size": 4096, "num_hidden_layers": 32,
    "num_attention_heads": 32, "num_key_value_heads": 8, "intermediate_size": 14336, "num_local_experts": 8,
    "num_experts_per_tok": 2, "vocab_size": 32000, "max_position_embeddings": 32768, "sliding_window": None,
    "rope_theta": 1000000.0, "torch_dtype": "bfloat16",
}
QWEN15_MOE = {
    "architectures": ["Qwen2MoeForCausalLM"], "model_type": "qwen2_moe", "hidden_size": 2048, "num_hidden_layers": 24,
    "num_attention_heads": 16, "num_key_value_heads": 16, "intermediate_size": 5632, "moe_intermediate_size": 1408,
    "shared_expert_intermediate_size": 5632, "num_experts": 60, "num_experts_per_tok": 4, "vocab_size": 151936,
    "max_position_embeddings": 8192, "use_sliding_window": False, "sliding_window": 32768, "torch_dtype": "bfloat16",
}
QWEN3_235B = {
    "architectures": ["Qwen3MoeForCausalLM"], "model_type": "qwen3_moe", "hidden_size": 4096, "num_hidden_layers": 94,
    "num_attention_heads": 64, "num_key_value_heads": 4, "head_dim": 128, "intermediate_size": 12288,
    "moe_intermediate_size": 1536, "num_experts": 128, "num_experts_per_tok": 8, "decoder_sparse_step": 1,
    "mlp_only_layers": [], "vocab_size": 151936, "max_position_embeddings": 262144, "rope_theta": 5000000,
    "tie_word_embeddings": False, "torch_dtype": "bfloat16",
}
DEEPSEEK_V3 = {
    "architectures": ["DeepseekV3ForCausalLM"], "model_type": "deepseek_v3",
    "auto_map": {"AutoConfig": "configuration_deepseek.DeepseekV3Config",
                 "AutoModelForCausalLM": "modeling_deepseek.DeepseekV3ForCausalLM"},
    "hidden_size": 7168, "num_hidden_layers": 61, "num_attention_heads": 128, "num_key_value_heads": 128,
    "intermediate_size": 18432, "moe_intermediate_size": 2048, "n_routed_experts": 256, "n_shared_experts": 1,
    "num_experts_per_tok": 8, "first_k_dense_replace": 3, "kv_lora_rank": 512, "q_lora_rank": 1536,
    "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128, "vocab_size": 129280,
    "max_position_embeddings": 163840, "num_nextn_predict_layers": 1, "torch_dtype": "bfloat16",
    "rope_scaling": {"beta_fast": 32, "beta_slow": 1, "factor": 40, "mscale": 1.0, "mscale_all_dim": 1.0,
                     "original_max_position_embeddings": 4096, "type": "yarn"},
    "quantization_config": {"activation_scheme": "dynamic", "fmt": "e4m3", "quant_method": "fp8",
                            "weight_block_size": [128, 128]},
}
KIMI_K2 = {**DEEPSEEK_V3, "model_type": "kimi_k2", "num_attention_heads": 64, "num_key_value_heads": 64,
           "n_routed_experts": 384, "first_k_dense_replace": 1, "vocab_size": 163840, "max_position_embeddings": 131072,
           "num_nextn_predict_layers": 0}
GPT_OSS_120B = {
    "architectures": ["GptOssForCausalLM"], "model_type": "gpt_oss", "hidden_size": 2880, "num_hidden_layers": 36,
    "num_attention_heads": 64, "num_key_value_heads": 8, "head_dim": 64, "intermediate_size": 2880,
    "num_local_experts": 128, "experts_per_token": 4, "num_experts_per_tok": 4, "vocab_size": 201088,
    "sliding_window": 128, "layer_types": ["sliding_attention", "full_attention"] * 18,
    "max_position_embeddings": 131072, "initial_context_length": 4096, "rope_theta": 150000,
    "rope_scaling": {"beta_fast": 32.0, "beta_slow": 1.0, "factor": 32.0, "original_max_position_embeddings": 4096,
                     "rope_type": "yarn", "truncate": False},
    "tie_word_embeddings": False, "torch_dtype": "bfloat16",
    "quantization_config": {"modules_to_not_convert": ["model.layers.*.self_attn", "model.layers.*.mlp.router",
                                                       "model.embed_tokens", "lm_head"], "quant_method": "mxfp4"},
}
GEMMA2_9B = {
    "architectures": ["Gemma2ForCausalLM"], "model_type": "gemma2", "hidden_size": 3584, "num_hidden_layers": 42,
    "num_attention_heads": 16, "num_key_value_heads": 8, "head_dim": 256, "intermediate_size": 14336,
    "vocab_size": 256000, "sliding_window": 4096, "max_position_embeddings": 8192, "torch_dtype": "float32",
}
GEMMA3_4B = {
    "architectures": ["Gemma3ForConditionalGeneration"], "model_type": "gemma3", "mm_tokens_per_image": 256,
    "text_config": {"hidden_size": 2560, "intermediate_size": 10240, "model_type": "gemma3_text",
                    "num_hidden_layers": 34, "rope_scaling": {"factor": 8.0, "rope_type": "linear"},
                    "sliding_window": 1024},
    "vision_config": {"hidden_size": 1152, "image_size": 896, "intermediate_size": 4304, "model_type": "siglip_vision_model",
                      "num_attention_heads": 16, "num_hidden_layers": 27, "patch_size": 14},
    "torch_dtype": "bfloat16",
}
QWEN3_NEXT_80B = {
    "architectures": ["Qwen3NextForCausalLM"], "model_type": "qwen3_next", "hidden_size": 2048, "num_hidden_layers": 48,
    "num_attention_heads": 16, "num_key_value_heads": 2, "head_dim": 256, "intermediate_size": 5120,
    "moe_intermediate_size": 512, "shared_expert_intermediate_size": 512, "num_experts": 512, "num_experts_per_tok": 10,
    "full_attention_interval": 4, "linear_conv_kernel_dim": 4, "linear_key_head_dim": 128, "linear_num_key_heads": 16,
    "linear_num_value_heads": 32, "linear_value_head_dim": 128, "partial_rotary_factor": 0.25, "vocab_size": 151936,
    "max_position_embeddings": 262144, "rope_theta": 10000000, "torch_dtype": "bfloat16", "tie_word_embeddings": False,
}
QWEN35_27B = {
    "architectures": ["Qwen3_5ForConditionalGeneration"], "model_type": "qwen3_5",
    "text_config": {"model_type": "qwen3_5_text", "hidden_size": 5120, "num_hidden_layers": 64, "num_attention_heads": 24,
                    "num_key_value_heads": 4, "head_dim": 256, "intermediate_size": 17408, "linear_num_key_heads": 16,
                    "linear_num_value_heads": 48, "linear_key_head_dim": 128, "linear_value_head_dim": 128,
                    "linear_conv_kernel_dim": 4, "vocab_size": 248320, "tie_word_embeddings": False,
                    "max_position_embeddings": 262144, "partial_rotary_factor": 0.25,
                    "layer_types": ["linear_attention", "linear_attention", "linear_attention", "full_attention"] * 16},
    "vision_config": {"depth": 27, "hidden_size": 1152, "model_type": "qwen3_5"},
    "torch_dtype": "bfloat16",
}
NEMOTRON_H_9B = {
    "architectures": ["NemotronHForCausalLM"], "model_type": "nemotron_h", "hidden_size": 4480, "num_hidden_layers": 56,
    "num_attention_heads": 40, "num_key_value_heads": 8, "head_dim": 128, "intermediate_size": 15680,
    "hybrid_override_pattern": "M-M-M-MM-M-M-M*-M-M-M*-M-M-M-M*-M-M-M-M*-M-MM-M-M-M-M-M-",
    "mamba_num_heads": 128, "mamba_head_dim": 80, "ssm_state_size": 128, "n_groups": 8, "conv_kernel": 4, "expand": 2,
    "vocab_size": 131072, "max_position_embeddings": 131072, "tie_word_embeddings": False, "torch_dtype": "bfloat16",
    "auto_map": {"AutoConfig": "configuration_nemotron_h.NemotronHConfig"},
}
GRANITE_4_H_SMALL = {
    "architectures": ["GraniteMoeHybridForCausalLM"], "model_type": "granitemoehybrid", "hidden_size": 4096,
    "num_hidden_layers": 40, "num_attention_heads": 32, "num_key_value_heads": 8, "intermediate_size": 512,
    "shared_intermediate_size": 8192, "num_local_experts": 72, "num_experts_per_tok": 10,
    "layer_types": ["attention" if i in (5, 15, 25, 35) else "mamba" for i in range(40)],
    "mamba_n_heads": 128, "mamba_d_head": 64, "mamba_d_state": 128, "mamba_n_groups": 1, "mamba_d_conv": 4,
    "mamba_expand": 2, "vocab_size": 100352, "max_position_embeddings": 131072, "tie_word_embeddings": True,
    "torch_dtype": "bfloat16",
}
GRANITE_4_MICRO = {**GRANITE_4_H_SMALL, "hidden_size": 2560, "num_attention_heads": 40, "intermediate_size": 8192,
                   "num_local_experts": 0, "shared_intermediate_size": 8192, "layer_types": ["attention"] * 40}
JAMBA_V01 = {
    "architectures": ["JambaForCausalLM"], "model_type": "jamba", "hidden_size": 4096, "num_hidden_layers": 32,
    "num_attention_heads": 32, "num_key_value_heads": 8, "intermediate_size": 14336, "attn_layer_period": 8,
    "attn_layer_offset": 4, "expert_layer_period": 2, "expert_layer_offset": 1, "num_experts": 16,
    "num_experts_per_tok": 2, "mamba_d_state": 16, "mamba_d_conv": 4, "mamba_expand": 2, "mamba_dt_rank": 256,
    "vocab_size": 65536, "max_position_embeddings": 262144, "torch_dtype": "bfloat16",
}
BAMBA_9B = {
    "architectures": ["BambaForCausalLM"], "model_type": "bamba", "hidden_size": 4096, "num_hidden_layers": 32,
    "num_attention_heads": 32, "num_key_value_heads": 8, "intermediate_size": 14336, "attn_layer_indices": [9, 18, 27],
    "mamba_n_heads": 128, "mamba_d_head": 64, "mamba_d_state": 128, "mamba_n_groups": 1, "mamba_d_conv": 4,
    "mamba_expand": 2, "vocab_size": 128256, "max_position_embeddings": 262144, "torch_dtype": "bfloat16",
}
FALCON_H1_7B = {
    "architectures": ["FalconH1ForCausalLM"], "model_type": "falcon_h1", "hidden_size": 3072, "num_hidden_layers": 44,
    "num_attention_heads": 12, "num_key_value_heads": 2, "head_dim": 128, "intermediate_size": 12288,
    "mamba_d_ssm": 6144, "mamba_n_heads": 24, "mamba_d_head": 256, "mamba_d_state": 256, "mamba_n_groups": 1,
    "mamba_d_conv": 4, "vocab_size": 130049, "max_position_embeddings": 262144, "torch_dtype": "bfloat16",
}
LLAVA_15_7B = {
    "architectures": ["LlavaForConditionalGeneration"], "model_type": "llava", "image_token_index": 32000,
    "text_config": {"architectures": ["LlamaForCausalLM"], "max_position_embeddings": 4096, "model_type": "llama",
                    "rms_norm_eps": 1e-05, "torch_dtype": "float16", "vocab_size": 32064},
    "vision_config": {"hidden_size": 1024, "image_size": 336, "intermediate_size": 4096, "model_type": "clip_vision_model",
                      "num_attention_heads": 16, "num_hidden_layers": 24, "patch_size": 14, "projection_dim": 768},
    "torch_dtype": "float16", "tie_word_embeddings": False,
}
LLAVA_NEXT_MISTRAL = {
    "architectures": ["LlavaNextForConditionalGeneration"], "model_type": "llava_next",
    "text_config": {"architectures": ["MistralForCausalLM"], "intermediate_size": 14336, "max_position_embeddings": 32768,
                    "model_type": "mistral", "num_key_value_heads": 8, "rms_norm_eps": 1e-05, "rope_theta": 1000000.0,
                    "sliding_window": None, "torch_dtype": "bfloat16", "vocab_size": 32064},
    "vision_config": {"hidden_size": 1024, "model_type": "clip_vision_model"}, "torch_dtype": "float16",
}
QWEN25_OMNI_7B = {
    "architectures": ["Qwen2_5OmniModel"], "model_type": "qwen2_5_omni",
    "thinker_config": {
        "model_type": "qwen2_5_omni_thinker",
        "audio_config": {"d_model": 1280, "encoder_layers": 32, "model_type": "qwen2_5_omni_audio_encoder"},
        "vision_config": {"depth": 32, "hidden_size": 1280, "model_type": "qwen2_5_omni_vision_encoder"},
        "text_config": {"model_type": "qwen2_5_omni_text", "hidden_size": 3584, "num_hidden_layers": 28,
                        "num_attention_heads": 28, "num_key_value_heads": 4, "intermediate_size": 18944,
                        "vocab_size": 152064, "max_position_embeddings": 32768, "rope_theta": 1000000.0,
                        "sliding_window": 32768, "use_sliding_window": False},
    },
    "talker_config": {"hidden_size": 896, "num_hidden_layers": 24}, "torch_dtype": "bfloat16",
}
QWEN3_VL_4B = {
    "architectures": ["Qwen3VLForConditionalGeneration"], "model_type": "qwen3_vl",
    "text_config": {"model_type": "qwen3_vl_text", "hidden_size": 2560, "num_hidden_layers": 36, "num_attention_heads": 32,
                    "num_key_value_heads": 8, "head_dim": 128, "intermediate_size": 9728, "vocab_size": 151936,
                    "max_position_embeddings": 262144, "tie_word_embeddings": True, "dtype": "bfloat16",
                    "rope_scaling": {"mrope_interleaved": True, "mrope_section": [24, 20, 20], "rope_type": "default"}},
    "vision_config": {"depth": 24, "hidden_size": 1024, "model_type": "qwen3_vl"}, "tie_word_embeddings": True,
}
INTERNVL_25_8B = {
    "architectures": ["InternVLChatModel"], "model_type": "internvl_chat",
    "auto_map": {"AutoConfig": "configuration_internvl_chat.InternVLChatConfig"},
    "llm_config": {"architectures": ["InternLM2ForCausalLM"], "model_type": "internlm2", "hidden_size": 4096,
                   "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8,
                   "intermediate_size": 14336, "vocab_size": 92553, "max_position_embeddings": 32768,
                   "torch_dtype": "bfloat16"},
    "vision_config": {"hidden_size": 1024, "model_type": "intern_vit_6b"},
}
GLM_46 = {
    "architectures": ["Glm4MoeForCausalLM"], "model_type": "glm4_moe", "hidden_size": 5120, "num_hidden_layers": 92,
    "num_attention_heads": 96, "num_key_value_heads": 8, "head_dim": 128, "intermediate_size": 12288,
    "moe_intermediate_size": 1536, "n_routed_experts": 160, "n_shared_experts": 1, "num_experts_per_tok": 8,
    "first_k_dense_replace": 3, "num_nextn_predict_layers": 1, "partial_rotary_factor": 0.5, "vocab_size": 151552,
    "max_position_embeddings": 202752, "torch_dtype": "bfloat16", "tie_word_embeddings": False,
}


def config(base: dict, **changes: object) -> dict:
    out = copy.deepcopy(base)
    out.update(changes)
    return out


def dense_tensors(cfg: dict, *, prefix: str = "model", dtype: str = "BF16", layers: int | None = None) -> dict:
    """A plain llama-layout checkpoint for a dense config (q/k/v/o, gated MLP, two norms per layer)."""
    h, heads = cfg["hidden_size"], cfg["num_attention_heads"]
    kv = cfg.get("num_key_value_heads", heads)
    d = cfg.get("head_dim") or h // heads
    inter, vocab = cfg["intermediate_size"], cfg["vocab_size"]
    t: dict[str, tuple[str, list[int]]] = {f"{prefix}.embed_tokens.weight": (dtype, [vocab, h])}
    for i in range(cfg["num_hidden_layers"] if layers is None else layers):
        p = f"{prefix}.layers.{i}"
        t[f"{p}.input_layernorm.weight"] = (dtype, [h])
        t[f"{p}.self_attn.q_proj.weight"] = (dtype, [heads * d, h])
        t[f"{p}.self_attn.k_proj.weight"] = (dtype, [kv * d, h])
        t[f"{p}.self_attn.v_proj.weight"] = (dtype, [kv * d, h])
        t[f"{p}.self_attn.o_proj.weight"] = (dtype, [h, heads * d])
        t[f"{p}.post_attention_layernorm.weight"] = (dtype, [h])
        t[f"{p}.mlp.gate_proj.weight"] = (dtype, [inter, h])
        t[f"{p}.mlp.up_proj.weight"] = (dtype, [inter, h])
        t[f"{p}.mlp.down_proj.weight"] = (dtype, [h, inter])
    t[f"{prefix}.norm.weight"] = (dtype, [h])
    if not cfg.get("tie_word_embeddings"):
        t["lm_head.weight"] = (dtype, [vocab, h])
    return t


def make_folder(tmp: Path, name: str, cfg: dict | None, tensors: dict | None = None, **kw: object) -> Path:
    return write_model_folder(tmp / name, cfg, tensors, **kw)
