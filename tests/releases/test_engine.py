"""The engine oracle: each fallback of `_is_v1_supported_oracle`, on the releases it holds for and not
on the first release without it (read from the released wheels of 0.8.0-0.10.2)."""

from __future__ import annotations

import pytest

from wizard.i18n import catalog
from wizard.releases.engine import RULES, EngineInputs, choose_engine, v0_only_architectures

T4, A100, H100, B200 = (7, 5), (8, 0), (9, 0), (10, 0)


def pick(key, **kw):
    return choose_engine(key, EngineInputs(**kw))


def test_eras_without_a_choice():
    assert pick((0, 6, 4)).engine == "V0" and pick((0, 6, 4)).code == "v0_only_release"
    assert pick((0, 7, 3)).engine == "V0"
    assert pick((0, 11, 0), compute_capability=T4, quantization="bitsandbytes", enable_lora=True).engine == "V1"
    assert pick((0, 33, 0)).code == "v1_only_release"


def test_v1_is_the_default_from_080():
    choice = pick((0, 8, 0), compute_capability=H100)
    assert (choice.engine, choice.code, choice.is_fallback) == ("V1", "v1_default", False)


@pytest.mark.parametrize(("key", "engine"), [((0, 8, 0), "V0"), ((0, 10, 1), "V0"), ((0, 10, 2), "V1")])
def test_compute_capability_below_8_falls_back_until_0102(key, engine):
    choice = pick(key, compute_capability=T4)
    assert choice.engine == engine
    if engine == "V0":
        assert choice.code == "compute_capability" and "arg_utils.py" in choice.source


def test_unknown_gpu_does_not_invent_a_fallback():
    assert pick((0, 9, 2), compute_capability=None, kv_cache_dtype="fp8").engine == "V1"


@pytest.mark.parametrize(("key", "cc", "engine"), [
    ((0, 8, 0), H100, "V0"),  # 0.8.0-0.8.1: no fp8 KV on V1 at all
    ((0, 8, 2), H100, "V1"),  # FlashAttention 3 stores fp8 on Hopper
    ((0, 8, 2), A100, "V0"),
    ((0, 9, 2), B200, "V0"),
    ((0, 10, 0), B200, "V1"),  # Blackwell from 0.10.0
    ((0, 10, 2), A100, "V0"),
])
def test_fp8_kv_cache(key, cc, engine):
    assert pick(key, compute_capability=cc, kv_cache_dtype="fp8").engine == engine


def test_fp8_kv_cache_on_mla_uses_flashmla_from_0102():
    assert pick((0, 10, 2), compute_capability=A100, kv_cache_dtype="fp8", is_mla=True).engine == "V1"
    assert pick((0, 10, 1), compute_capability=A100, kv_cache_dtype="fp8", is_mla=True).engine == "V0"


@pytest.mark.parametrize(("key", "engine"), [((0, 8, 2), "V0"), ((0, 8, 3), "V1")])
def test_bitsandbytes_lora_and_cpu_offload_fall_back_until_083(key, engine):
    assert pick(key, compute_capability=A100, quantization="bitsandbytes").engine == engine
    assert pick(key, compute_capability=A100, load_format="bitsandbytes").engine == engine
    assert pick(key, compute_capability=A100, enable_lora=True).engine == engine
    assert pick(key, compute_capability=A100, cpu_offload_gb=4).engine == engine


@pytest.mark.parametrize(("key", "engine"), [((0, 8, 5), "V0"), ((0, 9, 0), "V1")])
def test_gguf_falls_back_until_090(key, engine):
    assert pick(key, compute_capability=A100, quantization="gguf").engine == engine


def test_pipeline_parallel():
    assert pick((0, 8, 2), compute_capability=A100, pipeline_parallel_size=2).code == "pipeline_parallel"
    assert pick((0, 8, 4), compute_capability=A100, pipeline_parallel_size=2).engine == "V0"  # mp executor
    assert pick((0, 8, 4), compute_capability=A100, pipeline_parallel_size=2,
                distributed_executor_backend="ray").engine == "V1"
    assert pick((0, 9, 0), compute_capability=A100, pipeline_parallel_size=2).engine == "V1"


def test_float32_and_pooling_fall_back_until_092():
    assert pick((0, 9, 1), compute_capability=A100, dtype_is_16bit=False).code == "dtype"
    assert pick((0, 9, 2), compute_capability=A100, dtype_is_16bit=False).engine == "V1"
    assert pick((0, 9, 1), compute_capability=A100, is_pooling=True).code == "pooling"


def test_v0_only_architectures_per_release():
    assert "Gemma3ForConditionalGeneration" in v0_only_architectures((0, 8, 0))
    assert "Gemma3ForConditionalGeneration" not in v0_only_architectures((0, 8, 5))
    assert pick((0, 10, 2), compute_capability=H100, architecture="MllamaForConditionalGeneration").code == "architecture"
    assert pick((0, 10, 2), compute_capability=H100, architecture="JambaForCausalLM").engine == "V1"


def test_mamba_state_is_a_soft_fallback_in_092_to_0101():
    assert pick((0, 9, 1), compute_capability=H100, has_inner_state=True).engine == "V1"
    assert pick((0, 9, 2), compute_capability=H100, has_inner_state=True).code == "mamba"
    assert pick((0, 10, 2), compute_capability=H100, has_inner_state=True).engine == "V1"
    assert pick((0, 10, 0), compute_capability=H100, has_inner_state=True, use_v1_env=True).engine == "V1"


def test_speculative_methods():
    assert pick((0, 8, 4), compute_capability=H100, speculative_method="eagle").code == "speculative_experimental"
    assert pick((0, 8, 4), compute_capability=H100, speculative_method="eagle3").code == "speculative"
    assert pick((0, 9, 0), compute_capability=H100, speculative_method="deepseek_mtp").engine == "V1"
    assert pick((0, 9, 2), compute_capability=H100, speculative_method="draft_model").engine == "V0"


def test_xformers_backend_falls_back():
    assert pick((0, 9, 2), compute_capability=A100, attention_backend="XFORMERS").code == "attention_backend"
    assert pick((0, 9, 2), compute_capability=A100, attention_backend="FLASHINFER").engine == "V1"


def test_vllm_use_v1_overrides():
    assert pick((0, 8, 5), compute_capability=H100, use_v1_env=False).code == "env_forced_v0"
    assert pick((0, 7, 3), use_v1_env=True).engine == "V1"
    soft = pick((0, 8, 0), compute_capability=A100, enable_lora=True, use_v1_env=True)
    assert (soft.engine, soft.conflict) == ("V1", False)
    hard = pick((0, 8, 0), compute_capability=T4, use_v1_env=True)
    assert (hard.engine, hard.conflict) == ("V1", True)
    assert pick((0, 11, 0), use_v1_env=False).engine == "V1"  # no V0 left to force


def test_every_rule_cites_its_source_and_has_a_message():
    keys = set(catalog("en"))
    for rule in RULES:
        assert "vllm/" in rule.source and rule.since < rule.until
        assert f"engine.reason.{rule.code}" in keys
