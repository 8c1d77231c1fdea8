"""Faithful model folders for every record of the public calibration set.

/work/shared/calibration/vllm_logs_public.jsonl holds real vLLM start-up logs. For each record this
module knows the checkpoint: its config.json as the Hugging Face repo publishes it, the quantization
config, tokenizer / generation configs, and (through wizard.model.synthetic_arch) every tensor the
safetensors headers list. `build_model_folder(record_id, dest)` writes that folder with sparse
data, so the planner can read it through the normal model inspector.

Configs are written from the public config.json files as remembered, cross-checked against each
record's `model_config` and logged KV bytes. Where a checkpoint cannot be reconstructed with
confidence the spec says `faithful=False` and why (`reason`); the folder is still a best effort.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from wizard.model.synthetic import write_model_folder
from wizard.model.synthetic_arch import tensors_for_config


@dataclass(frozen=True)
class ModelSpec:
    """One checkpoint. Treat the dicts as read-only: records of one checkpoint share the spec."""

    config: dict
    extra_files: dict = field(default_factory=dict)
    shards: int = 1
    note: str = ""
    faithful: bool = True
    reason: str | None = None  # why the folder is not faithful (faithful=False)
    # Overrides config.json's quantization_config (ModelOpt checkpoints that only ship hf_quant_config.json).
    quantization: dict | None = None
    # Dotted keys written explicitly here that the real config.json leaves to the transformers defaults.
    omitted_defaults: tuple[str, ...] = ()
    # Why the folder's parameter count may miss the record's total_params_b by more than 3 %.
    params_note: str | None = None
    # The config the tensors are generated from when it differs from config.json (families the
    # synthetic layout does not know under their own model_type, e.g. phi3 = llama's tensor sizes).
    tensor_config: dict | None = None
    # Pre-quantized bitsandbytes 4-bit: linear weights stored as packed uint8 + absmax statistics.
    bnb4: bool = False


# --- tokenizer / generation files --------------------------------------------------------------------
# Chat templates are abridged to the markers that identify the family (and its tool/reasoning format).

_CHATML = ("{%- for m in messages %}<|im_start|>{{ m.role }}\\n{{ m.content }}<|im_end|>\\n{%- endfor %}"
           "{%- if add_generation_prompt %}<|im_start|>assistant\\n{%- endif %}")
_QWEN_XML_TOOLS = "<tool_call>\\n<function=name>\\n<parameter=arg>\\n</parameter>\\n</function>\\n</tool_call>"
_TEMPLATES = {
    "qwen_tools": "{%- if tools %}<tools></tools><tool_call>{\"name\": ...}</tool_call>{%- endif %}" + _CHATML,
    "qwen3_think": "{%- if tools %}<tools></tools><tool_call></tool_call>{%- endif %}<think>\\n\\n</think>" + _CHATML,
    "qwen3_coder": "{%- if tools %}<tools><function><name>{{ t.name }}</name></function></tools>" + _QWEN_XML_TOOLS
    + "{%- endif %}" + _CHATML,
    "qwen_think_coder": "<think>\\n</think>" + _QWEN_XML_TOOLS + _CHATML,
    "llama3": "{{- bos_token }}{%- if tools %}Environment: ipython<|python_tag|>{%- endif %}{%- for m in messages %}"
    "<|start_header_id|>{{ m.role }}<|end_header_id|>\\n\\n{{ m.content | trim }}<|eot_id|>{%- endfor %}"
    "<|start_header_id|>assistant<|end_header_id|>\\n\\n",
    "mistral": "{{ bos_token }}{% for m in messages %}{% if m.role == 'user' %}[INST] {{ m.content }} [/INST]"
    "{% else %}{{ m.content + eos_token }}{% endif %}{% endfor %}",
    "gemma": "{{ bos_token }}{% for m in messages %}<start_of_turn>{{ m.role }}\\n{{ m.content | trim }}<end_of_turn>\\n"
    "{% endfor %}<start_of_turn>model\\n",
    "harmony": "<|start|>system<|message|>Reasoning: medium<|end|>{%- for m in messages %}<|start|>{{ m.role }}"
    "<|channel|>final<|message|>{{ m.content }}<|end|>{%- endfor %}<|start|>assistant",
    "glm45": "[gMASK]<sop>{%- if tools %}<tool_call>{name}<arg_key>k</arg_key><arg_value>v</arg_value></tool_call>"
    "{%- endif %}{%- for m in messages %}<|{{ m.role }}|>{{ m.content }}{%- endfor %}<|assistant|><think></think>",
    "kimi_k2": "{%- for m in messages %}<|im_{{ m.role }}|>{{ m.role }}<|im_middle|>{{ m.content }}<|im_end|>{%- endfor %}"
    "<|tool_calls_section_begin|><|tool_call_begin|><|tool_call_end|><|tool_calls_section_end|>"
    "<|im_assistant|>assistant<|im_middle|><think>",
    "granite": "{%- for m in messages %}<|start_of_role|>{{ m.role }}<|end_of_role|>{{ m.content }}<|end_of_text|>\\n"
    "{%- endfor %}{%- if tools %}<tool_call>{%- endif %}<|start_of_role|>assistant<|end_of_role|>",
}
_HUGE = 1000000000000000019884624838656  # transformers' "no limit" model_max_length


def _files(template: str, max_len: int | None, generation: dict | None = None) -> dict:
    tokenizer: dict = {"chat_template": _TEMPLATES[template]}
    if max_len is not None:
        tokenizer["model_max_length"] = max_len
    files: dict = {"tokenizer_config.json": tokenizer}
    if generation:
        files["generation_config.json"] = generation
    return files


def _gen(bos: int | None, eos, version: str = "4.51.0", **sampling) -> dict:
    return dict(bos_token_id=bos, eos_token_id=eos, do_sample=True, **sampling, transformers_version=version)


# --- quantization configs ------------------------------------------------------------------------------


def _awq(ignore: list[str] | None = None) -> dict:
    return dict(bits=4, group_size=128, modules_to_not_convert=ignore, quant_method="awq", version="gemm", zero_point=True)


def _fp8_block(ignore: list[str] | None = None) -> dict:
    q = dict(activation_scheme="dynamic", fmt="e4m3", quant_method="fp8", weight_block_size=[128, 128])
    return {**q, "modules_to_not_convert": ignore} if ignore else q


def _ct_weights(bits: int, kind: str, strategy: str, group: int | None, **extra) -> dict:
    return dict(num_bits=bits, type=kind, strategy=strategy, group_size=group, symmetric=True, dynamic=False,
                actorder=None, block_structure=None, observer="minmax", **extra)


def _ct(groups: dict, ignore: list[str], fmt: str) -> dict:
    return dict(config_groups=groups, format=fmt, ignore=ignore, kv_cache_scheme=None,
                quant_method="compressed-tensors", quantization_status="compressed")


_CT_NVFP4 = {"targets": ["Linear"], "weights": _ct_weights(4, "float", "tensor_group", 16),
             "input_activations": {**_ct_weights(4, "float", "tensor_group", 16), "dynamic": "local"}}
_CT_FP8_CHANNEL = {"weights": _ct_weights(8, "float", "channel", None),
                   "input_activations": {**_ct_weights(8, "float", "token", None), "dynamic": True}}


def _linear_modules(config: dict, keep) -> list[str]:
    """The unquantized checkpoint's linear modules for which keep(name) holds: Qwen's FP8 checkpoints
    list every module they leave in bf16 explicitly."""
    bare = {k: v for k, v in config.items() if k != "quantization_config"}
    tensors = tensors_for_config(bare, quantization={})
    names = [n[: -len(".weight")] for n, (_, shape) in tensors.items() if n.endswith(".weight") and len(shape) == 2]
    return [n for n in names if keep(n) and "embed" not in n]


# --- config builders per family ------------------------------------------------------------------------

_QWEN = dict(attention_dropout=0.0, bos_token_id=151643, eos_token_id=151645, hidden_act="silu", initializer_range=0.02,
             rms_norm_eps=1e-06, use_cache=True, vocab_size=151936)


def _qwen3(hidden, inter, layers, heads, kv, *, tie, max_pos, theta, **extra) -> dict:
    return dict(architectures=["Qwen3ForCausalLM"], **_QWEN, attention_bias=False, head_dim=128, hidden_size=hidden,
                intermediate_size=inter, max_position_embeddings=max_pos, max_window_layers=layers, model_type="qwen3",
                num_attention_heads=heads, num_hidden_layers=layers, num_key_value_heads=kv, rope_scaling=None,
                rope_theta=theta, sliding_window=None, tie_word_embeddings=tie, torch_dtype="bfloat16",
                transformers_version="4.51.0", use_sliding_window=False) | extra


def _qwen3_moe(hidden, inter, moe_inter, layers, heads, kv, experts, *, max_pos, theta, **extra) -> dict:
    moe = dict(architectures=["Qwen3MoeForCausalLM"], model_type="qwen3_moe", decoder_sparse_step=1, mlp_only_layers=[],
               moe_intermediate_size=moe_inter, norm_topk_prob=True, num_experts=experts, num_experts_per_tok=8,
               output_router_logits=False, router_aux_loss_coef=0.001)
    return _qwen3(hidden, inter, layers, heads, kv, tie=False, max_pos=max_pos, theta=theta, **moe, **extra)


def _qwen2(hidden, inter, layers, heads, kv, *, vocab, tie, window_layers, sliding, dtype="bfloat16", **extra) -> dict:
    return dict(architectures=["Qwen2ForCausalLM"], **_QWEN) | dict(
        hidden_size=hidden, intermediate_size=inter, max_position_embeddings=32768, max_window_layers=window_layers,
        model_type="qwen2", num_attention_heads=heads, num_hidden_layers=layers, num_key_value_heads=kv,
        rope_scaling=None, rope_theta=1000000.0, sliding_window=sliding, tie_word_embeddings=tie, torch_dtype=dtype,
        transformers_version="4.43.1", use_sliding_window=False, vocab_size=vocab) | extra


def _qwen3_vl_vision(depth, hidden, inter, out, deepstack, model_type="qwen3_vl") -> dict:
    return dict(deepstack_visual_indexes=deepstack, depth=depth, hidden_act="gelu_pytorch_tanh", hidden_size=hidden,
                in_channels=3, initializer_range=0.02, intermediate_size=inter, model_type=model_type, num_heads=16,
                num_position_embeddings=2304, out_hidden_size=out, patch_size=16, spatial_merge_size=2,
                temporal_patch_size=2)


_VL_TEXT_DROP = ("architectures", "transformers_version", "torch_dtype", "max_window_layers", "sliding_window",
                 "use_sliding_window")


def _qwen3_vl(text: dict, vision: dict, *, moe: bool) -> dict:
    """Qwen3-VL(-MoE) block-FP8 checkpoint; its ignore list names the vision tower, routers and lm_head."""
    arch, mt = ("Qwen3VLMoeForConditionalGeneration", "qwen3_vl_moe") if moe else ("Qwen3VLForConditionalGeneration", "qwen3_vl")
    text = {k: v for k, v in text.items() if k not in _VL_TEXT_DROP} | dict(
        model_type=f"{mt}_text", dtype="bfloat16",
        rope_scaling={"mrope_interleaved": True, "mrope_section": [24, 20, 20], "rope_type": "default"})
    cfg = dict(architectures=[arch], image_token_id=151655, model_type=mt, text_config=text,
               tie_word_embeddings=text["tie_word_embeddings"], torch_dtype="bfloat16", transformers_version="4.57.0.dev0",
               video_token_id=151656, vision_config=vision | {"model_type": mt}, vision_end_token_id=151653,
               vision_start_token_id=151652)
    keep = (lambda n: "visual" in n or n == "lm_head" or n.endswith("mlp.gate"))
    return cfg | {"quantization_config": _fp8_block(_linear_modules(cfg, keep))}


def _qwen35(text: dict, *, moe: bool, vision_out: int, quant: dict | None = None) -> dict:
    """Qwen3.5/3.6/3.8 (Qwen3_5ForConditionalGeneration): hybrid GDN text model, Qwen3-VL-style vision
    tower without deepstack, MTP head. Dimensions beyond the KV geometry are unverified."""
    layers, mt = text["num_hidden_layers"], "qwen3_5_moe" if moe else "qwen3_5"
    text = dict(**_QWEN) | dict(
        vocab_size=248320, attention_bias=False, attn_output_gate=True, dtype="bfloat16", full_attention_interval=4,
        head_dim=256, layer_types=["full_attention" if (i + 1) % 4 == 0 else "linear_attention" for i in range(layers)],
        linear_conv_kernel_dim=4, linear_key_head_dim=128, linear_value_head_dim=128, max_position_embeddings=262144,
        model_type=f"{mt}_text", mtp_num_hidden_layers=1, partial_rotary_factor=0.25, tie_word_embeddings=False,
        rope_parameters=dict(rope_type="default", rope_theta=10000000, partial_rotary_factor=0.25,
                             mrope_section=[11, 11, 10], mrope_interleaved=True)) | text
    cfg = dict(architectures=["Qwen3_5MoeForConditionalGeneration" if moe else "Qwen3_5ForConditionalGeneration"],
               image_token_id=248056, model_type=mt, text_config=text, tie_word_embeddings=False, torch_dtype="bfloat16",
               transformers_version="4.57.0.dev0", video_token_id=248057,
               vision_config=_qwen3_vl_vision(27, 1152, 4304, vision_out, [], mt), vision_end_token_id=248054,
               vision_start_token_id=248053)
    return cfg | ({"quantization_config": quant} if quant is not None else {})


_QWEN35_27B_TEXT = dict(hidden_size=5120, intermediate_size=17408, num_hidden_layers=64, num_attention_heads=24,
                        num_key_value_heads=4, linear_num_key_heads=16, linear_num_value_heads=48)
_QWEN36_35B_TEXT = dict(hidden_size=2048, intermediate_size=5120, num_hidden_layers=40, num_attention_heads=16,
                        num_key_value_heads=2, linear_num_key_heads=16, linear_num_value_heads=32, num_experts=256,
                        num_experts_per_tok=8, moe_intermediate_size=512, shared_expert_intermediate_size=512,
                        decoder_sparse_step=1, mlp_only_layers=[], norm_topk_prob=True)
_QWEN35_UNVERIFIED = (
    "text dimensions beyond the attention/KV geometry (hidden 5120, 24 heads, intermediate 17408, GDN 16/48 heads, "
    "vocab 248320) come from a public 27B-class Qwen3_5 test fixture, not from this checkpoint's config.json; the "
    "vision tower is assumed Qwen3-VL-like (27 blocks x 1152, no deepstack)")


def _qwen35_27b(quant: dict | None = None) -> dict:
    return _qwen35(dict(_QWEN35_27B_TEXT), moe=False, vision_out=5120, quant=quant)


def _qwen35_27b_fp8() -> dict:
    cfg = _qwen35_27b()
    keep = (lambda n: "visual" in n or n == "lm_head" or n.endswith(("in_proj_a", "in_proj_b")))
    return cfg | {"quantization_config": _fp8_block(_linear_modules(cfg, keep))}


# --- the checkpoints -------------------------------------------------------------------------------------

_QWEN3_GEN = _gen(151643, [151645, 151643], temperature=0.6, top_k=20, top_p=0.95)
_QWEN_INSTRUCT_GEN = _gen(151643, [151645, 151643], temperature=0.7, top_k=20, top_p=0.8, repetition_penalty=1.05)

_QWEN_NEXT = dict(
    architectures=["Qwen3NextForCausalLM"], **_QWEN, attention_bias=False, decoder_sparse_step=1,
    full_attention_interval=4, head_dim=256, hidden_size=2048, intermediate_size=5120, linear_conv_kernel_dim=4,
    linear_key_head_dim=128, linear_num_key_heads=16, linear_num_value_heads=32, linear_value_head_dim=128,
    max_position_embeddings=262144, mlp_only_layers=[], model_type="qwen3_next", moe_intermediate_size=512,
    norm_topk_prob=True, num_attention_heads=16, num_experts=512, num_experts_per_tok=10, num_hidden_layers=48,
    num_key_value_heads=2, output_router_logits=False, partial_rotary_factor=0.25, rope_scaling=None,
    rope_theta=10000000, router_aux_loss_coef=0.001, shared_expert_intermediate_size=512, tie_word_embeddings=False,
    torch_dtype="bfloat16", transformers_version="4.57.0.dev0", use_sliding_window=False)
_LLAMA31 = dict(
    architectures=["LlamaForCausalLM"], attention_bias=False, attention_dropout=0.0, bos_token_id=128000,
    eos_token_id=[128001, 128008, 128009], hidden_act="silu", hidden_size=4096, initializer_range=0.02,
    intermediate_size=14336, max_position_embeddings=131072, mlp_bias=False, model_type="llama", num_attention_heads=32,
    num_hidden_layers=32, num_key_value_heads=8, pretraining_tp=1, rms_norm_eps=1e-05,
    rope_scaling=dict(factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0, original_max_position_embeddings=8192,
                      rope_type="llama3"),
    rope_theta=500000.0, tie_word_embeddings=False, torch_dtype="bfloat16", transformers_version="4.43.0.dev0",
    use_cache=True, vocab_size=128256)
_GPTQ = dict(bits=4, group_size=128, damp_percent=0.1, desc_act=True, static_groups=False, sym=True,
             true_sequential=True, model_name_or_path=None, model_file_base_name="model")
_MISTRAL_V02_GPTQ = dict(
    _name_or_path="mistralai/Mistral-7B-Instruct-v0.2", architectures=["MistralForCausalLM"], bos_token_id=1,
    eos_token_id=2, hidden_act="silu", hidden_size=4096, initializer_range=0.02, intermediate_size=14336,
    max_position_embeddings=32768, model_type="mistral", num_attention_heads=32, num_hidden_layers=32,
    num_key_value_heads=8, rms_norm_eps=1e-05, rope_theta=1000000.0, sliding_window=None, tie_word_embeddings=False,
    torch_dtype="bfloat16", transformers_version="4.36.0", use_cache=True, vocab_size=32000,
    quantization_config=_GPTQ | {"quant_method": "gptq"})
_GLM46_AWQ = dict(
    architectures=["Glm4MoeForCausalLM"], attention_bias=True, attention_dropout=0.0, pad_token_id=151329,
    eos_token_id=[151329, 151336, 151338], head_dim=128, hidden_act="silu", hidden_size=5120, partial_rotary_factor=0.5,
    initializer_range=0.02, intermediate_size=12288, max_position_embeddings=202752, model_type="glm4_moe",
    moe_intermediate_size=1536, norm_topk_prob=True, num_attention_heads=96, n_group=1, topk_group=1,
    n_routed_experts=160, n_shared_experts=1, routed_scaling_factor=2.5, num_experts_per_tok=8, first_k_dense_replace=3,
    num_hidden_layers=92, num_key_value_heads=8, rms_norm_eps=1e-05, rope_scaling=None, rope_theta=1000000,
    num_nextn_predict_layers=1, tie_word_embeddings=False, torch_dtype="float16", transformers_version="4.56.1",
    use_cache=True, use_qk_norm=True, vocab_size=151552, quantization_config=_awq(["model.layers.92"]))
_KIMI_K2_THINKING = dict(
    architectures=["DeepseekV3ForCausalLM"], attention_bias=False, attention_dropout=0.0,
    auto_map={"AutoConfig": "configuration_deepseek.DeepseekV3Config",
              "AutoModel": "modeling_deepseek.DeepseekV3Model",
              "AutoModelForCausalLM": "modeling_deepseek.DeepseekV3ForCausalLM"},
    aux_loss_alpha=0.001, bos_token_id=163584, eos_token_id=163586, ep_size=1, first_k_dense_replace=1, hidden_act="silu",
    hidden_size=7168, initializer_range=0.02, intermediate_size=18432, kv_lora_rank=512, max_position_embeddings=262144,
    model_type="kimi_k2", moe_intermediate_size=2048, moe_layer_freq=1, n_group=1, n_routed_experts=384,
    n_shared_experts=1, norm_topk_prob=True, num_attention_heads=64, num_experts_per_tok=8, num_hidden_layers=61,
    num_key_value_heads=64, num_nextn_predict_layers=0, pretraining_tp=1, q_lora_rank=1536, qk_nope_head_dim=128,
    qk_rope_head_dim=64, rms_norm_eps=1e-05,
    rope_scaling=dict(beta_fast=1.0, beta_slow=1.0, factor=64.0, mscale=1.0, mscale_all_dim=1.0,
                      original_max_position_embeddings=4096, type="yarn"),
    rope_theta=50000.0, routed_scaling_factor=2.827, scoring_func="sigmoid", seq_aux=True, tie_word_embeddings=False,
    topk_group=1, topk_method="noaux_tc", torch_dtype="bfloat16", transformers_version="4.56.2", use_cache=True,
    v_head_dim=128, vocab_size=163840,
    quantization_config=_ct(
        {"group_0": {"targets": ["Linear"], "input_activations": None, "output_activations": None,
                     "weights": _ct_weights(4, "int", "group", 32, observer_kwargs={})}},
        ["lm_head", "re:.*self_attn.*", "re:.*shared_experts.*", "re:.*mlp\\.(gate|up|gate_up|down)_proj.*"],
        "pack-quantized"))
_GPT_OSS_120B = dict(
    architectures=["GptOssForCausalLM"], attention_bias=True, attention_dropout=0.0, eos_token_id=200002,
    experts_per_token=4, head_dim=64, hidden_act="silu", hidden_size=2880, initial_context_length=4096,
    initializer_range=0.02, intermediate_size=2880, layer_types=["sliding_attention", "full_attention"] * 18,
    max_position_embeddings=131072, model_type="gpt_oss", num_attention_heads=64, num_experts_per_tok=4,
    num_hidden_layers=36, num_key_value_heads=8, num_local_experts=128, output_router_logits=False, pad_token_id=199999,
    quantization_config=dict(modules_to_not_convert=["model.layers.*.self_attn", "model.layers.*.mlp.router",
                                                     "model.embed_tokens", "lm_head"], quant_method="mxfp4"),
    rms_norm_eps=1e-05,
    rope_scaling=dict(beta_fast=32.0, beta_slow=1.0, factor=32.0, original_max_position_embeddings=4096,
                      rope_type="yarn", truncate=False),
    rope_theta=150000, router_aux_loss_coef=0.9, sliding_window=128, swiglu_limit=7.0, tie_word_embeddings=False,
    transformers_version="4.55.0.dev0", use_cache=True, vocab_size=201088)
_GRANITE_MICRO = dict(
    architectures=["GraniteMoeHybridForCausalLM"], attention_bias=False, attention_dropout=0.0,
    attention_multiplier=0.015625, bos_token_id=100257, embedding_multiplier=12, eos_token_id=100257, hidden_act="silu",
    hidden_size=2560, init_method="mup", initializer_range=0.1, intermediate_size=8192, layer_types=["attention"] * 40,
    logits_scaling=10, mamba_chunk_size=256, mamba_conv_bias=True, mamba_d_conv=4, mamba_d_head=64, mamba_d_state=256,
    mamba_expand=2, mamba_n_groups=1, mamba_n_heads=128, mamba_proj_bias=False, max_position_embeddings=131072,
    model_type="granitemoehybrid", normalization_function="rmsnorm", num_attention_heads=40, num_experts_per_tok=0,
    num_hidden_layers=40, num_key_value_heads=8, num_local_experts=0, output_router_logits=False, pad_token_id=100256,
    position_embedding_type="rope", residual_multiplier=0.22, rms_norm_eps=1e-05, rope_scaling=None,
    rope_theta=10000000, router_aux_loss_coef=0.01, shared_intermediate_size=8192, tie_word_embeddings=True,
    torch_dtype="bfloat16", transformers_version="4.56.0", use_cache=True, vocab_size=100352)
_LLAVA_NEXT_MISTRAL = dict(
    architectures=["LlavaNextForConditionalGeneration"], ignore_index=-100,
    image_grid_pinpoints=[[336, 672], [672, 336], [672, 672], [1008, 336], [336, 1008]], image_token_index=32000,
    model_type="llava_next", projector_hidden_act="gelu",
    text_config=dict(_name_or_path="mistralai/Mistral-7B-Instruct-v0.2", architectures=["MistralForCausalLM"],
                     hidden_size=4096, intermediate_size=14336, max_position_embeddings=32768, model_type="mistral",
                     num_attention_heads=32, num_hidden_layers=32, num_key_value_heads=8, rms_norm_eps=1e-05,
                     rope_theta=1000000.0, sliding_window=None, torch_dtype="bfloat16", vocab_size=32064),
    torch_dtype="float16", transformers_version="4.39.0.dev0", use_image_newline_parameter=True,
    vision_config=dict(hidden_size=1024, image_size=336, intermediate_size=4096, model_type="clip_vision_model",
                       num_attention_heads=16, num_hidden_layers=24, patch_size=14, projection_dim=768, vocab_size=32000),
    vision_feature_layer=-2, vision_feature_select_strategy="default", vocab_size=32064)
_GEMMA3_TEXT_DEFAULTS = dict(num_attention_heads=8, num_key_value_heads=4, head_dim=256, vocab_size=262208,
                             max_position_embeddings=131072, rope_theta=1000000.0, rope_local_base_freq=10000.0,
                             query_pre_attn_scalar=256, sliding_window_pattern=6, tie_word_embeddings=True)
_GEMMA3_4B = dict(
    architectures=["Gemma3ForConditionalGeneration"], boi_token_index=255999, eoi_token_index=256000,
    eos_token_id=[1, 106], image_token_index=262144, initializer_range=0.02, mm_tokens_per_image=256,
    model_type="gemma3",
    text_config=dict(hidden_size=2560, intermediate_size=10240, model_type="gemma3_text", num_hidden_layers=34,
                     rope_scaling={"factor": 8.0, "rope_type": "linear"}, sliding_window=1024) | _GEMMA3_TEXT_DEFAULTS,
    torch_dtype="bfloat16", transformers_version="4.50.0.dev0",
    vision_config=dict(hidden_size=1152, image_size=896, intermediate_size=4304, model_type="siglip_vision_model",
                       num_attention_heads=16, num_hidden_layers=27, patch_size=14, vision_use_head=False))
_OMNI_TEXT = _qwen2(3584, 18944, 28, 28, 4, vocab=152064, tie=False, window_layers=28, sliding=32768,
                    model_type="qwen2_5_omni_text",
                    rope_scaling={"mrope_section": [16, 24, 24], "rope_type": "default", "type": "default"})
_QWEN25_OMNI_7B = dict(
    architectures=["Qwen2_5OmniModel"], enable_audio_output=True, model_type="qwen2_5_omni", torch_dtype="bfloat16",
    transformers_version="4.50.0.dev0",
    thinker_config=dict(
        model_type="qwen2_5_omni_thinker", audio_token_index=151646, image_token_index=151655, video_token_index=151656,
        position_id_per_seconds=25, seconds_per_chunk=2, torch_dtype="bfloat16",
        audio_config=dict(model_type="qwen2_5_omni_audio_encoder", d_model=1280, encoder_attention_heads=20,
                          encoder_ffn_dim=5120, encoder_layers=32, num_mel_bins=128, max_source_positions=1500,
                          n_window=100, output_dim=3584),
        vision_config=dict(model_type="qwen2_5_omni_vision_encoder", depth=32, hidden_act="silu", hidden_size=1280,
                           intermediate_size=3420, num_heads=16, in_channels=3, patch_size=14, spatial_merge_size=2,
                           temporal_patch_size=2, window_size=112, fullatt_block_indexes=[7, 15, 23, 31],
                           out_hidden_size=3584, tokens_per_second=25),
        text_config={k: v for k, v in _OMNI_TEXT.items() if k not in ("architectures", "transformers_version")}),
    talker_config=dict(model_type="qwen2_5_omni_talker", hidden_size=896, intermediate_size=18944, num_hidden_layers=24,
                       num_attention_heads=12, num_key_value_heads=4, head_dim=128, vocab_size=8448, embedding_size=3584,
                       max_position_embeddings=32768, rope_theta=1000000.0, rms_norm_eps=1e-06,
                       tts_codec_start_token_id=8293, tts_codec_end_token_id=8294, tts_codec_pad_token_id=8292,
                       torch_dtype="bfloat16"),
    token2wav_config=dict(
        dit_config=dict(hidden_size=1024, num_hidden_layers=22, num_attention_heads=16, ff_mult=2, emb_dim=512,
                        head_dim=64, mel_dim=80, num_embeds=8193, enc_emb_dim=192, enc_dim=128,
                        enc_channels=[256, 256, 256, 256, 768], repeats=2, block_size=24, look_ahead_layers=[10],
                        look_backward_layers=[0, 20]),
        bigvgan_config=dict(mel_dim=80, upsample_initial_channel=1536, upsample_rates=[5, 3, 2, 2, 2, 2],
                            upsample_kernel_sizes=[11, 7, 4, 4, 4, 4], resblock_kernel_sizes=[3, 7, 11],
                            resblock_dilation_sizes=[[1, 3, 5]] * 3, use_bias_at_final=False)))

_QWEN3_14B = _qwen3(5120, 17408, 40, 40, 8, tie=False, max_pos=40960, theta=1000000)
_QWEN3_4B_2507 = _qwen3(2560, 9728, 36, 32, 8, tie=True, max_pos=262144, theta=5000000)
_QWEN3_30B_A3B = _qwen3_moe(2048, 6144, 768, 48, 32, 4, 128, max_pos=262144, theta=10000000)
_MODELOPT_NVFP4 = dict(quant_algo="NVFP4", kv_cache_quant_algo=None, group_size=16,
                       exclude_modules=["lm_head", "model.visual*", "*linear_attn*", "*mlp.gate", "*shared_expert_gate",
                                        "mtp*"])
_NVFP4_IGNORE = ["lm_head", "re:.*visual.*", "re:.*linear_attn.*", "re:^mtp.*"]
_UNSLOTH_GROUPS = {
    "group_0": _CT_NVFP4 | {"targets": ["re:.*mlp\\.(gate|up|down)_proj$"]},
    "group_1": _CT_FP8_CHANNEL | {"targets": ["re:.*self_attn\\.(q|k|v|o)_proj$",
                                              "re:.*linear_attn\\.(in_proj_qkv|in_proj_z|out_proj)$"]},
}
_QWEN_BF16 = "Qwen checkpoints keep embeddings, lm_head, norms and routers in bf16."
_MTP_NOTE = " The checkpoint also stores the MTP block (mtp.*), which vLLM loads only for speculative decoding."
_QWEN3_CODER_FILES = _files("qwen3_coder", 262144, _QWEN_INSTRUCT_GEN)
_QWEN35_FILES = _files("qwen_think_coder", 262144, _QWEN3_GEN)

_SPECS: dict[str, ModelSpec] = {
    "qwen3-next-80b": ModelSpec(_QWEN_NEXT, _QWEN3_CODER_FILES, 41, "Qwen/Qwen3-Next-80B-A3B-Instruct." + _MTP_NOTE),
    "qwen3-coder-next": ModelSpec(
        _QWEN_NEXT, _QWEN3_CODER_FILES, 41, "Qwen/Qwen3-Coder-Next." + _MTP_NOTE, faithful=False,
        reason="the record carries no config; Qwen3-Coder-Next is assumed to share Qwen3-Next-80B-A3B's config.json "
        "(48 layers, 512 experts, GDN 16/32 heads)"),
    "llava-next-mistral-7b": ModelSpec(
        _LLAVA_NEXT_MISTRAL, _files("mistral", 4096, _gen(1, 2)), 4,
        "llava-hf/llava-v1.6-mistral-7b-hf (fp16). The checkpoint keeps all 24 CLIP layers and post_layernorm although "
        "vision_feature_layer -2 means vLLM builds only 23.",
        omitted_defaults=("text_config.hidden_size", "text_config.num_attention_heads", "text_config.num_hidden_layers")),
    "qwen3-235b-a22b-2507-fp8": ModelSpec(
        _qwen3_moe(4096, 12288, 1536, 94, 64, 4, 128, max_pos=262144, theta=5000000, quantization_config=_fp8_block()),
        _QWEN3_CODER_FILES, 24, "Qwen/Qwen3-235B-A22B-Instruct-2507-FP8: block FP8 (128x128). " + _QWEN_BF16),
    "mistral-7b-v02-gptq": ModelSpec(
        _MISTRAL_V02_GPTQ, {**_files("mistral", _HUGE, _gen(1, 2)), "quantize_config.json": _GPTQ}, 1,
        "TheBloke/Mistral-7B-Instruct-v0.2-GPTQ main branch: 4-bit, group 128, act-order (g_idx); fp16 "
        "embeddings/lm_head/norms."),
    "qwen3-coder-30b-a3b": ModelSpec(_QWEN3_30B_A3B, _QWEN3_CODER_FILES, 16, "Qwen/Qwen3-Coder-30B-A3B-Instruct."),
    "qwen3-30b-a3b-2507": ModelSpec(_QWEN3_30B_A3B, _files("qwen3_think", 262144, _QWEN_INSTRUCT_GEN), 16,
                                    "Qwen/Qwen3-30B-A3B-Instruct-2507."),
    "qwen25-7b-awq": ModelSpec(
        _qwen2(3584, 18944, 28, 28, 4, vocab=152064, tie=False, window_layers=28, sliding=131072, dtype="float16",
               quantization_config=_awq()),
        _files("qwen_tools", 131072, _QWEN_INSTRUCT_GEN), 2,
        "Qwen/Qwen2.5-7B-Instruct-AWQ: AWQ gemm 4-bit g128, fp16; q/k/v biases, embeddings and lm_head fp16."),
    "llama31-8b": ModelSpec(
        _LLAMA31, _files("llama3", 131072, _gen(128000, [128001, 128008, 128009], temperature=0.6, top_p=0.9)), 4,
        "meta-llama/Llama-3.1-8B-Instruct: 8,030,261,248 params = 16,060,522,496 B (research note §10)."),
    "granite-4.0-micro": ModelSpec(
        _GRANITE_MICRO, _files("granite", 131072, _gen(100257, 100257)), 2,
        "ibm-granite/granite-4.0-micro: granitemoehybrid config class with 40 attention layers, no Mamba layers and no "
        "routed experts (shared_mlp only), tied embeddings. The record quantizes it online (--quantization fp8)."),
    "glm-4.6-awq": ModelSpec(
        _GLM46_AWQ, _files("glm45", 202752, _gen(None, [151329, 151336, 151338], temperature=1.0, top_p=0.95)), 40,
        "QuantTrio/GLM-4.6-AWQ: AWQ gemm 4-bit g128 of zai-org/GLM-4.6 (92 layers + MTP layer 92).", faithful=False,
        reason="QuantTrio's modules_to_not_convert is not known: assumed attention, dense and expert MLPs 4-bit, routers "
        "and the MTP layer (model.layers.92: eh_proj/enorm/hnorm/shared_head.norm, no own embedding/head) in fp16"),
    "kimi-k2-thinking": ModelSpec(
        _KIMI_K2_THINKING, _files("kimi_k2", 262144, _gen(163584, 163586, temperature=1.0)), 62,
        "moonshotai/Kimi-K2-Thinking: routed experts INT4 (compressed-tensors pack-quantized, group 32, bf16 scales); "
        "attention, shared experts, the dense layer 0, embeddings and lm_head bf16. No MTP layer."),
    "gpt-oss-120b": ModelSpec(
        _GPT_OSS_120B, _files("harmony", _HUGE, _gen(199998, [200002, 199999, 200012], "4.55.0.dev0", pad_token_id=199999)),
        15, "openai/gpt-oss-120b: experts MXFP4 (U8 blocks + E8M0 scales), attention/router/embeddings bf16. Header bytes "
        "are the unpadded size; Marlin/TRT-LLM MoE backends pad hidden 2880 -> 3072 after loading."),
    "qwen25-0.5b": ModelSpec(
        _qwen2(896, 4864, 24, 14, 2, vocab=151936, tie=True, window_layers=21, sliding=32768),
        _files("qwen_tools", 131072, _QWEN_INSTRUCT_GEN), 1, "Qwen/Qwen2.5-0.5B-Instruct (tied embeddings)."),
    "qwen25-omni-7b": ModelSpec(
        _QWEN25_OMNI_7B, _files("qwen_tools", 32768, _QWEN_INSTRUCT_GEN), 5,
        "Qwen/Qwen2.5-Omni-7B: vLLM's Qwen2_5OmniThinkerForConditionalGeneration loads only thinker.* (Qwen2.5-7B text "
        "+ 675M vision + 640M audio encoder, ~16.6 GiB); talker.* (~1.35B) and token2wav.* (~0.45B) are in the "
        "checkpoint but not loaded. token2wav internals are approximated from its published hyper-parameters."),
    "qwen3-0.6b": ModelSpec(_qwen3(1024, 3072, 28, 16, 8, tie=True, max_pos=40960, theta=1000000),
                            _files("qwen3_think", 131072, _QWEN3_GEN), 1, "Qwen/Qwen3-0.6B (tied embeddings)."),
    "gemma3-4b-it": ModelSpec(
        _GEMMA3_4B, _files("gemma", _HUGE, dict(bos_token_id=2, cache_implementation="hybrid", do_sample=True,
                                                eos_token_id=[1, 106], pad_token_id=0, top_k=64, top_p=0.95)), 2,
        "google/gemma-3-4b-it: tied embeddings, SigLIP tower, 5 local : 1 global attention. Header 8.01 GiB; the logged "
        "8.58 GiB fits vLLM's rope caches: linear scaling x8 -> 131072*8 positions x 256 x bf16 = 0.5 GiB (+ local).",
        omitted_defaults=tuple(f"text_config.{k}" for k in _GEMMA3_TEXT_DEFAULTS)),
    "qwen3-vl-30b-a3b-fp8": ModelSpec(
        _qwen3_vl(_qwen3_moe(2048, 6144, 768, 48, 32, 4, 128, max_pos=262144, theta=5000000),
                  _qwen3_vl_vision(27, 1152, 4304, 2048, [8, 16, 24]), moe=True),
        _QWEN3_CODER_FILES, 7,
        "Qwen/Qwen3-VL-30B-A3B-Instruct-FP8: block FP8 per-expert weights; vision tower, routers and lm_head bf16 "
        "(explicit modules_to_not_convert). Assumes the FP8 repo stores experts unfused (the bf16 repo fuses them)."),
    "qwen3-vl-4b-fp8": ModelSpec(
        _qwen3_vl(_QWEN3_4B_2507, _qwen3_vl_vision(24, 1024, 4096, 2560, [5, 11, 17]), moe=False), _QWEN3_CODER_FILES, 2,
        "Qwen/Qwen3-VL-4B-Instruct-FP8: block FP8 text linears, bf16 vision tower and tied embeddings (4.88 GiB of "
        "headers; the record's 6.14 GiB is the author's reading of the log)."),
    "qwen38-27b-fp8": ModelSpec(
        _qwen35_27b_fp8(), _QWEN35_FILES, 11, "Qwen/Qwen3.8-27B-FP8 (block FP8)." + _MTP_NOTE, faithful=False,
        reason=_QWEN35_UNVERIFIED + "; the FP8 ignore list is assumed like Qwen3-Next-FP8's (lm_head, vision, GDN "
        "in_proj_a/b)"),
    "qwen38-27b-nvfp4-inferact": ModelSpec(
        _qwen35_27b(_ct({"group_0": _CT_NVFP4}, _NVFP4_IGNORE, "nvfp4-pack-quantized")), _QWEN35_FILES, 6,
        "Inferact/Qwen3.8-27B-NVFP4 (compressed-tensors NVFP4 W4A4)." + _MTP_NOTE, faithful=False,
        reason=_QWEN35_UNVERIFIED + "; format and ignore list assumed (compressed-tensors NVFP4 on attention and MLP; "
        "GDN, vision, lm_head and MTP bf16): that predicts ~12.9 GiB per TP2 rank vs the logged 12.02 (an NVFP4 "
        "lm_head would match)"),
    "qwen38-27b-nvfp4-unsloth": ModelSpec(
        _qwen35_27b(_ct(_UNSLOTH_GROUPS, _NVFP4_IGNORE[:2] + ["re:.*in_proj_(a|b)$", "re:^mtp.*"], "mixed-precision")),
        _QWEN35_FILES, 6,
        "unsloth/Qwen3.8-27B-NVFP4: MLPs NVFP4, attention and GDN projections FP8 channel-wise." + _MTP_NOTE,
        faithful=False, reason=_QWEN35_UNVERIFIED + "; the NVFP4/FP8 split is assumed from the record's description "
        "(it reproduces the logged 10.64 GiB per TP2 rank)"),
    "qwen35-27b": ModelSpec(_qwen35_27b(), _QWEN35_FILES, 11, "Qwen/Qwen3.5-27B (bf16)." + _MTP_NOTE, faithful=False,
                            reason=_QWEN35_UNVERIFIED),
    "qwen3-4b-2507": ModelSpec(_QWEN3_4B_2507, _files("qwen3_think", 262144, _QWEN_INSTRUCT_GEN), 3,
                               "Qwen/Qwen3-4B-Instruct-2507 (tied embeddings)."),
    "qwen3-4b-2507-fp8": ModelSpec(
        _QWEN3_4B_2507 | {"quantization_config": _fp8_block()}, _files("qwen3_think", 262144, _QWEN_INSTRUCT_GEN), 2,
        "Qwen/Qwen3-4B-Instruct-2507-FP8: block FP8 linears, tied bf16 embedding."),
    "qwen36-35b-a3b-nvfp4": ModelSpec(
        _qwen35(dict(_QWEN36_35B_TEXT), moe=True, vision_out=2048, quant={"quant_method": "modelopt", **_MODELOPT_NVFP4}),
        _QWEN35_FILES | {"hf_quant_config.json": {"producer": {"name": "modelopt", "version": "0.37.0"},
                                                  "quantization": _MODELOPT_NVFP4}}, 4,
        "Qwen3.6-35B-A3B NVFP4 (ModelOpt), local copy of an unnamed repo." + _MTP_NOTE, faithful=False,
        reason="the record has no config at all: the geometry is guessed as a Qwen3.5-style 35B-A3B hybrid MoE (40 "
        "layers, 10 full-attention, hidden 2048, 256 experts x 512, GDN 16/32 heads, vocab 248320) and the ModelOpt "
        "exclude list (GDN, routers, vision, lm_head, MTP) is assumed"),
    "qwen3-14b": ModelSpec(_QWEN3_14B, _files("qwen3_think", 131072, _QWEN3_GEN), 8, "Qwen/Qwen3-14B (bf16)."),
    "qwen3-14b-awq": ModelSpec(
        _QWEN3_14B | {"torch_dtype": "float16", "quantization_config": _awq()}, _files("qwen3_think", 131072, _QWEN3_GEN),
        3, "Qwen/Qwen3-14B-AWQ: official AWQ gemm 4-bit g128; fp16 embeddings/lm_head/norms."),
}
_SPECS["llama31-8b-dpo-finetune"] = replace(
    _SPECS["llama31-8b"],
    note="Local DPO fine-tune of a Llama-3.1-8B-architecture model ('models/final_dpo'); the base is not named, so "
    "Llama-3.1-8B-Instruct's layout is assumed (the logged 14.99 GiB and 128 KiB/token KV match it exactly).")


# --- checkpoints of the second public set (vllm_logs_public_more.jsonl) ------------------------------

_QWEN25_7B = _qwen2(3584, 18944, 28, 28, 4, vocab=152064, tie=False, window_layers=28, sliding=131072)
_BNB4 = dict(quant_method="bitsandbytes", load_in_4bit=True, load_in_8bit=False, bnb_4bit_quant_type="nf4",
             bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype="bfloat16", llm_int8_skip_modules=["lm_head"])
_QWEN25_05B = _qwen2(896, 4864, 24, 14, 2, vocab=151936, tie=True, window_layers=21, sliding=32768)
_TINYLLAMA = dict(
    architectures=["LlamaForCausalLM"], attention_bias=False, bos_token_id=1, eos_token_id=2, hidden_act="silu",
    hidden_size=2048, initializer_range=0.02, intermediate_size=5632, max_position_embeddings=2048, model_type="llama",
    num_attention_heads=32, num_hidden_layers=22, num_key_value_heads=4, pretraining_tp=1, rms_norm_eps=1e-05,
    rope_scaling=None, rope_theta=10000.0, tie_word_embeddings=False, torch_dtype="bfloat16",
    transformers_version="4.40.0", use_cache=True, vocab_size=32000)
_LLAMA3_8B = _LLAMA31 | dict(eos_token_id=128001, max_position_embeddings=8192, rope_scaling=None,
                             transformers_version="4.40.0.dev0")
_LLAMA32_3B = _LLAMA31 | dict(hidden_size=3072, intermediate_size=8192, num_attention_heads=24, num_hidden_layers=28,
                              head_dim=128, tie_word_embeddings=True,
                              rope_scaling=dict(factor=32.0, low_freq_factor=1.0, high_freq_factor=4.0,
                                                original_max_position_embeddings=8192, rope_type="llama3"))
_PHI4_MINI = dict(
    architectures=["Phi3ForCausalLM"], attention_bias=False, attention_dropout=0.0, bos_token_id=199999,
    eos_token_id=199999, hidden_act="silu", hidden_size=3072, initializer_range=0.02, intermediate_size=8192,
    max_position_embeddings=131072, model_type="phi3", num_attention_heads=24, num_hidden_layers=32,
    num_key_value_heads=8, original_max_position_embeddings=4096, pad_token_id=199999, partial_rotary_factor=0.75,
    resid_pdrop=0.0, rms_norm_eps=1e-05, rope_theta=10000.0, sliding_window=262144, tie_word_embeddings=True,
    torch_dtype="float16", transformers_version="4.48.1", use_cache=True, vocab_size=200064,
    rope_scaling=dict(type="longrope", long_factor=[1.0] * 48, short_factor=[1.0] * 48))
_DSCODER_V2_LITE = dict(
    architectures=["DeepseekV2ForCausalLM"], attention_bias=False, attention_dropout=0.0, aux_loss_alpha=0.001,
    bos_token_id=100000, eos_token_id=100001, first_k_dense_replace=1, hidden_act="silu", hidden_size=2048,
    initializer_range=0.02, intermediate_size=10944, kv_lora_rank=512, max_position_embeddings=163840,
    model_type="deepseek_v2", moe_intermediate_size=1408, moe_layer_freq=1, n_group=1, n_routed_experts=64,
    n_shared_experts=2, norm_topk_prob=False, num_attention_heads=16, num_experts_per_tok=6, num_hidden_layers=27,
    num_key_value_heads=16, pretraining_tp=1, q_lora_rank=None, qk_nope_head_dim=128, qk_rope_head_dim=64,
    rms_norm_eps=1e-06, rope_scaling=dict(beta_fast=32, beta_slow=1, factor=40, mscale=0.707, mscale_all_dim=0.707,
                                          original_max_position_embeddings=4096, type="yarn"),
    rope_theta=10000, routed_scaling_factor=1.0, scoring_func="softmax", seq_aux=True, tie_word_embeddings=False,
    topk_group=1, topk_method="greedy", torch_dtype="bfloat16", transformers_version="4.39.3", use_cache=True,
    v_head_dim=128, vocab_size=102400)
_QWEN25_VL_7B = _QWEN25_7B | dict(
    architectures=["Qwen2_5_VLForConditionalGeneration"], model_type="qwen2_5_vl", max_position_embeddings=128000,
    image_token_id=151655, video_token_id=151656, vision_start_token_id=151652, vision_end_token_id=151653,
    rope_scaling={"type": "mrope", "mrope_section": [16, 24, 24], "rope_type": "default"},
    vision_config=dict(depth=32, hidden_act="silu", hidden_size=1280, intermediate_size=3420, num_heads=16,
                       in_chans=3, out_hidden_size=3584, patch_size=14, spatial_merge_size=2, spatial_patch_size=14,
                       window_size=112, fullatt_block_indexes=[7, 15, 23, 31], tokens_per_second=2,
                       temporal_patch_size=2, model_type="qwen2_5_vl"))
_QWEN25_72B_TEXT = _qwen2(8192, 29568, 80, 64, 8, vocab=151674, tie=False, window_layers=70, sliding=131072)
_MINERU_LIKE = _QWEN25_VL_7B | _qwen2(896, 4864, 24, 14, 2, vocab=151936, tie=True, window_layers=21, sliding=32768) | dict(
    architectures=["Qwen2VLForConditionalGeneration"], model_type="qwen2_5_vl", rope_scaling=_QWEN25_VL_7B["rope_scaling"],
    vision_config=_QWEN25_VL_7B["vision_config"] | dict(out_hidden_size=896))
_SECOND_SET_NOTE = "from the public config.json as remembered; geometry cross-checked against the record's KV bytes per token"

_SPECS.update({
    "qwen25-7b": ModelSpec(_QWEN25_7B, _files("qwen_tools", 131072, _QWEN_INSTRUCT_GEN), 4,
                           "Qwen/Qwen2.5-7B(-Instruct) and Qwen/Qwen2-7B-Instruct share this geometry (bf16, untied). "
                           + _SECOND_SET_NOTE),
    "qwen25-7b-1m": ModelSpec(_QWEN25_7B | {"max_position_embeddings": 1010000}, _files("qwen_tools", 1010000), 4,
                              "Qwen/Qwen2.5-7B-Instruct-1M (bf16 checkpoint; the record quantizes it in flight)."),
    "qwen25-0.5b-base": ModelSpec(_QWEN25_05B, _files("qwen_tools", 131072), 1, "Qwen/Qwen2.5-0.5B (base, tied)."),
    "qwen25-0.5b-bnb4-unsloth": ModelSpec(
        _QWEN25_05B | {"quantization_config": _BNB4}, _files("qwen_tools", 32768), 1,
        "unsloth/qwen2.5-0.5b-instruct-unsloth-bnb-4bit: nf4 double-quant linears, bf16 tied embedding.",
        tensor_config=_QWEN25_05B, bnb4=True, faithful=False,
        reason="Unsloth's dynamic 4-bit keeps an unlisted set of modules in bf16, and the run goes through Unsloth's "
        "runtime patches (LoRA, utilization and batch chosen by Unsloth)"),
    "rho-1b": ModelSpec(_TINYLLAMA, _files("llama3", 2048), 1,
                        "realtreetune/rho-1b-sft-GSM8K: TinyLlama-1.1B geometry (22 layers, 4 KV heads, vocab 32000)."),
    "llama3-8b": ModelSpec(_LLAMA3_8B, _files("llama3", 8192), 4, "meta-llama/Meta-Llama-3-8B (bf16, 8K context)."),
    "llama32-3b-q8-gguf": ModelSpec(
        _LLAMA32_3B | {"quantization_config": {"quant_method": "gguf"}}, _files("llama3", 131072), 1,
        "Llama-3.2-3B-Instruct-Q8_0.gguf emulated as int8 channel-wise linears with a 16-bit tied embedding.",
        quantization=_ct({"group_0": {"targets": ["Linear"], "input_activations": None,
                                      "weights": _ct_weights(8, "int", "channel", None)}}, ["lm_head"], "pack-quantized"),
        faithful=False, reason="the checkpoint is a GGUF file (Q8_0: 8.5 bits per weight, embedding quantized too); "
        "the folder emulates its size with int8 safetensors",
        params_note="int8 pack-quantized emulation of a GGUF file: packed int32 words are not unpacked to parameters"),
    "phi4-mini": ModelSpec(_PHI4_MINI, _files("llama3", 131072), 2,
                           "merged fine-tune of microsoft/Phi-4-mini-instruct saved in fp16 (tied embedding, fused "
                           "qkv/gate_up in the real checkpoint; same sizes).",
                           tensor_config=_PHI4_MINI | {"model_type": "llama", "architectures": ["LlamaForCausalLM"]}),
    "dscoder-v2-lite": ModelSpec(_DSCODER_V2_LITE, _files("llama3", 163840), 1,
                                 "deepseek-ai/DeepSeek-Coder-V2-Lite-Instruct: MLA (kv_lora 512, no q_lora), 64 routed "
                                 "+ 2 shared experts, first layer dense."),
    "qwen25-vl-7b": ModelSpec(_QWEN25_VL_7B, _files("qwen_tools", 128000), 5,
                              "Qwen/Qwen2.5-VL-7B-Instruct: Qwen2.5-7B text + 32-block windowed ViT (bf16)."),
    "internvl3-78b-text-only": ModelSpec(
        _QWEN25_72B_TEXT, _files("qwen_tools", 32768), 30, "OpenGVLab/InternVL3-78B approximated by its Qwen2.5-72B "
        "language model.", faithful=False,
        reason="InternVLChatModel (InternViT-6B + Qwen2.5-72B) has no synthetic layout: the vision tower's weights "
        "and its video profiling (15.7 GiB per rank in the log) are missing from this folder",
        params_note="the 5.9B-parameter InternViT-6B tower is not in the folder"),
    "qwen3-vl-30b-a3b": ModelSpec(
        {k: v for k, v in _qwen3_vl(_qwen3_moe(2048, 6144, 768, 48, 32, 4, 128, max_pos=262144, theta=5000000),
                                    _qwen3_vl_vision(27, 1152, 4304, 2048, [8, 16, 24]), moe=True).items()
         if k != "quantization_config"}, _QWEN3_CODER_FILES, 13, "Qwen/Qwen3-VL-30B-A3B-Instruct (bf16)."),
    "mineru25-like": ModelSpec(
        _MINERU_LIKE, _files("qwen_tools", 32768), 1, "opendatalab/MinerU2.5-2509-1.2B approximated.", faithful=False,
        reason="the record infers the model; a Qwen2-0.5B decoder with a Qwen2.5-VL vision tower is assumed",
        params_note="the record's 1.2B is MinerU's own figure for a checkpoint whose layout is assumed here"),
})

_RECORD_CHECKPOINT = {
    "pub-qwen3next80b-2xh200-tp2-v0102": "qwen3-next-80b",
    "pub-llava16-mistral7b-80gb-v0102": "llava-next-mistral-7b",
    "pub-qwen3-235b-a22b-2507-fp8-8xl40s-tp8-v0102": "qwen3-235b-a22b-2507-fp8",
    "pub-mistral7b-gptq-dgxspark-v0110nv": "mistral-7b-v02-gptq",
    "pub-qwen3coder30b-a3b-4xl40s-tp4-v0240": "qwen3-coder-30b-a3b",
    "pub-qwen3coder-next-4xl40s-tp4-mamba-blocks-error": "qwen3-coder-next",
    "pub-qwen25-7b-awq-rtx4080-wsl-v0260": "qwen25-7b-awq",
    "pub-llama31-8b-a100-40g-eager-v0151": "llama31-8b",
    "pub-llama31-8b-ft-48gbclass-v0151": "llama31-8b-dpo-finetune",
    "pub-granite40micro-fp8online-l40s-v0110": "granite-4.0-micro",
    "pub-glm46-awq-2xdgxspark-tp2-ngc2509": "glm-4.6-awq",
    "pub-kimi-k2-thinking-8xh200-tp8": "kimi-k2-thinking",
    "pub-kimi-k2-thinking-8xh200-tp8-dcp8": "kimi-k2-thinking",
    "pub-gptoss120b-kaggle-80gb-v0112": "gpt-oss-120b",
    "pub-qwen25-05b-rtx4090-wsl-v0271": "qwen25-0.5b",
    "pub-qwen25-05b-v092-util060": "qwen25-0.5b",
    "pub-qwen25-omni-7b-a100-40g-eager-v0102": "qwen25-omni-7b",
    "pub-qwen3-30b-a3b-2507-2xgh200x4-pp2-tp4-v0101": "qwen3-30b-a3b-2507",
    "pub-qwen3-06b-a100-flashinfer-bf16-pr24577": "qwen3-0.6b",
    "pub-gemma3-4b-b200-bench-latency-pr21489": "gemma3-4b-it",
    "pub-qwen3vl-30b-a3b-fp8-rtxpro6000-v0202-util070": "qwen3-vl-30b-a3b-fp8",
    "pub-qwen3vl-4b-fp8-rtxpro6000-v0202-util015": "qwen3-vl-4b-fp8",
    "pub-qwen38-27b-fp8-2xrtx5090-tp2-fp8kv-v0261": "qwen38-27b-fp8",
    "pub-qwen38-27b-nvfp4-inferact-2xrtx5090-tp2-fp8kv-v0261": "qwen38-27b-nvfp4-inferact",
    "pub-qwen38-27b-nvfp4-unsloth-2xrtx5090-tp2-fp8kv-v0261": "qwen38-27b-nvfp4-unsloth",
    "pub-qwen38-27b-nvfp4-1xrtx5090-eager-fp8kv-32k-v0261": "qwen38-27b-nvfp4-inferact",
    "pub-qwen38-27b-nvfp4-1xrtx5090-eager-bf16kv-32k-v0261": "qwen38-27b-nvfp4-inferact",
    "pub-qwen38-27b-fp8-2xrtx3090-tp2-fp8kv": "qwen38-27b-fp8",
    "pub-qwen35-27b-h20-v0190-tokens-vs-concurrency": "qwen35-27b",
    "pub-qwen3-4b-2507-bf16-rtx5090-131k": "qwen3-4b-2507",
    "pub-qwen3-4b-2507-fp8-rtx5090-32k": "qwen3-4b-2507-fp8",
    "pub-qwen36-35b-a3b-nvfp4-rtx5090-fp8kv-v0240": "qwen36-35b-a3b-nvfp4",
    "pub-qwen3-14b-bf16-l40s-v0280-defaults": "qwen3-14b",
    "pub-qwen3-14b-awq-l40s-v0280-defaults": "qwen3-14b-awq",
    "pub-qwen3-14b-awq-l40s-v0280-tuned-len1024": "qwen3-14b-awq",
    "pub-qwen3-14b-awq-1xl4-v0280": "qwen3-14b-awq",
    "pub-qwen3-14b-awq-2xl4-tp2-v0280": "qwen3-14b-awq",
    "pub-qwen3-14b-awq-2xl4-pp2-v0280": "qwen3-14b-awq",
    # vllm_logs_public_more.jsonl
    "pub-qwen25-05b-bnb4-lora-rtx4090d-util078-v085-v0-unsloth": "qwen25-0.5b-bnb4-unsloth",
    "pub-llama32-3b-q8gguf-rtx4070laptop-8gb-eager-v08x-v0": "llama32-3b-q8-gguf",
    "pub-qwen25-7b-1m-bnb4-rtx3050-6gb-wsl-v073-v0-negative-kv": "qwen25-7b-1m",
    "pub-qwen25-7b-rtx3090-v066-v0-len8192-seqs16": "qwen25-7b",
    "pub-rho1b-sft-gsm8k-h200-v064post1-v0": "rho-1b",
    "pub-qwen25vl-7b-lora-4xa800-tp4-v082-v0": "qwen25-vl-7b",
    "pub-phi4mini-ft-colab-a100-40g-v073-v0-fp16": "phi4-mini",
    "pub-dscoder-v2-lite-8xa100-40g-tp8-sagemaker-djl-v071-v0": "dscoder-v2-lite",
    "pub-qwen25-05b-colab-t4-fp16-v066post1-v0": "qwen25-0.5b-base",
    "pub-internvl3-78b-8xl40s-tp8-v066post1-v0-video": "internvl3-78b-text-only",
    "pub-llama3-8b-80gbclass-v0-pr10511-memory-profiling": "llama3-8b",
    "pub-qwen2-7b-a100-80g-util025-len16k-v01011": "qwen25-7b",
    "pub-qwen2-7b-a100-80g-util050-len16k-v01011": "qwen25-7b",
    "pub-gptoss120b-4xa100-80g-tp4-4nodes-ray-util080-v01011": "gpt-oss-120b",
    "pub-qwen2-7b-2xa100-80g-tp2-util050-v01011": "qwen25-7b",
    "pub-qwen2-7b-2xa100-40g-tp2-2nodes-ray-util050-v01011": "qwen25-7b",
    "pub-qwen25-7b-base-rtx3090-v084-len4096": "qwen25-7b",
    "pub-qwen25-7b-base-2xrtx3090-tp2-util080-v084-len4096": "qwen25-7b",
    "pub-qwen3vl-30b-a3b-4xrtx3090-tp4-len64k-v0110": "qwen3-vl-30b-a3b",
    "pub-llama31-8b-l40s-v1-085dev-pr17122": "llama31-8b",
    "pub-mineru-vlm-rtx2080ti-11gb-util050-len16k-kv-error": "mineru25-like",
    "pub-qwen25-05b-bnb4-lora-rtx4090d-util017-len32k-v085-v0-unsloth": "qwen25-0.5b-bnb4-unsloth",
    "pub-qwen25-05b-bnb4-lora-rtx4090d-util022-len8k-v085-v0-unsloth": "qwen25-0.5b-bnb4-unsloth",
}

# What each record's launch had beyond the settings fields, that changes what vLLM does: the release
# when the record's text names a build rather than a release, the environment (Unsloth sets
# VLLM_USE_V1=0), the usage context (offline LLM class), FlashInfer, nodes, and pins the record's
# command carried (LoRA, in-flight quantization, GGUF).
RECORD_EXTRAS: dict[str, dict] = {
    "pub-qwen25-05b-bnb4-lora-rtx4090d-util078-v085-v0-unsloth": dict(env={"VLLM_USE_V1": "0"}, usage="llm",
                                                                       pins={"enable_lora": True}),
    "pub-qwen25-05b-bnb4-lora-rtx4090d-util017-len32k-v085-v0-unsloth": dict(env={"VLLM_USE_V1": "0"}, usage="llm",
                                                                              pins={"enable_lora": True}),
    "pub-qwen25-05b-bnb4-lora-rtx4090d-util022-len8k-v085-v0-unsloth": dict(env={"VLLM_USE_V1": "0"}, usage="llm",
                                                                             pins={"enable_lora": True}),
    "pub-llama32-3b-q8gguf-rtx4070laptop-8gb-eager-v08x-v0": dict(version="0.8.2"),
    "pub-qwen25-7b-1m-bnb4-rtx3050-6gb-wsl-v073-v0-negative-kv": dict(usage="llm", pins={"quantization": "bitsandbytes"}),
    "pub-qwen25vl-7b-lora-4xa800-tp4-v082-v0": dict(usage="llm", pins={"enable_lora": True}),
    "pub-llama3-8b-80gbclass-v0-pr10511-memory-profiling": dict(version="0.6.5"),  # the PR that became 0.6.5's profiler
    "pub-gptoss120b-4xa100-80g-tp4-4nodes-ray-util080-v01011": dict(nodes=4),
    "pub-qwen2-7b-2xa100-40g-tp2-2nodes-ray-util050-v01011": dict(nodes=2),
    "pub-qwen2-7b-a100-80g-util025-len16k-v01011": dict(flashinfer=True),
    "pub-qwen2-7b-a100-80g-util050-len16k-v01011": dict(flashinfer=True),
    "pub-qwen3-06b-a100-flashinfer-bf16-pr24577": dict(flashinfer=True),
    "pub-qwen25-7b-awq-rtx4080-wsl-v0260": dict(env={"VLLM_USE_FLASHINFER_SAMPLER": "0"}),
    "pub-qwen3coder30b-a3b-4xl40s-tp4-v0240": dict(env={"VLLM_USE_FLASHINFER_SAMPLER": "0"}),
    # A Turing GPU printing V1's "To serve at least one request": 0.10.2+ (0.10.1 falls back to V0 below CC 8.0).
    "pub-mineru-vlm-rtx2080ti-11gb-util050-len16k-kv-error": dict(version="0.10.2"),
    "pub-llama31-8b-l40s-v1-085dev-pr17122": dict(
        launch_unknown="launch flags (utilization, batch) not in the log; the record is a tokens/bytes check only"),
}

# Checkpoint key -> spec, and record id -> spec (records of one checkpoint share the very same object).
CHECKPOINTS: dict[str, ModelSpec] = dict(_SPECS)
CALIBRATION_MODELS: dict[str, ModelSpec] = {rid: _SPECS[key] for rid, key in _RECORD_CHECKPOINT.items()}


def _bnb4(tensors: dict) -> dict:
    """bitsandbytes nf4 with double quantisation (block 64, nested block 256), as bnb checkpoints
    store it: every 2-D linear weight but embeddings and lm_head."""
    out: dict = {}
    for name, (dtype, shape) in tensors.items():
        if len(shape) == 2 and name.endswith(".weight") and "embed" not in name and "lm_head" not in name \
                and "norm" not in name:
            numel = shape[0] * shape[1]
            out[name] = ("U8", [numel // 2, 1])
            out[name + ".absmax"] = ("U8", [numel // 64])
            out[name + ".nested_absmax"] = ("F32", [max(1, numel // 64 // 256)])
            out[name + ".quant_map"] = ("F32", [16])
            out[name + ".nested_quant_map"] = ("F32", [256])
            out[name + ".quant_state.bitsandbytes__nf4"] = ("U8", [120])
        else:
            out[name] = (dtype, shape)
    return out


def spec_tensors(spec: ModelSpec) -> dict:
    """Every tensor the spec's checkpoint lists in its safetensors headers."""
    tensors = tensors_for_config(spec.tensor_config or spec.config, quantization=spec.quantization)
    return _bnb4(tensors) if spec.bnb4 else tensors


def build_model_folder(record_id: str, dest: Path) -> Path:
    """Write the record's checkpoint folder (config, extra files, sparse safetensors) into `dest`."""
    spec = CALIBRATION_MODELS[record_id]
    tensors = spec_tensors(spec)
    return write_model_folder(Path(dest), spec.config, tensors, shards=spec.shards, extra_files=spec.extra_files)
