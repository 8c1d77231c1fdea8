"""One engine answer per plan: when a remedy or a pin makes 0.8-0.10 fall back to V0 (fp8 KV on an
Ada GPU), the scheduler values and their reasons follow the engine the prediction runs."""

from __future__ import annotations

from factories import GIB, gpu, hardware, llama31_8b

from wizard.planner.inputs import PlanRequest
from wizard.planner.plan import make_plan

L4 = gpu(name="NVIDIA L4", total=int(22.03 * GIB), cc="8.9")


def _plan(version: str, **pins):
    return make_plan(PlanRequest(hardware=hardware(L4), model=llama31_8b(), vllm_version=version, pinned=pins))


def test_a_remedy_that_moves_the_engine_to_v0_moves_the_chunked_prefill_reason_with_it():
    plan = _plan("0.9.2", max_model_len=131072)
    assert plan.settings.kv_cache_dtype == "fp8"  # the search's remedy, which V1 cannot store on Ada
    assert plan.engine == "V0"
    assert "V0" in str(plan.reasons["enable_chunked_prefill"]) and "V1" not in str(plan.reasons["enable_chunked_prefill"])


def test_a_v0_fallback_below_32k_gets_v0_defaults_not_v1s():
    plan = _plan("0.9.2", max_model_len=16384, kv_cache_dtype="fp8")
    assert plan.engine == "V0"
    s = plan.settings
    assert (s.enable_chunked_prefill, s.max_num_batched_tokens, s.max_num_seqs) == (False, 16384, 256)


def test_v1_plans_keep_v1_defaults():
    plan = _plan("0.9.2", max_model_len=16384)
    assert plan.engine == "V1" and plan.settings.enable_chunked_prefill
    assert "V1" in str(plan.reasons["enable_chunked_prefill"])
