"""config.json -> ArchitectureFacts for every family the planner supports, and its error messages."""

from __future__ import annotations

import pytest
from inspect_fixtures import (
    BAMBA_9B, DEEPSEEK_V3, FALCON_H1_7B, GEMMA2_9B, GEMMA3_4B, GLM_46, GPT_OSS_120B, GRANITE_4_H_SMALL,
    GRANITE_4_MICRO, INTERNVL_25_8B, JAMBA_V01, KIMI_K2, LLAMA_31_8B, LLAVA_15_7B, LLAVA_NEXT_MISTRAL,
    MISTRAL_7B_V01, MIXTRAL_8X7B, NEMOTRON_H_9B, QWEN3_06B, QWEN3_235B, QWEN3_NEXT_80B, QWEN3_VL_4B, QWEN15_MOE,
    QWEN25_7B, QWEN25_OMNI_7B, QWEN35_27B, config,
)

from wizard.errors import ModelFileError
from wizard.model.config import parse_config
from wizard.model.estimate import MlpLayout, mlp_layout

ALL = {
    "llama": LLAMA_31_8B, "mistral": MISTRAL_7B_V01, "qwen2": QWEN25_7B, "qwen3": QWEN3_06B, "mixtral": MIXTRAL_8X7B,
    "qwen2_moe": QWEN15_MOE, "qwen3_moe": QWEN3_235B, "deepseek_v3": DEEPSEEK_V3, "kimi_k2": KIMI_K2,
    "gpt_oss": GPT_OSS_120B, "gemma2": GEMMA2_9B, "gemma3": GEMMA3_4B, "qwen3_next": QWEN3_NEXT_80B,
    "qwen3_5": QWEN35_27B, "nemotron_h": NEMOTRON_H_9B, "granite_h": GRANITE_4_H_SMALL, "granite_micro": GRANITE_4_MICRO,
    "jamba": JAMBA_V01, "bamba": BAMBA_9B, "llava": LLAVA_15_7B, "llava_next": LLAVA_NEXT_MISTRAL,
    "qwen2_5_omni": QWEN25_OMNI_7B, "qwen3_vl": QWEN3_VL_4B, "internvl": INTERNVL_25_8B, "glm4_moe": GLM_46,
}


def arch(cfg: dict):
    return parse_config(cfg, "config.json").arch


@pytest.mark.parametrize("name", sorted(ALL))
def test_layer_kinds_add_up_to_num_layers(name):
    a = arch(ALL[name])
    linear = a.linear_attention.num_layers if a.linear_attention else 0
    assert a.full_attention_layers + a.sliding_window_layers + linear == a.num_layers
    assert (a.sliding_window is not None) == (a.sliding_window_layers > 0)


def test_llama_dense_gqa():
    a = arch(LLAMA_31_8B)
    assert (a.num_layers, a.num_attention_heads, a.num_kv_heads, a.head_dim) == (32, 32, 8, 128)
    assert a.full_attention_layers == 32 and a.moe is None and a.mla is None
    assert a.max_length_keys == {"max_position_embeddings": 131072}
    assert a.rope_scaling["rope_type"] == "llama3" and a.rope_theta == 500000.0 and a.rotary_dim == 128


def test_head_dim_explicit_beats_hidden_over_heads():
    assert arch(QWEN3_06B).head_dim == 128  # 1024 / 16 would be 64
    assert arch(config(QWEN3_06B, head_dim=None)).head_dim == 64
    assert arch(QWEN3_06B).tie_word_embeddings is True


def test_sliding_window_everywhere_for_mistral_v01_and_ignored_when_disabled():
    a = arch(MISTRAL_7B_V01)
    assert (a.full_attention_layers, a.sliding_window_layers, a.sliding_window) == (0, 32, 4096)
    q = arch(QWEN25_7B)  # sliding_window 131072 but use_sliding_window false
    assert (q.sliding_window_layers, q.sliding_window) == (0, None)
    on = arch(config(QWEN25_7B, use_sliding_window=True, max_window_layers=20))
    assert (on.full_attention_layers, on.sliding_window_layers) == (20, 8)


@pytest.mark.parametrize("cfg,experts,per_tok,size,shared,first_dense", [
    (MIXTRAL_8X7B, 8, 2, 14336, None, 0),
    (QWEN15_MOE, 60, 4, 1408, 5632, 0),
    (QWEN3_235B, 128, 8, 1536, None, 0),
    (DEEPSEEK_V3, 256, 8, 2048, None, 3),
    (KIMI_K2, 384, 8, 2048, None, 1),
    (GPT_OSS_120B, 128, 4, 2880, None, 0),
    (GLM_46, 160, 8, 1536, None, 3),
])
def test_moe(cfg, experts, per_tok, size, shared, first_dense):
    m = arch(cfg).moe
    assert (m.num_experts, m.experts_per_token, m.moe_intermediate_size) == (experts, per_tok, size)
    assert m.shared_expert_intermediate_size == shared and m.first_dense_layers == first_dense


def test_which_layers_hold_experts():
    def layout(cfg):
        m = mlp_layout(parse_config(cfg, "c"))
        return m.dense_layers, m.moe_layers
    assert layout(DEEPSEEK_V3) == (3, 58)
    assert layout(JAMBA_V01) == (16, 16)
    assert layout(config(QWEN15_MOE, decoder_sparse_step=2, mlp_only_layers=[1, 2])) == (13, 11)
    assert layout(LLAMA_31_8B) == (32, 0)


def test_dense_model_has_no_moe_even_with_zero_experts():
    assert arch(GRANITE_4_MICRO).moe is None


@pytest.mark.parametrize("cfg", [DEEPSEEK_V3, KIMI_K2])
def test_mla(cfg):
    a = arch(cfg)
    assert a.mla.kv_lora_rank == 512 and a.mla.qk_rope_head_dim == 64 and a.mla.q_lora_rank == 1536
    assert a.mla.qk_nope_head_dim == 128 and a.mla.v_head_dim == 128
    assert a.head_dim == 192 and a.rotary_dim == 64 and a.full_attention_layers == 61
    assert arch(DEEPSEEK_V3).moe.num_shared_experts == 1


def test_gpt_oss_alternates_sliding_and_full():
    a = arch(GPT_OSS_120B)
    assert (a.full_attention_layers, a.sliding_window_layers, a.sliding_window) == (18, 18, 128)
    without_types = arch(config(GPT_OSS_120B, layer_types=None))
    assert (without_types.full_attention_layers, without_types.sliding_window_layers) == (18, 18)


def test_gemma2_alternates():
    a = arch(GEMMA2_9B)
    assert (a.full_attention_layers, a.sliding_window_layers, a.sliding_window) == (21, 21, 4096)
    assert a.tie_word_embeddings is True  # gemma ties by default


def test_gemma3_nested_text_config_with_transformers_defaults():
    p = parse_config(GEMMA3_4B, "config.json")
    a = p.arch
    assert (a.hidden_size, a.num_layers, a.num_attention_heads, a.num_kv_heads, a.head_dim) == (2560, 34, 8, 4, 256)
    assert a.vocab_size == 262208 and a.tie_word_embeddings and a.has_vision
    # pattern 6: layers 5, 11, 17, 23, 29 are global
    assert (a.full_attention_layers, a.sliding_window_layers, a.sliding_window) == (5, 29, 1024)
    assert any("defaults for gemma3_text" in n for n in p.notes)
    explicit = config(GEMMA3_4B)
    explicit["text_config"]["layer_types"] = ["sliding_attention"] * 5 + ["full_attention"] + ["sliding_attention"] * 28
    assert arch(explicit).full_attention_layers == 1


def test_qwen3_next_hybrid_gdn_from_interval():
    a = arch(QWEN3_NEXT_80B)
    lin = a.linear_attention
    assert (a.full_attention_layers, lin.kind, lin.num_layers) == (12, "gdn", 36)
    assert (lin.num_key_heads, lin.num_value_heads, lin.key_head_dim, lin.value_head_dim, lin.conv_kernel) == (16, 32, 128, 128, 4)
    assert a.rotary_dim == 64  # partial_rotary_factor 0.25 of head_dim 256
    assert a.moe.num_experts == 512 and a.moe.shared_expert_intermediate_size == 512


def test_qwen3_5_hybrid_from_layer_types_in_text_config():
    a = arch(QWEN35_27B)
    assert (a.full_attention_layers, a.linear_attention.num_layers, a.linear_attention.num_value_heads) == (16, 48, 48)
    assert a.has_vision and a.hidden_size == 5120


def test_nemotron_h_pattern():
    p = parse_config(NEMOTRON_H_9B, "config.json")
    lin = p.arch.linear_attention
    assert (p.arch.full_attention_layers, lin.kind, lin.num_layers) == (4, "mamba2", 27)
    assert (lin.num_heads, lin.head_dim, lin.state_size, lin.n_groups, lin.intermediate_size) == (128, 80, 128, 8, 10240)
    assert p.num_hidden_layers == 56 and p.has_remote_code
    assert mlp_layout(p) == MlpLayout(25, 0, gated=False)
    assert any("MLP-only" in n for n in p.notes)


def test_granite_hybrid_and_granite_micro():
    a = arch(GRANITE_4_H_SMALL)
    assert (a.full_attention_layers, a.linear_attention.kind, a.linear_attention.num_layers) == (4, "mamba2", 36)
    assert a.linear_attention.head_dim == 64 and a.moe.num_experts == 72
    assert a.moe.shared_expert_intermediate_size == 8192
    micro = arch(GRANITE_4_MICRO)
    assert micro.linear_attention is None and micro.full_attention_layers == 40


def test_jamba_period_and_bamba_indices():
    j = arch(JAMBA_V01)
    assert (j.full_attention_layers, j.linear_attention.num_layers, j.linear_attention.intermediate_size) == (4, 28, 8192)
    assert (j.linear_attention.num_heads, j.linear_attention.head_dim, j.linear_attention.state_size) == (1, 8192, 16)
    b = arch(BAMBA_9B)
    assert (b.full_attention_layers, b.linear_attention.num_layers) == (3, 29)


def test_falcon_h1_is_parallel_and_says_so():
    p = parse_config(FALCON_H1_7B, "config.json")
    assert p.arch.full_attention_layers == 44 and p.arch.linear_attention.num_layers == 44
    assert p.arch.linear_attention.intermediate_size == 6144
    assert any("side by side" in n for n in p.notes)


@pytest.mark.parametrize("cfg,hidden,layers,kv,inter", [
    (LLAVA_15_7B, 4096, 32, 32, 11008),  # llama defaults fill the partial text_config
    (LLAVA_NEXT_MISTRAL, 4096, 32, 8, 14336),
    (QWEN25_OMNI_7B, 3584, 28, 4, 18944),  # thinker_config.text_config
    (QWEN3_VL_4B, 2560, 36, 8, 9728),
    (INTERNVL_25_8B, 4096, 32, 8, 14336),  # llm_config
])
def test_vlm_nesting(cfg, hidden, layers, kv, inter):
    a = arch(cfg)
    assert (a.hidden_size, a.num_layers, a.num_kv_heads, a.intermediate_size) == (hidden, layers, kv, inter)
    assert a.has_vision


def test_omni_has_audio_and_internvl_remote_code():
    assert arch(QWEN25_OMNI_7B).has_audio
    assert parse_config(INTERNVL_25_8B, "config.json").has_remote_code
    assert not parse_config(LLAMA_31_8B, "config.json").has_remote_code
    assert arch(QWEN3_VL_4B).torch_dtype == "bfloat16"  # transformers 5 spells it "dtype"


def test_every_max_length_key_is_collected():
    cfg = config(LLAMA_31_8B, n_positions=2048, seq_length=4096, max_seq_len=8192, max_target_positions=1,
                 max_sequence_length=2, max_seq_length=3, seq_len=4)
    assert set(arch(cfg).max_length_keys) == {"max_position_embeddings", "n_positions", "max_seq_len", "seq_length",
                                              "max_target_positions", "max_sequence_length", "max_seq_length", "seq_len"}


def test_tokenizer_model_max_length_ignores_sentinels():
    assert parse_config(LLAMA_31_8B, "c", 131072).arch.tokenizer_model_max_length == 131072
    assert parse_config(LLAMA_31_8B, "c", 1e30).arch.tokenizer_model_max_length is None
    assert parse_config(LLAMA_31_8B, "c", 1000000000000000019884624838656).arch.tokenizer_model_max_length is None
    assert parse_config(LLAMA_31_8B, "c", "big").arch.tokenizer_model_max_length is None


def test_rotary_dim_explicit_and_transformers5_rope_parameters():
    assert arch(config(LLAMA_31_8B, rotary_dim=64)).rotary_dim == 64
    cfg = config(LLAMA_31_8B, rope_theta=None, rope_scaling=None,
                 rope_parameters={"rope_type": "yarn", "factor": 4.0, "rope_theta": 1e6})
    a = arch(cfg)
    assert a.rope_theta == 1e6 and a.rope_scaling["rope_type"] == "yarn"


@pytest.mark.parametrize("change,field", [
    ({"hidden_size": "4096"}, "hidden_size"),
    ({"num_hidden_layers": None}, "num_hidden_layers"),
    ({"num_attention_heads": True}, "num_attention_heads"),
    ({"vocab_size": -1}, "vocab_size"),
    ({"num_hidden_layers": 10**9}, "num_hidden_layers"),
    ({"architectures": "LlamaForCausalLM"}, "architectures"),
    ({"architectures": [1]}, "architectures"),
    ({"rope_scaling": [1, 2]}, "rope_scaling"),
    ({"rope_scaling": {"factor": {"x": 1}}}, "rope_scaling"),
    ({"tie_word_embeddings": "yes"}, "tie_word_embeddings"),
    ({"max_position_embeddings": 1.5}, "max_position_embeddings"),
    ({"sliding_window": "4k"}, "sliding_window"),
    ({"layer_types": ["full_attention"] * 3}, "layer_types"),
    ({"head_dim": None, "hidden_size": 4097}, "hidden_size"),
    ({"partial_rotary_factor": 3}, "partial_rotary_factor"),
    ({"torch_dtype": 16}, "torch_dtype"),
])
def test_wrong_types_name_config_json_and_field(change, field):
    with pytest.raises(ModelFileError) as err:
        parse_config(config(LLAMA_31_8B, **change), "/m/config.json")
    assert err.value.path == "/m/config.json" and f"'{field}'" in err.value.problem


def test_nested_field_errors_name_the_section():
    cfg = config(QWEN25_OMNI_7B)
    cfg["thinker_config"]["text_config"]["num_attention_heads"] = "28"
    with pytest.raises(ModelFileError, match=r"thinker_config\.text_config\.num_attention_heads"):
        parse_config(cfg, "config.json")


@pytest.mark.parametrize("cfg,field", [
    (config(NEMOTRON_H_9B, hybrid_override_pattern="MX"), "hybrid_override_pattern"),
    (config(QWEN3_NEXT_80B, linear_num_value_heads=None, linear_num_key_heads=None), "linear_num_key_heads"),
    (config(GPT_OSS_120B, sliding_window=None), "sliding_window"),
    (config(DEEPSEEK_V3, qk_rope_head_dim=None), "qk_rope_head_dim"),
])
def test_family_specific_missing_fields(cfg, field):
    with pytest.raises(ModelFileError, match=field):
        parse_config(cfg, "config.json")


def test_not_an_object():
    with pytest.raises(ModelFileError, match="must be a JSON object"):
        parse_config([1, 2], "config.json")
