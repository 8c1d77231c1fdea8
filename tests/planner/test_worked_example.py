"""The research note's worked example (vllm-memory-model.md §10), pinned number by number.

Llama-3.1-8B-Instruct bf16, 1×H100 (T = 85,031,714,816 B), u = 0.9, L = 8192, with the note's
A = 1.20, N = 0.10, G = 0.55 GiB supplied as measured overheads so the arithmetic is exact.
"""

import pytest
from factories import GIB, gpu, hardware, llama31_8b

from wizard.planner.inputs import MeasuredOverheads, PlanRequest

from wizard.planner.plan import make_plan
from wizard.planner.weights import plan_weights

MEASURED = MeasuredOverheads(activation_bytes=int(1.20 * GIB), non_torch_bytes=int(0.10 * GIB),
                             cuda_graph_bytes=int(0.55 * GIB))


# Everything the chooser could otherwise adjust is pinned: these tests check arithmetic, not choices.
FIXED = {"max_model_len": 8192, "max_num_seqs": 1024, "max_num_batched_tokens": 8192, "kv_cache_dtype": "auto",
         "quantization": None, "enforce_eager": False}


def plan_for(version: str, util: float = 0.9, **pins):
    req = PlanRequest(hardware=hardware(gpu()), model=llama31_8b(), vllm_version=version, measured=MEASURED,
                      pinned={**FIXED, "gpu_memory_utilization": util, **pins})
    return make_plan(req)


def test_weights_match_model_loading_took():
    w = plan_weights(llama31_8b(), tp=1, pp=1, dtype="bfloat16")
    assert w.worst_bytes == 16_094_076_928  # 16,060,522,496 B of parameters + 32 MiB rotary cache
    assert round(w.worst_bytes / GIB, 2) == 14.99


def test_requested_memory_is_ceiled_from_0_14():
    plan = plan_for("0.14.0")
    assert plan.worst.requested == 76_528_543_335


@pytest.mark.parametrize("version", ["0.9.1", "0.10.1", "0.13.0", "0.19.1"])
def test_v1_before_graph_subtraction(version):
    plan = plan_for(version)
    assert abs(plan.worst.kv_cache - 59_038_602_036) <= 2
    c = plan.contract()["memory"]
    assert c["kv_cache_gib"] == 54.98
    assert plan.worst.num_blocks == 28_151
    assert c["kv_cache_tokens"] == 450_416
    assert c["max_concurrency"] == 54.98
    assert c["kv_bytes_per_token"] == 131_072


@pytest.mark.parametrize("version", ["0.20.0", "0.26.0", "0.33.0"])
def test_v1_with_graph_subtraction(version):
    plan = plan_for(version)
    c = plan.contract()["memory"]
    assert abs(plan.worst.kv_cache - 58_448_044_033) <= 2
    assert c["kv_cache_gib"] == 54.43
    assert plan.worst.num_blocks == 27_870
    assert c["kv_cache_tokens"] == 445_920
    assert c["max_concurrency"] == 54.43


def test_default_utilization_092_from_0_20():
    plan = plan_for("0.20.1", util=0.92)
    c = plan.contract()["memory"]
    assert c["kv_cache_gib"] == 56.02
    assert c["kv_cache_tokens"] == 458_896
    assert c["max_concurrency"] == 56.02


def test_early_v1_subtracts_context_too():
    plan = plan_for("0.8.5")
    # ≈ T·0.9 − (W + A) − (N + ctx): a little under the 0.9.1+ figure (the note says ≈54.48 GiB).
    assert 54.3 <= plan.worst.kv_cache / GIB <= 54.6


def test_fp8_kv_roughly_doubles_tokens():
    c = plan_for("0.19.0", kv_cache_dtype="fp8").contract()["memory"]
    assert c["kv_cache_tokens"] == 900_848  # 56,303 blocks of 1 MiB, the note's ≈900,848
    assert c["kv_bytes_per_token"] == 65_536


def test_no_kv_memory_threshold_and_short_context():
    low = plan_for("0.19.0", util=0.2)
    assert low.failure_code == "no_kv_cache_memory"
    assert "No available memory for the cache blocks" in low.failure_message
    short = plan_for("0.19.0", util=0.215)
    assert short.failure_code == "max_model_len_exceeds_kv_cache"
    assert "To serve at least one request with the model's max seq len (8192)" in short.failure_message
    assert f"estimated maximum model length is {short.max_fitting_len}" in short.failure_message
    assert 0 < short.max_fitting_len < 8192
    assert plan_for("0.19.0", util=0.219).ok
