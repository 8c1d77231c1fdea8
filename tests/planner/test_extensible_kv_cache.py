"""vLLM 0.34's extensible KV cache (rules.EXTENSIBLE_KV_CACHE): sized from the memory free after
warm-up and graph capture, keeping the profiled peak (plus the graph estimate) and a margin free;
default utilization 1.0, no start-up free-memory check, and the flag left out of the command."""

from __future__ import annotations

from factories import GIB, gpu, hardware, llama31_8b

from wizard.planner.inputs import PlanRequest
from wizard.planner.plan import make_plan
from wizard.planner.predict import predict
from wizard.planner.settings import Settings
from wizard.planner.versions import VllmVersion
from wizard.releases import profile as rp
from wizard.releases import rules


def _kv(*, requested: int, free_at_snapshot: int, resident: int, kept_peak: int) -> int:
    # One rank: an 80 GiB card, its CUDA context taking what is not free, the resident memory all weights.
    return rp.extensible_kv_bytes(total=80 * GIB, requested=requested, others=0, context=80 * GIB - free_at_snapshot,
                                  weights=resident, non_torch=0, graphs=0, activation=kept_peak)


def test_formula_keeps_the_peak_and_the_larger_of_1_gib_and_three_quarters_of_it():
    # measure_kv_cache_bytes at utilization 1.0 on an 80 GiB card: the device headroom binds.
    kv = _kv(requested=80 * GIB, free_at_snapshot=79 * GIB, resident=30 * GIB, kept_peak=4 * GIB)
    assert kv == 79 * GIB - 30 * GIB - 3 * GIB - 4 * GIB
    small = _kv(requested=80 * GIB, free_at_snapshot=79 * GIB, resident=30 * GIB, kept_peak=GIB // 2)
    assert small == 79 * GIB - 30 * GIB - GIB - GIB // 2  # the 1 GiB floor
    # An explicit utilization below what is free caps the cache before the margin does.
    capped = _kv(requested=40 * GIB, free_at_snapshot=79 * GIB, resident=30 * GIB, kept_peak=4 * GIB)
    assert capped == 40 * GIB - 30 * GIB - 4 * GIB
    assert _kv(requested=40 * GIB, free_at_snapshot=31 * GIB, resident=30 * GIB, kept_peak=4 * GIB) == 0


def test_graphs_count_as_resident_and_as_kept_peak():
    # The CUDA-graph estimate is part of peak_activation_memory and the captured graphs stay resident.
    with_graphs = rp.extensible_kv_bytes(total=80 * GIB, requested=80 * GIB, others=0, context=GIB, weights=30 * GIB,
                                         non_torch=0, graphs=GIB, activation=3 * GIB)
    assert with_graphs == 79 * GIB - 31 * GIB - 3 * GIB - 4 * GIB


def test_the_rule_holds_from_0_34_on_the_v1_engine():
    assert rules.EXTENSIBLE_KV_CACHE.holds((0, 34, 0), "V1")
    assert not rules.EXTENSIBLE_KV_CACHE.holds((0, 33, 0), "V1")
    v = VllmVersion.parse("0.34.0")
    assert v.sizes_kv_after_warmup(None) and not v.sizes_kv_after_warmup(8 * GIB)
    assert v.default_gpu_memory_utilization == 1.0
    assert VllmVersion.parse("0.33.0").default_gpu_memory_utilization == 0.92


def _settings(**kw) -> Settings:
    base = dict(max_model_len=8192, max_num_seqs=256, max_num_batched_tokens=8192)
    return Settings(**{**base, **kw})


def test_prediction_uses_the_terms_it_shows():
    s = _settings(gpu_memory_utilization=1.0)
    w = predict(llama31_8b(), [gpu()], s, VllmVersion.parse("0.34.0")).worst
    kept = w.activation + w.cuda_graph
    expected = min(w.requested - (w.weights + w.non_torch + w.cuda_graph),
                   w.total - w.others - w.context - (w.weights + w.non_torch + w.cuda_graph)
                   - max(GIB, int(0.75 * kept))) - kept
    assert w.kv_cache == expected
    # 0.33 at its own default: the request and the profile, graphs subtracted, no margin.
    old = predict(llama31_8b(), [gpu()], _settings(gpu_memory_utilization=0.92), VllmVersion.parse("0.33.0")).worst
    assert old.kv_cache == old.requested - old.weights - old.activation - old.non_torch - old.cuda_graph
    assert w.kv_cache != old.kv_cache


def test_other_processes_are_measured_not_refused():
    busy = [gpu(used=12 * GIB)]
    s = _settings(gpu_memory_utilization=1.0)
    new = predict(llama31_8b(), busy, s, VllmVersion.parse("0.34.0"))
    idle = predict(llama31_8b(), [gpu()], s, VllmVersion.parse("0.34.0"))
    assert new.ok and new.failure is None
    assert idle.worst.kv_cache - new.worst.kv_cache == 12 * GIB
    # 0.33 at utilization 1.0 would refuse: free memory below the request.
    old = predict(llama31_8b(), busy, s, VllmVersion.parse("0.33.0"))
    assert old.failure is not None and old.failure.code == "free_memory_below_request"


def test_kv_cache_memory_bytes_turns_it_off():
    s = _settings(gpu_memory_utilization=1.0, kv_cache_memory_bytes=10 * GIB)
    w = predict(llama31_8b(), [gpu()], s, VllmVersion.parse("0.34.0")).worst
    assert w.kv_cache == 10 * GIB


def _plan(version: str, pinned: dict | None = None):
    return make_plan(PlanRequest(model=llama31_8b(), hardware=hardware(gpu()), vllm_version=version,
                                 pinned=pinned or {}))


def test_the_plan_leaves_utilization_unset_on_0_34_and_says_why():
    plan = _plan("0.34.0")
    assert plan.settings.gpu_memory_utilization == 1.0
    assert "--gpu-memory-utilization" not in plan.argv
    assert "warm-up" in str(plan.reasons["gpu_memory_utilization"])
    old = _plan("0.33.0")
    assert old.argv[old.argv.index("--gpu-memory-utilization") + 1] == "0.92"


def test_a_pinned_utilization_is_written_and_caps_the_cache():
    plan = _plan("0.34.0", {"gpu_memory_utilization": 0.5})
    assert plan.argv[plan.argv.index("--gpu-memory-utilization") + 1] == "0.5"
    w = plan.ranks[plan.worst_rank]
    assert w.kv_cache == w.requested - w.weights - w.non_torch - 2 * w.cuda_graph - w.activation
