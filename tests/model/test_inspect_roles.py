"""Tensor names -> roles, fused q/k/v splitting, logical params of packed formats, and the tally."""

from __future__ import annotations

import pytest
from inspect_fixtures import LLAMA_31_8B, config

from wizard.model.config import parse_config
from wizard.model.facts import QuantizationFacts
from wizard.model.quantization import params_per_element
from wizard.model.roles import FUSED_QKV, classify, split_qkv, tally_weights
from wizard.model.safetensors_header import TensorInfo


@pytest.mark.parametrize("name,role", [
    # llama / qwen / mistral
    ("model.embed_tokens.weight", "embed"),
    ("lm_head.weight", "lm_head"),
    ("model.layers.0.self_attn.q_proj.weight", "attn_qo"),
    ("model.layers.0.self_attn.o_proj.weight", "attn_qo"),
    ("model.layers.0.self_attn.k_proj.weight", "attn_kv"),
    ("model.layers.0.self_attn.v_proj.weight", "attn_kv"),
    ("model.layers.0.self_attn.q_proj.bias", "norm"),
    ("model.layers.0.self_attn.q_norm.weight", "norm"),
    ("model.layers.0.input_layernorm.weight", "norm"),
    ("model.norm.weight", "norm"),
    ("model.layers.0.mlp.gate_proj.weight", "mlp"),
    ("model.layers.0.mlp.up_proj.weight", "mlp"),
    ("model.layers.0.mlp.down_proj.weight", "mlp"),
    # fused projections (Phi-3, Falcon, GPT-2)
    ("model.layers.0.self_attn.qkv_proj.weight", FUSED_QKV),
    ("transformer.h.0.self_attention.query_key_value.weight", FUSED_QKV),
    ("transformer.h.0.attn.c_attn.weight", FUSED_QKV),
    ("transformer.h.0.attn.c_proj.weight", "attn_qo"),
    ("transformer.h.0.mlp.c_proj.weight", "mlp"),
    ("transformer.h.0.self_attention.dense.weight", "attn_qo"),
    ("transformer.word_embeddings.weight", "embed"),
    ("model.layers.0.mlp.gate_up_proj.weight", "mlp"),
    # MoE
    ("model.layers.0.mlp.experts.3.gate_proj.weight", "experts"),
    ("model.layers.0.block_sparse_moe.experts.7.w2.weight", "experts"),
    ("model.layers.0.block_sparse_moe.gate.weight", "router"),
    ("model.layers.0.mlp.gate.weight", "router"),
    ("model.layers.3.mlp.gate.e_score_correction_bias", "router"),
    ("model.layers.0.mlp.router.weight", "router"),
    ("model.layers.0.mlp.router.bias", "router"),
    ("model.layers.0.mlp.shared_expert.down_proj.weight", "mlp"),
    ("model.layers.0.mlp.shared_expert_gate.weight", "router"),
    ("model.layers.3.mlp.shared_experts.up_proj.weight", "mlp"),
    ("model.layers.0.block_sparse_moe.input_linear.weight", "experts"),  # granite stacked experts
    ("model.layers.0.block_sparse_moe.router.layer.weight", "router"),
    ("model.layers.0.shared_mlp.input_linear.weight", "mlp"),
    # gpt-oss mxfp4 experts and attention sinks
    ("model.layers.0.mlp.experts.gate_up_proj_blocks", "experts"),
    ("model.layers.0.mlp.experts.gate_up_proj_scales", "experts"),
    ("model.layers.0.mlp.experts.down_proj_bias", "experts"),
    ("model.layers.0.self_attn.sinks", "attn_qo"),
    # MLA
    ("model.layers.0.self_attn.q_a_proj.weight", "mla_kv"),
    ("model.layers.0.self_attn.q_b_proj.weight", "attn_qo"),
    ("model.layers.0.self_attn.kv_a_proj_with_mqa.weight", "mla_kv"),
    ("model.layers.0.self_attn.kv_b_proj.weight", "attn_qo"),
    ("model.layers.0.self_attn.kv_a_layernorm.weight", "norm"),
    ("model.layers.0.self_attn.kv_b_proj.weight_scale_inv", "attn_qo"),
    # GDN and Mamba2
    ("model.layers.0.linear_attn.in_proj_qkvz.weight", "linear_attn"),
    ("model.layers.0.linear_attn.out_proj.weight", "linear_attn"),
    ("model.layers.0.linear_attn.A_log", "linear_attn"),
    ("backbone.embeddings.weight", "embed"),
    ("backbone.layers.0.mixer.in_proj.weight", "linear_attn"),
    ("backbone.layers.0.mixer.out_proj.weight", "linear_attn"),
    ("backbone.layers.0.mixer.dt_bias", "linear_attn"),
    ("backbone.layers.0.mixer.conv1d.bias", "linear_attn"),
    ("backbone.layers.1.mixer.up_proj.weight", "mlp"),
    ("backbone.layers.7.mixer.q_proj.weight", "attn_qo"),
    ("backbone.layers.7.mixer.k_proj.weight", "attn_kv"),
    ("backbone.norm_f.weight", "norm"),
    ("model.layers.0.mamba.in_proj.weight", "linear_attn"),
    # multimodal towers
    ("vision_tower.vision_model.encoder.layers.0.self_attn.q_proj.weight", "vision"),
    ("multi_modal_projector.linear_1.weight", "vision"),
    ("visual.blocks.0.attn.qkv.weight", "vision"),
    ("model.visual.merger.mlp.0.weight", "vision"),
    ("thinker.audio_tower.layers.0.fc1.weight", "vision"),
    ("image_newline", "vision"),
    ("language_model.model.layers.0.self_attn.q_proj.weight", "attn_qo"),
    ("model.language_model.embed_tokens.weight", "embed"),
    ("thinker.lm_head.weight", "lm_head"),
    ("talker.model.layers.0.self_attn.q_proj.weight", "unused"),
    # MTP
    ("mtp.fc.weight", "mtp"),
    ("mtp.layers.0.self_attn.q_proj.weight", "mtp"),
    ("model.layers.61.eh_proj.weight", "mtp"),
    ("model.layers.61.mlp.experts.0.gate_proj.weight", "mtp"),
    # quantized companions follow their base tensor
    ("model.layers.0.self_attn.q_proj.qweight", "attn_qo"),
    ("model.layers.0.self_attn.k_proj.qzeros", "attn_kv"),
    ("model.layers.0.mlp.down_proj.scales", "mlp"),
    ("model.layers.0.mlp.down_proj.g_idx", "mlp"),
    ("model.layers.0.self_attn.v_proj.weight_scale", "attn_kv"),
    ("model.layers.0.mlp.experts.0.up_proj.weight_packed", "experts"),
    ("model.layers.0.self_attn.o_proj.input_scale", "attn_qo"),
    ("something.unheard_of", "other"),
])
def test_classify(name, role):
    assert classify(name, num_hidden_layers=61) == role


def test_mtp_only_beyond_the_declared_layers():
    assert classify("model.layers.60.mlp.gate_proj.weight", 61) == "mlp"
    assert classify("model.layers.61.mlp.gate_proj.weight", 61) == "mtp"
    assert classify("model.layers.61.mlp.gate_proj.weight", None) == "mlp"


def test_split_qkv_by_head_ratio():
    arch = parse_config(LLAMA_31_8B, "c").arch  # 32 q heads, 8 kv heads: k+v are 16 of 48 head slots
    assert split_qkv(48_000, arch) == [("attn_qo", 32_000), ("attn_kv", 16_000)]
    assert split_qkv(100, None) == [("attn_qo", 100)]


GPTQ = QuantizationFacts(method="gptq", source_file="config.json", bits=4, group_size=128)


@pytest.mark.parametrize("name,dtype,quant,expected", [
    ("model.layers.0.mlp.up_proj.weight", "BF16", None, 1),
    ("model.layers.0.mlp.up_proj.qweight", "I32", GPTQ, 8),
    ("model.layers.0.mlp.up_proj.qweight", "I32",
     QuantizationFacts(method="gptq", source_file="c", bits=8), 4),
    ("model.layers.0.mlp.up_proj.scales", "F16", GPTQ, 0),
    ("model.layers.0.mlp.up_proj.qzeros", "I32", GPTQ, 0),
    ("model.layers.0.mlp.up_proj.g_idx", "I32", GPTQ, 0),
    ("model.layers.0.mlp.experts.gate_up_proj_blocks", "U8", None, 2),
    ("model.layers.0.mlp.experts.gate_up_proj_scales", "U8", None, 0),
    ("model.layers.0.mlp.up_proj.weight_scale", "F32", None, 0),
    ("model.layers.0.mlp.up_proj.weight", "U8", QuantizationFacts(method="modelopt_fp4", source_file="c", bits=4), 2),
    ("model.layers.0.mlp.up_proj.weight", "F8_E4M3", QuantizationFacts(method="fp8", source_file="c", bits=8), 1),
])
def test_params_per_element(name, dtype, quant, expected):
    assert params_per_element(name, dtype, quant) == expected


def test_tally_counts_bytes_by_dtype_role_and_logical_params():
    arch = parse_config(config(LLAMA_31_8B, num_attention_heads=4, num_key_value_heads=2, hidden_size=64), "c").arch
    shard1 = {
        "model.embed_tokens.weight": TensorInfo("BF16", (100, 64), 12800),
        "model.layers.0.self_attn.qkv_proj.weight": TensorInfo("BF16", (128, 64), 16384),
    }
    shard2 = {
        "model.layers.0.mlp.down_proj.qweight": TensorInfo("I32", (8, 64), 2048),
        "model.layers.0.mlp.down_proj.scales": TensorInfo("F16", (1, 64), 128),
        "lm_head.weight": TensorInfo("F32", (100, 64), 25600),
    }
    w = tally_weights([("a.safetensors", shard1), ("b.safetensors", shard2)], num_hidden_layers=1, arch=arch, quant=GPTQ)
    assert w.source == "safetensors" and w.shard_count == 2 and w.tensor_count == 5
    assert w.files == ("a.safetensors", "b.safetensors")
    assert w.total_bytes == 12800 + 16384 + 2048 + 128 + 25600
    assert w.bytes_by_dtype == {"F32": 25600, "BF16": 29184, "I32": 2048, "F16": 128}
    # qkv: 4 q heads + 2*2 kv heads -> half of the fused bytes are k/v
    assert w.bytes_by_role["attn_qo"] == 8192 and w.bytes_by_role["attn_kv"] == 8192
    assert w.bytes_by_role["mlp"] == 2048 + 128 and w.bytes_by_role["lm_head"] == 25600
    assert w.params == 6400 + 8192 + 512 * 8 + 6400
    assert w.checkpoint_dtype == "bfloat16"  # most bytes among the float dtypes (29184 > 25600)
