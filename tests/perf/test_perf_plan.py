"""The plan carries the `performance` object of the contract, and the human plan shows it."""

from __future__ import annotations

import json

import pytest
from perf_factories import llama8b

from wizard.hardware.catalog import catalog_hardware
from wizard.i18n import localize
from wizard.perf import estimate_plan, plan_concurrency, plan_prompt_tokens
from wizard.perf.workload import Workload, serve
from wizard.planner.inputs import Goals, PlanRequest
from wizard.planner.plan import make_plan
from wizard.planner.report import render_plan

KEYS = {"decode_tokens_per_s_single", "decode_tokens_per_s_at_concurrency", "prefill_tokens_per_s", "ttft_ms",
        "bound", "assumptions"}


def plan_for(gpu="H100", count=1, version="0.10.1", goals=None, **pins):
    hw = catalog_hardware(gpu, count=count) if gpu else catalog_hardware(None, memory_gib=24,
                                                                         compute_capability="8.6")
    request = PlanRequest(hardware=hw, model=llama8b(), vllm_version=version, pinned=pins, goals=goals or Goals())
    return make_plan(request)


def test_contract_object_shape_and_values():
    plan = plan_for(max_model_len=8192)
    perf = plan.contract()["performance"]
    assert set(perf) == KEYS
    assert set(perf["decode_tokens_per_s_at_concurrency"]) == {"concurrency", "per_request", "aggregate"}
    assert set(perf["ttft_ms"]) == {"prompt_tokens", "ms"}
    assert perf["ttft_ms"]["prompt_tokens"] == 2048
    assert 80 < perf["decode_tokens_per_s_single"] < 250  # 16 GB of bf16 weights on 3.35 TB/s
    c = perf["decode_tokens_per_s_at_concurrency"]
    assert c["aggregate"] == pytest.approx(c["per_request"] * c["concurrency"], rel=0.01)
    assert c["per_request"] <= perf["decode_tokens_per_s_single"]
    assert perf["bound"] in {"memory_bandwidth", "compute", "pcie_offload", "interconnect"}
    assert perf["prefill_tokens_per_s"] > 1000 and perf["ttft_ms"]["ms"] > 0
    assert perf["assumptions"] and all(isinstance(a, str) and a.endswith(".") for a in perf["assumptions"])
    json.dumps(perf)


def test_goals_set_the_stated_concurrency_and_prompt():
    plan = plan_for(goals=Goals(context=4096, concurrency=8), max_model_len=8192)
    assert plan_concurrency(plan) == 8 and plan_prompt_tokens(plan) == 4096
    perf = plan.contract()["performance"]
    assert perf["decode_tokens_per_s_at_concurrency"]["concurrency"] == 8
    assert perf["ttft_ms"]["prompt_tokens"] == 4096
    short = plan_for(max_model_len=1024)
    assert plan_prompt_tokens(short) == 1024  # never beyond max-model-len


def test_default_concurrency_is_what_the_kv_cache_holds_within_max_num_seqs():
    plan = plan_for(max_model_len=8192)
    assert plan_concurrency(plan) == min(plan.settings.max_num_seqs, int(plan.max_concurrency))


def test_unknown_gpu_gives_nulls_in_the_contract_and_says_why():
    plan = plan_for(gpu=None, max_model_len=4096)
    perf = plan.contract()["performance"]
    assert perf["decode_tokens_per_s_single"] is None and perf["bound"] is None
    assert perf["prefill_tokens_per_s"] is None and perf["ttft_ms"]["ms"] is None
    text = render_plan(plan)
    assert "not estimated" in text


def test_human_plan_shows_speed_lines():
    text = render_plan(plan_for(max_model_len=8192))
    assert "Speed (estimate, 2,048-token prompts):" in text
    assert "tokens/s for one request" in text and "time to first token" in text


def test_assumptions_render_in_chinese():
    perf = estimate_plan(plan_for(gpu="RTX 4090", count=2, tensor_parallel_size=2, max_model_len=4096))
    english = [str(a) for a in perf.assumptions()]
    chinese = [localize(a, "zh_CN") for a in perf.assumptions()]
    assert english != chinese
    assert any("all-reduce" in a and "PCIe" in a for a in chinese)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese[0])


def test_plan_with_offload_names_the_host_link():
    perf = estimate_plan(plan_for(gpu="RTX 4090", cpu_offload_gb=4.0, max_model_len=4096))
    assert perf.bound == "pcie_offload"
    assert any("PCIe Gen4 x16" in a for a in perf.assumptions())


def test_serving_model_picks_the_limiting_batch():
    plan = plan_for(max_model_len=8192)
    from wizard.perf.inputs import build_inputs
    from wizard.planner.choose import select_gpus
    from wizard.planner.versions import VllmVersion

    inp = build_inputs(plan.request.model, plan.request.hardware, select_gpus(plan.request), plan.settings,
                       VllmVersion.parse(plan.version))
    few = serve(inp, Workload(10, 200, 200), kv_tokens=plan.kv_cache_tokens)
    assert few.limited_by == "requests" and few.batch == 10
    many = serve(inp, Workload(5000, 200, 200), kv_tokens=plan.kv_cache_tokens)
    assert many.limited_by == "max_num_seqs" and many.batch == plan.settings.max_num_seqs
    tight = serve(inp, Workload(5000, 200, 200), kv_tokens=20_000)
    assert tight.limited_by == "kv_cache" and tight.batch == 20_000 // 408
    client = serve(inp, Workload(100, 200, 200, concurrency=4), kv_tokens=plan.kv_cache_tokens)
    assert client.limited_by == "client" and client.batch == 4
    # more running requests serve more tokens per second, each one slower
    assert many.output_tokens_per_s > client.output_tokens_per_s
    assert many.step_ms > client.step_ms
    # requests that wait for a free slot see a longer time to first token
    assert tight.ttft_ms > many.ttft_ms


def test_multinode_plans_leave_speed_empty_and_say_why():
    hw = catalog_hardware("H100", count=8)
    request = PlanRequest(hardware=hw, model=llama8b(), vllm_version="0.10.1", nodes=2,
                          pinned={"tensor_parallel_size": 8, "pipeline_parallel_size": 2, "max_model_len": 4096})
    perf = estimate_plan(make_plan(request))
    assert perf.decode_single is None and perf.bound is None
    assert any("2 nodes" in a for a in perf.assumptions())
    single_node = estimate_plan(plan_for(gpu="H100", count=8, tensor_parallel_size=8, max_model_len=4096))
    assert single_node.decode_single is not None
