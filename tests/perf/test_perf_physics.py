"""The performance model behaves like the physics it is built from."""

from __future__ import annotations

import dataclasses

import pytest
from perf_factories import awq, gptq, hardware, inputs, llama8b, llama70b, model

from wizard.hardware.catalog import catalog_hardware
from wizard.model.facts import MoeFacts
from wizard.perf import constants as k
from wizard.perf.estimate import estimate
from wizard.perf.step import pipeline_cycle, step

GIB = 1 << 30


def decode(inp, batch=1, ctx=1024) -> float:
    cycle, _ = pipeline_cycle(inp, batch, ctx)
    return 1.0 / cycle


def test_faster_with_more_memory_bandwidth():
    base = inputs(llama8b(), "A100 80GB")
    speeds = [decode(dataclasses.replace(base, bandwidth=bw)) for bw in (0.8e12, 1.2e12, 1.6e12, 2.4e12)]
    assert speeds == sorted(speeds) and speeds[-1] > 1.8 * speeds[0]


def test_batch_raises_aggregate_and_lowers_per_request_speed():
    inp = inputs(llama8b(), "H100")
    per_request = [decode(inp, b) for b in (1, 8, 64, 256)]
    aggregate = [b * s for b, s in zip((1, 8, 64, 256), per_request, strict=True)]
    assert per_request == sorted(per_request, reverse=True)
    assert aggregate == sorted(aggregate)
    # memory-bound at batch 1, compute or KV-bound at 256
    assert step(inp, 1, 1024).memory > step(inp, 1, 1024).compute
    assert step(inp, 256, 1024, 256).compute > 0


def test_longer_context_reads_more_kv_and_decodes_slower():
    inp = inputs(llama8b(), "A100 80GB")
    speeds = [decode(inp, 8, ctx) for ctx in (512, 4096, 32768)]
    assert speeds == sorted(speeds, reverse=True)
    fp8 = inputs(llama8b(), "H100", kv_cache_dtype="fp8")
    auto = inputs(llama8b(), "H100")
    assert decode(fp8, 16, 32768) > decode(auto, 16, 32768)


def test_moe_reads_fewer_bytes_than_dense_of_equal_total_params():
    experts, inter = 64, 1408
    moe = model(moe=MoeFacts(num_experts=experts, experts_per_token=4, moe_intermediate_size=inter), inter=inter,
                name="test/moe")
    dense = model(inter=experts * inter, name="test/dense-equal")
    assert moe.weights.total_bytes == pytest.approx(dense.weights.total_bytes, rel=0.02)
    m_inp, d_inp = inputs(moe, "H100"), inputs(dense, "H100")
    assert step(m_inp, 1, 1024).memory < 0.3 * step(d_inp, 1, 1024).memory
    assert decode(m_inp) > 2 * decode(d_inp)
    # at a large batch every expert is touched: the MoE reads (nearly) all its weights too
    assert step(m_inp, 512, 256).touched_experts == pytest.approx(experts, rel=0.01)


def test_quantized_weights_decode_faster_at_batch_one():
    bf16 = decode(inputs(llama8b(), "A100 80GB"))
    assert decode(inputs(llama8b(quant=gptq()), "A100 80GB")) > 1.4 * bf16
    assert decode(inputs(llama8b(quant=awq()), "A100 80GB")) > 1.4 * bf16


def test_rebuilding_kernels_pay_for_16_bit_copies_above_their_threshold():
    exllama = inputs(llama8b(quant=gptq()), "A100 80GB", quantization="gptq")
    assert exllama.dense_kernel.name == "exllama"
    below, above = step(exllama, 50, 128), step(exllama, 51, 128)
    # one more row, and every quantized weight is written and read again in 16 bits
    assert above.memory + above.compute > 2 * (below.memory + below.compute)


def test_offload_is_dominated_by_the_host_link():
    inp = inputs(llama8b(), "RTX 4090", cpu_offload_gb=8)
    st = step(inp, 1, 1024)
    host = 1.969e9 * 16 * k.LINK_EFFICIENCY
    assert st.offload == pytest.approx(8 * GIB / host, rel=1e-6)
    assert st.offload > 5 * st.memory
    perf = estimate(inp, concurrency=1, prompt_tokens=1024)
    assert perf.bound == "pcie_offload"
    no_offload = estimate(inputs(llama8b(), "RTX 4090"), concurrency=1, prompt_tokens=1024)
    assert perf.decode_single < no_offload.decode_single / 5


def test_uva_offload_reads_only_the_touched_experts():
    moe = model(moe=MoeFacts(num_experts=64, experts_per_token=4, moe_intermediate_size=1408), inter=1408)
    copy = inputs(moe, "H100", cpu_offload_gb=10, version="0.8.2")
    uva = inputs(moe, "H100", cpu_offload_gb=10, version="0.10.1")
    assert (copy.offload_mode, uva.offload_mode) == ("copy", "uva")
    assert step(uva, 1, 512).offload < 0.3 * step(copy, 1, 512).offload


def test_tensor_parallel_over_pcie_costs_more_per_layer_than_nvlink():
    nvlink = inputs(llama70b(), "H100 SXM", 2, tensor_parallel_size=2)
    pcie = inputs(llama70b(), "H100 PCIe", 2, tensor_parallel_size=2)
    host = inputs(llama70b(), "RTX 4090", 2, tensor_parallel_size=2)  # GeForce: no P2P
    assert nvlink.tp_link.kind == "nvlink" and pcie.tp_link.kind == "pcie_p2p" and host.tp_link.kind == "host"
    comm = [step(i, 64, 1024).comm / i.shape.layers for i in (nvlink, pcie, host)]
    assert comm[0] < comm[1] < comm[2]


def test_tensor_parallel_over_nvlink_speeds_up_a_bandwidth_bound_model():
    one = decode(inputs(llama70b(), "H100 SXM"))
    two = decode(inputs(llama70b(), "H100 SXM", 2, tensor_parallel_size=2))
    assert 1.5 * one < two < 2 * one


def test_pipeline_parallel_does_not_speed_up_one_request_but_fills_with_many():
    pp1 = inputs(llama70b(), "H100 SXM")
    pp2 = inputs(llama70b(), "H100 SXM", 2, pipeline_parallel_size=2)
    assert decode(pp2) <= decode(pp1) * 1.02
    assert 32 * decode(pp2, 32) > 1.5 * decode(pp2)


def test_eager_mode_is_slower_than_cuda_graphs_for_a_small_model():
    small = model(896, 24, 14, 2, 4864, 151936)
    graphs = decode(inputs(small, "A100 80GB", version="0.11.0"))
    eager = decode(inputs(small, "A100 80GB", version="0.11.0", enforce_eager=True))
    assert eager < 0.8 * graphs


def test_unknown_gpu_leaves_every_figure_empty():
    hw = catalog_hardware(None, count=1, memory_gib=24, compute_capability="8.6")
    perf = estimate(inputs(llama8b(), hw=hw), concurrency=4, prompt_tokens=512)
    assert perf.decode_single is None and perf.per_request is None and perf.aggregate is None
    assert perf.prefill_tps is None and perf.ttft_ms is None and perf.bound is None
    assert any("not known" in a for a in perf.assumptions())


def test_unknown_tensor_rate_keeps_bandwidth_bound_decode_but_not_prefill():
    perf = estimate(inputs(llama8b(), "A10G"), concurrency=4, prompt_tokens=512)
    assert perf.decode_single is not None and perf.decode_single > 10
    assert perf.prefill_tps is None and perf.ttft_ms is None
    assert any("tensor-core throughput" in a for a in perf.assumptions())


def test_a_quantization_the_release_cannot_run_has_no_figures():
    fp8 = llama8b(quant=None)
    perf = estimate(inputs(fp8, "T4", version="0.9.2", quantization="fp8", dtype="half"), concurrency=1,
                    prompt_tokens=128)
    assert perf.decode_single is None and perf.bound is None
    assert any("no kernel for this quantization" in a for a in perf.assumptions())


@pytest.mark.parametrize(("gpu", "settings"), [
    ("RTX 5090", {"cpu_offload_gb": 110.0}),  # bf16, PCIe Gen5
    ("V100 32GB", {"quantization": "bitsandbytes", "cpu_offload_gb": 20.0, "dtype": "half"}),  # the write-up's recipe
    ("V100 32GB", {"quantization": "bitsandbytes", "cpu_offload_gb": 60.0, "dtype": "half"}),  # all layers offloaded
])
def test_seed_70b_on_one_32gb_card_with_offload_is_tenths_of_a_token_per_second(gpu, settings):
    inp = inputs(llama70b(), gpu, version="0.8.5", enforce_eager=True, max_model_len=512, **settings)
    perf = estimate(inp, concurrency=1, prompt_tokens=256)
    assert 0.1 <= perf.decode_single <= 1.0, perf.decode_single
    assert perf.bound == "pcie_offload"


def test_offload_speed_scales_with_the_pcie_generation():
    gen3 = estimate(inputs(llama70b(), "V100 32GB", version="0.8.5", cpu_offload_gb=60.0, quantization="bitsandbytes",
                           dtype="half"), concurrency=1, prompt_tokens=256)
    gen5 = estimate(inputs(llama70b(), "RTX 5090", version="0.8.5", cpu_offload_gb=60.0,
                           quantization="bitsandbytes"), concurrency=1, prompt_tokens=256)
    assert gen5.decode_single > 2.5 * gen3.decode_single


def test_hardware_factory_sanity():
    assert len(hardware("T4", 4).gpus) == 4
