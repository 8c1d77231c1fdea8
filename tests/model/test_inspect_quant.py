"""Quantization from every file vLLM reads it from, spelled as vLLM spells the method."""

from __future__ import annotations

import pytest
from inspect_fixtures import DEEPSEEK_V3, GPT_OSS_120B, LLAMA_31_8B, QWEN3_VL_4B, config

from wizard.errors import ModelFileError
from wizard.model.quantization import detect_quantization

GPTQ_CONFIG = {"bits": 4, "group_size": 128, "damp_percent": 0.1, "desc_act": True, "sym": True,
               "true_sequential": True, "lm_head": False, "quant_method": "gptq", "checkpoint_format": "gptq"}
AWQ_CONFIG = {"bits": 4, "group_size": 128, "modules_to_not_convert": None, "quant_method": "awq",
              "version": "gemm", "zero_point": True}
CT_W4A16 = {
    "quant_method": "compressed-tensors", "format": "pack-quantized", "quantization_status": "compressed",
    "config_groups": {"group_0": {"targets": ["Linear"], "input_activations": None, "output_activations": None,
                                  "weights": {"num_bits": 4, "group_size": 128, "symmetric": True, "strategy": "group",
                                              "type": "int", "dynamic": False}}},
    "ignore": ["lm_head"],
    "kv_cache_scheme": {"num_bits": 8, "type": "float", "strategy": "tensor", "dynamic": False, "symmetric": True},
}


def detect(cfg: dict, side: dict | None = None, **kw):
    return detect_quantization(cfg, side or {}, **kw)


def test_none_declared():
    assert detect(LLAMA_31_8B) is None


def test_gptq_in_config_json():
    q = detect(config(LLAMA_31_8B, quantization_config=GPTQ_CONFIG))
    assert (q.method, q.source_file, q.auto_detected) == ("gptq", "config.json", True)
    assert (q.bits, q.group_size, q.desc_act, q.symmetric, q.lm_head_quantized) == (4, 128, True, True, False)
    assert q.raw["checkpoint_format"] == "gptq"


def test_awq_zero_point_means_asymmetric():
    q = detect(config(LLAMA_31_8B, quantization_config=AWQ_CONFIG))
    assert (q.method, q.bits, q.group_size, q.symmetric) == ("awq", 4, 128, False)


def test_fp8_block_and_mxfp4():
    q = detect(DEEPSEEK_V3)
    assert (q.method, q.bits) == ("fp8", 8) and q.raw["weight_block_size"] == [128, 128]
    m = detect(GPT_OSS_120B)
    assert (m.method, m.bits, m.group_size) == ("mxfp4", 4, 32)


def test_compressed_tensors_with_kv_cache_scheme():
    q = detect(config(LLAMA_31_8B, quantization_config=CT_W4A16))
    assert (q.method, q.bits, q.group_size, q.symmetric) == ("compressed-tensors", 4, 128, True)
    assert q.kv_cache_scheme == "fp8" and q.lm_head_quantized is False
    unignored = {**CT_W4A16, "ignore": []}
    assert detect(config(LLAMA_31_8B, quantization_config=unignored)).lm_head_quantized is True


def test_compression_config_from_llm_compressor():
    q = detect(config(LLAMA_31_8B, compression_config={**CT_W4A16, "quant_method": "compressed_tensors"}))
    assert q.method == "compressed-tensors" and q.source_file == "config.json"
    nested = {"quantization_config": {k: v for k, v in CT_W4A16.items() if k != "quant_method"}, "sparsity_config": None}
    q = detect(config(LLAMA_31_8B, compression_config=nested))
    assert (q.method, q.bits, q.group_size) == ("compressed-tensors", 4, 128)


def test_quantization_config_under_text_config():
    cfg = config(QWEN3_VL_4B)
    cfg["text_config"]["quantization_config"] = {"quant_method": "fp8", "weight_block_size": [128, 128]}
    q = detect(cfg, text=cfg["text_config"])
    assert q.method == "fp8" and q.auto_detected


def test_modelopt_in_config_json_and_kv_algo():
    q = detect(config(LLAMA_31_8B, quantization_config={"quant_method": "modelopt", "quant_algo": "NVFP4",
                                                         "kv_cache_quant_algo": "FP8", "group_size": 16}))
    assert (q.method, q.bits, q.group_size, q.kv_cache_scheme) == ("modelopt_fp4", 4, 16, "fp8")


@pytest.mark.parametrize("algo,method,bits", [("FP8", "modelopt", 8), ("NVFP4", "modelopt_fp4", 4)])
def test_hf_quant_config_json(algo, method, bits):
    side = {"hf_quant_config.json": {"producer": {"name": "modelopt", "version": "0.29.0"},
                                     "quantization": {"quant_algo": algo, "kv_cache_quant_algo": "FP8",
                                                      "exclude_modules": ["lm_head"]}}}
    q = detect(LLAMA_31_8B, side)
    assert (q.method, q.bits, q.source_file, q.auto_detected) == (method, bits, "hf_quant_config.json", True)
    assert q.kv_cache_scheme == "fp8" and q.lm_head_quantized is False


def test_bitsandbytes_and_fbgemm():
    bnb = detect(config(LLAMA_31_8B, quantization_config={"quant_method": "bitsandbytes", "load_in_4bit": True,
                                                           "bnb_4bit_quant_type": "nf4"}))
    assert (bnb.method, bnb.bits) == ("bitsandbytes", 4)
    fb = detect(config(LLAMA_31_8B, quantization_config={"quant_method": "fbgemm_fp8", "activation_scale_ub": 1200.0}))
    assert (fb.method, fb.bits) == ("fbgemm_fp8", 8)


def test_auto_round_is_inc():
    q = detect(config(LLAMA_31_8B, quantization_config={"quant_method": "auto-round", "bits": 4, "group_size": 128}))
    assert q.method == "inc"


def test_quantize_config_json_only_is_not_auto_detected():
    side = {"quantize_config.json": {"bits": 4, "group_size": 128, "desc_act": False, "sym": True}}
    q = detect(LLAMA_31_8B, side)
    assert (q.method, q.source_file, q.auto_detected, q.bits) == ("gptq", "quantize_config.json", False, 4)


def test_quant_config_json_autoawq_only():
    side = {"quant_config.json": {"zero_point": True, "q_group_size": 128, "w_bit": 4, "version": "GEMM"}}
    q = detect(LLAMA_31_8B, side)
    assert (q.method, q.auto_detected, q.bits, q.group_size, q.symmetric) == ("awq", False, 4, 128, False)


def test_config_json_wins_over_side_files():
    side = {"quantize_config.json": {"bits": 8}}
    q = detect(config(LLAMA_31_8B, quantization_config=GPTQ_CONFIG), side)
    assert q.source_file == "config.json" and q.bits == 4


def test_mlx_and_exl2_are_unsupported():
    mlx = detect(config(LLAMA_31_8B, quantization={"group_size": 64, "bits": 4},
                        quantization_config={"group_size": 64, "bits": 4}))
    assert mlx.method == "mlx" and "MLX" in mlx.unsupported_reason
    exl2 = detect(config(LLAMA_31_8B, quantization_config={"quant_method": "exl2", "bits": 4.65, "head_bits": 6}))
    assert exl2.method == "exl2" and exl2.bits is None and "ExLlamaV2" in exl2.unsupported_reason


def test_method_is_never_guessed_from_a_name():
    assert detect(config(LLAMA_31_8B, _name_or_path="TheBloke/Llama-2-7B-GPTQ")) is None


@pytest.mark.parametrize("cfg,side,needle", [
    (config(LLAMA_31_8B, quantization_config="gptq"), {}, "quantization_config"),
    (config(LLAMA_31_8B, quantization_config={**GPTQ_CONFIG, "bits": "4"}), {}, "quantization_config.bits"),
    (config(LLAMA_31_8B, quantization_config={**CT_W4A16, "config_groups": {"g": 3}}), {}, "config_groups.g"),
    (LLAMA_31_8B, {"hf_quant_config.json": [1]}, "hf_quant_config.json"),
    (LLAMA_31_8B, {"hf_quant_config.json": {"producer": {}}}, "quantization"),
    (LLAMA_31_8B, {"quantize_config.json": "x"}, "quantize_config.json"),
])
def test_malformed_quantization_is_a_model_file_error(cfg, side, needle):
    with pytest.raises(ModelFileError, match=needle.replace(".", r"\.")):
        detect(cfg, side)
