"""The VRAM bar's arithmetic against the plan's figures, and verified one-key fixes."""

import pytest
from factories import GIB, gpu, hardware, llama31_8b

from wizard.planner.budget import bars, layout_bar
from wizard.planner.fixes import suggest_fixes
from wizard.planner.inputs import PlanRequest
from wizard.planner.plan import make_plan

L4 = dict(name="NVIDIA L4", total=23_804_772_352, cc="8.9")


def plan(version="0.28.0", hw=None, **pins):
    return make_plan(PlanRequest(hardware=hw or hardware(gpu(**L4)), model=llama31_8b(), vllm_version=version,
                                 pinned=pins))


@pytest.mark.parametrize("version", ["0.15.1", "0.28.0"])
@pytest.mark.parametrize("width", [30, 57, 100])
def test_segments_add_up_to_the_plan(version, width):
    p = plan(version, hw=hardware(gpu(used=3 * GIB, **L4)))
    (bar,) = bars(p, width)
    r = p.worst
    by_kind = {s.kind: s.bytes for s in bar.segments}
    assert by_kind["weights"] == r.weights and by_kind["kv_cache"] == r.kv_cache and by_kind["others"] == r.others
    assert sum(s.cells for s in bar.segments) == width
    assert sum(s.bytes for s in bar.segments) == r.total  # it fits: nothing overflows
    # Inside the request: weights + activation + non-torch (+ graphs from 0.20) + KV == u × total.
    inside = r.weights + r.activation + r.non_torch + r.kv_cache + (r.cuda_graph if version >= "0.20" else 0)
    assert inside == r.requested
    assert bar.request_end == r.others + r.context + r.requested
    kinds = [s.kind for s in bar.segments]
    graphs_before_kv = kinds.index("cuda_graph") < kinds.index("kv_cache")
    assert graphs_before_kv == (version >= "0.20")


def test_shortfall_draws_as_overflow_not_negative_kv():
    p = plan(gpu_memory_utilization=0.95, max_model_len=131072, kv_cache_dtype="auto",
             hw=hardware(gpu(used=8 * GIB, **L4)))
    assert not p.ok
    bar = layout_bar(p.worst, 40, graphs_in_request=True)
    assert all(s.bytes >= 0 for s in bar.segments)
    assert bar.overflow > 0 and bar.request_cell <= 40


def test_fixes_are_verified_by_replanning():
    failing = plan(max_model_len=131072, kv_cache_dtype="auto")
    assert failing.failure_code == "max_model_len_exceeds_kv_cache"
    fixes = suggest_fixes(failing)
    assert fixes and fixes[0].key == "cap_context"
    assert fixes[0].label.startswith("cap context at ")
    for fix in fixes:
        fixed = make_plan(failing.request.model_copy(update={"pinned": {**failing.request.pinned, **fix.pins}}))
        assert fixed.ok, fix
    assert suggest_fixes(plan()) == []


def test_more_gpus_fix_offered_when_there_are_more():
    hw = hardware(*(gpu(i, **L4) for i in range(4)))
    failing = plan(hw=hw, tensor_parallel_size=1, pipeline_parallel_size=1, max_model_len=131072,
                   kv_cache_dtype="auto")
    assert not failing.ok
    labels = [f.label for f in suggest_fixes(failing, limit=6)]
    assert any(label.startswith("use ") and "GPUs" in label for label in labels)
