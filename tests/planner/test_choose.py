"""The chooser: every unpinned setting gets a value and a reason; pins are never changed."""

from dataclasses import fields

from factories import GIB, gpu, hardware, llama31_8b, with_quant

from wizard.hardware.facts import GpuLink, HardwareFacts
from wizard.planner.inputs import Goals, PlanRequest
from wizard.planner.plan import make_plan
from wizard.planner.settings import Settings

T4 = dict(name="Tesla T4", total=15_655_829_504, cc="7.5")
RTX3080_20G = dict(name="NVIDIA GeForce RTX 3080", total=21_045_379_072, cc="8.6")
L4 = dict(name="NVIDIA L4", total=23_667_867_648, cc="8.9")


def plan(hw, model=None, version="0.11.0", goals=None, **pins):
    return make_plan(PlanRequest(hardware=hw, model=model or llama31_8b(), vllm_version=version,
                                 pinned=pins, goals=goals or Goals()))


def codes(p):
    return {w.code for w in p.warnings}


def test_every_setting_has_a_reason_or_a_pin():
    p = plan(hardware(gpu()), max_model_len=8192)
    for name in (f.name for f in fields(Settings)):
        assert name in p.reasons or name in p.pinned, name
    assert "max_model_len" not in p.reasons and p.settings.max_model_len == 8192


def test_t4_runs_bf16_checkpoint_in_float16():
    p = plan(hardware(gpu(**T4), gpu(1, **T4)))
    assert p.settings.dtype == "float16"
    assert "bfloat16" in p.reasons["dtype"]
    assert "bf16_on_old_gpu" in codes(p)
    assert "--dtype" in p.argv and p.argv[p.argv.index("--dtype") + 1] == "float16"


def test_pinned_bf16_on_t4_is_a_predicted_failure_not_fixed():
    p = plan(hardware(gpu(**T4)), dtype="bfloat16")
    assert p.settings.dtype == "bfloat16"
    assert p.failure_code == "unsupported_dtype"
    assert "--dtype=half" in p.failure_message


def test_fp8_kv_refused_on_turing():
    p = plan(hardware(gpu(**T4)), kv_cache_dtype="fp8", dtype="float16")
    assert p.failure_code == "unsupported_dtype"


def test_busy_gpu_caps_utilization_and_pinned_default_fails():
    busy = hardware(gpu(used=10 * GIB))
    p = plan(busy)
    assert p.ok and p.settings.gpu_memory_utilization <= 0.86
    assert "Other processes" in p.reasons["gpu_memory_utilization"]
    pinned = plan(busy, gpu_memory_utilization=0.9)
    assert pinned.failure_code == "free_memory_below_request"
    assert "Free memory on device" in pinned.failure_message


def test_context_shortfall_caps_max_model_len_with_a_reason():
    p = plan(hardware(gpu(**L4)))  # 128k context of an 8B model does not fit one L4
    assert p.ok
    assert p.settings.max_model_len < 131072 and p.settings.max_model_len % 1024 == 0
    assert p.settings.max_model_len <= p.max_fitting_len
    assert "Capped at" in p.reasons["max_model_len"]


def test_context_goal_uses_every_selected_gpu():
    # Issue 14: the user rented four L4s; two would reach 64k, but four are faster and hold more.
    hw = hardware(*(gpu(i, **L4) for i in range(4)))
    p = plan(hw, goals=Goals(context=65536))
    assert p.ok and p.settings.max_model_len == 65536
    assert p.settings.tensor_parallel_size * p.settings.pipeline_parallel_size == 4
    assert "Tensor parallel over 4 GPUs" in p.reasons["tensor_parallel_size"]
    assert "Predicted:" in p.reasons["tensor_parallel_size"]


def test_context_goal_beyond_training_warns():
    p = plan(hardware(gpu()), goals=Goals(context=200_000))
    assert p.settings.max_model_len == 131072
    assert "context_beyond_training" in codes(p)


def test_concurrency_goal_met_or_reported():
    hw = hardware(gpu(**L4))
    p = plan(hw, goals=Goals(context=8192, concurrency=4))
    assert p.ok and p.max_concurrency >= 4
    impossible = plan(hw, goals=Goals(context=8192, concurrency=500))
    assert "goal_concurrency_unmet" in codes(impossible)


def test_pinned_tp_that_does_not_divide_heads_fails():
    hw = hardware(*(gpu(i) for i in range(3)))
    p = plan(hw, tensor_parallel_size=3)
    assert p.failure_code == "tp_not_divisor"
    assert "must be divisible by tensor parallel size (3)" in p.failure_message


def test_three_gpus_use_pipeline_parallel_when_tp_cannot_divide():
    hw = hardware(*(gpu(i, **T4) for i in range(3)))
    p = plan(hw, goals=Goals(context=131072), priority_ok=None) if False else plan(hw, goals=Goals(context=131072))
    assert (p.settings.tensor_parallel_size, p.settings.pipeline_parallel_size) in {(1, 3), (2, 1), (1, 2)}
    three = plan(hw, pipeline_parallel_size=3)
    assert three.settings.tensor_parallel_size == 1 and three.settings.pipeline_parallel_size == 3


def test_quantization_pin_conflicting_with_checkpoint():
    model = with_quant(llama31_8b(), method="awq", bits=4, group_size=128)
    p = plan(hardware(gpu()), model=model, quantization="gptq")
    assert p.failure_code == "quantization_mismatch"
    assert "does not match" in p.failure_message
    ok = plan(hardware(gpu()), model=model)
    assert ok.settings.quantization is None and "detects awq" in ok.reasons["quantization"]


def test_gptq_on_turing_warns_about_exclamation_marks():
    model = with_quant(llama31_8b(), method="gptq", bits=4, group_size=128)
    p = plan(hardware(gpu(**T4)), model=model, version="0.14.0")
    assert "gptq_exclamation" in codes(p)


def test_max_model_len_beyond_derived_fails():
    p = plan(hardware(gpu()), max_model_len=200_000)
    assert p.failure_code == "max_model_len_exceeds_model"
    assert "derived max_model_len (131072)" in p.failure_message


def test_consumer_gpus_without_p2p_get_nccl_env():
    hw = HardwareFacts(source="nvml", gpus=(gpu(0, **RTX3080_20G), gpu(1, **RTX3080_20G)),
                       links=(GpuLink(a=0, b=1, p2p=False),))
    p = plan(hw, goals=Goals(context=32768))
    assert p.settings.tensor_parallel_size == 2
    assert p.env["NCCL_P2P_DISABLE"] == "1"
    assert p.env["CUDA_VISIBLE_DEVICES"] == "0,1" and p.env["CUDA_DEVICE_ORDER"] == "PCI_BUS_ID"
    assert p.settings.disable_custom_all_reduce and "--disable-custom-all-reduce" in p.argv
    assert "no_p2p" in codes(p)


def test_weights_too_big_for_any_gpu_count_fall_back_to_offload_or_fp8():
    model = llama31_8b()
    p = plan(hardware(gpu(name="NVIDIA GeForce RTX 3060", total=12 * GIB, cc="8.6")), model=model,
             goals=Goals(priority="quality"))
    # quality forbids online fp8, so only CPU offload makes 15 GiB of weights start on 12 GiB.
    assert p.settings.cpu_offload_gb > 0
    assert "cpu_offload_slow" in codes(p)


def test_reasoning_parser_flag_differs_by_version():
    from wizard.model.facts import ParserFacts

    model = llama31_8b(parsers=ParserFacts(reasoning_parser="deepseek_r1", evidence=("<think> in template",)))
    old = plan(hardware(gpu()), model=model, version="0.8.5")
    new = plan(hardware(gpu()), model=model, version="0.10.1")
    assert "--enable-reasoning" in old.argv and "--reasoning-parser" in old.argv
    assert "--enable-reasoning" not in new.argv and "--reasoning-parser" in new.argv
    assert "leaks" in new.reasons["reasoning_parser"]


def test_pins_are_never_changed():
    pins = dict(gpu_memory_utilization=0.5, max_model_len=4096, max_num_seqs=8, kv_cache_dtype="auto",
                enforce_eager=True, block_size=32)
    p = plan(hardware(gpu(**L4)), **pins)
    for name, value in pins.items():
        assert getattr(p.settings, name) == value
    assert set(p.pinned) == set(pins)
    assert "--block-size" in p.argv and "--enforce-eager" in p.argv


def test_parser_missing_in_old_release_is_left_out_with_a_warning():
    from wizard.model.facts import ParserFacts

    model = llama31_8b(parsers=ParserFacts(reasoning_parser="qwen3", tool_call_parser="hermes", evidence=("qwen3",)))
    old = plan(hardware(gpu()), model=model, version="0.8.4")
    assert old.settings.reasoning_parser is None and "reasoning_parser_unavailable" in codes(old)
    assert old.settings.tool_call_parser == "hermes"
    # The release table: 0.8.5's vllm/reasoning/ registers deepseek_r1 and granite only; qwen3 is 0.9.0's.
    assert "reasoning_parser_unavailable" in codes(plan(hardware(gpu()), model=model, version="0.8.5"))
    new = plan(hardware(gpu()), model=model, version="0.9.0")
    assert new.settings.reasoning_parser == "qwen3" and "reasoning_parser_unavailable" not in codes(new)


def test_v0_engine_uses_whole_prompt_prefill_and_v0_message():
    # Above 32K, 0.6.x's EngineArgs turns chunked prefill on (512-token budget up to 0.6.4).
    p = plan(hardware(gpu(**L4)), version="0.6.3", max_model_len=131072)
    assert p.settings.enable_chunked_prefill is True and p.settings.max_num_batched_tokens == 512
    whole = plan(hardware(gpu(**L4)), version="0.6.3", max_model_len=32768)
    assert whole.settings.enable_chunked_prefill is False
    assert whole.settings.max_num_batched_tokens == 32768  # V0 profiles a whole max-length prompt
    assert p.failure_code in {"max_model_len_exceeds_kv_cache", "no_kv_cache_memory"}
    if p.failure_code == "max_model_len_exceeds_kv_cache":
        assert "larger than the maximum number of tokens that can be stored in KV cache" in p.failure_message
    ok = plan(hardware(gpu()), version="0.6.3", max_model_len=8192)
    assert ok.ok and ok.kv_cache_tokens % 16 == 0 and "v0_engine_estimate" in codes(ok)


def test_hybrid_model_keeps_max_num_seqs_within_state_blocks():
    from test_kv import QWEN3_NEXT

    from wizard.model.facts import WeightFacts

    per_rank = 37 * GIB * 4
    model = llama31_8b(arch=QWEN3_NEXT.model_copy(update={"max_length_keys": {"max_position_embeddings": 262144},
                                                          "torch_dtype": "bfloat16"}),
                       model_type="qwen3_next",
                       weights=WeightFacts(source="safetensors", total_bytes=per_rank, params=per_rank // 2,
                                           bytes_by_role={"experts": per_rank}, checkpoint_dtype="bfloat16"))
    hw = hardware(*(gpu(i, name="NVIDIA L40S", total=47_695_527_936, cc="8.9") for i in range(4)))
    # 0.93: the KV pool holds one 16K request but fewer recurrent-state blocks than 256 sequences.
    pinned = plan(hw, model=model, version="0.24.0", tensor_parallel_size=4, max_model_len=16384, max_num_seqs=256,
                  gpu_memory_utilization=0.93)
    assert pinned.failure_code == "other" and "exceeds available Mamba cache blocks" in pinned.failure_message
    chosen = plan(hw, model=model, version="0.24.0", tensor_parallel_size=4, max_model_len=16384,
                  gpu_memory_utilization=0.93)
    assert chosen.ok and chosen.settings.max_num_seqs <= chosen.worst.num_blocks
    assert "recurrent-state blocks" in chosen.reasons["max_num_seqs"]


def test_rules_found_by_the_real_vllm_parser():
    """Refusals vLLM 0.32's own parser showed (tests/vllm): the planner predicts them now."""
    from test_kv import QWEN3_NEXT

    act_order = with_quant(llama31_8b(), method="gptq", bits=4, group_size=128, desc_act=True)
    assert plan(hardware(gpu()), model=act_order, version="0.32.0").failure_code == "unsupported_quantization"
    assert plan(hardware(gpu()), model=act_order, version="0.31.0").ok
    mxfp4 = with_quant(llama31_8b(), method="mxfp4")
    refused = plan(hardware(gpu()), model=mxfp4, version="0.32.0", dtype="float16")
    assert refused.failure_code == "unsupported_dtype" and "mxfp4" in refused.failure_message
    assert plan(hardware(gpu(**T4)), model=mxfp4, version="0.32.0").failure_code == "unsupported_dtype"
    hybrid = llama31_8b(arch=QWEN3_NEXT.model_copy(update={"max_length_keys": {"max_position_embeddings": 32768}}),
                        model_type="qwen3_next")
    no_chunk = plan(hardware(*(gpu(i) for i in range(8))), model=hybrid, version="0.32.0",
                    enable_chunked_prefill=False, max_num_batched_tokens=32768, max_model_len=16384)
    assert no_chunk.failure_code == "other" and "Chunked prefill is required" in no_chunk.failure_message


def test_tp_prefers_sizes_that_split_or_replicate_kv_heads_evenly():
    from wizard.planner.parallel import candidates

    model = llama31_8b(arch=llama31_8b().arch.model_copy(update={"num_attention_heads": 96, "num_kv_heads": 8}))
    # 3 GPUs: TP 3 divides 96 heads but not 8 KV heads, so the 3-GPU shape is pipeline parallel.
    assert candidates(model, 3, {})[2] == (1, 3)
    assert candidates(model, 4, {})[3] == (4, 1)
