"""Per-rank figures follow who samples: V0 charges the sampler to the TP driver only, V1 to every
rank of the last stage; the KV budget is the minimum over ranks. 0.6.4 counts the CUDA context
inside gpu_memory_utilization x total; the named empirical terms are reported as such."""

from __future__ import annotations

from factories import GIB, gpu, llama31_8b

from wizard.planner import overheads as oh
from wizard.planner.inputs import MeasuredOverheads
from wizard.planner.predict import predict
from wizard.planner.settings import Settings
from wizard.planner.versions import VllmVersion

A100 = dict(name="NVIDIA A100-SXM4-80GB", total=int(79.15 * GIB), cc="8.0")


def _tp2(version: str):
    gpus = [gpu(0, **A100), gpu(1, **A100)]
    s = Settings(tensor_parallel_size=2, max_model_len=4096, max_num_seqs=256, max_num_batched_tokens=4096,
                 enable_chunked_prefill=False)
    return predict(llama31_8b(), gpus, s, VllmVersion.parse(version))


def test_v0_samples_on_the_driver_only_and_the_driver_is_the_worst_rank():
    p = _tp2("0.7.3")
    driver, other = p.ranks
    assert driver.activation > other.activation and driver.kv_cache < other.kv_cache
    assert p.worst is driver


def test_v1_samples_on_every_tp_rank():
    p = _tp2("0.10.1")
    assert p.ranks[0].activation == p.ranks[1].activation


def test_0_6_4_counts_the_cuda_context_inside_the_request():
    s = Settings(max_model_len=2048, max_num_seqs=256, max_num_batched_tokens=2048, enable_chunked_prefill=False)
    g = [gpu(**A100)]
    old, new = (predict(llama31_8b(), g, s, VllmVersion.parse(v)).worst for v in ("0.6.4", "0.6.5"))
    assert new.kv_cache - old.kv_cache == oh.TERMS.cuda_context


def test_communication_buffers_grow_with_tp_and_depend_on_the_link():
    assert oh.comm_bytes(tp=1, pp=1, link="p2p") == 0
    assert oh.comm_bytes(tp=8, pp=1, link="p2p") > oh.comm_bytes(tp=4, pp=1, link="p2p") > oh.comm_bytes(tp=4, pp=1, link="pcie")
    assert oh.comm_bytes(tp=2, pp=1, link="node") > oh.comm_bytes(tp=2, pp=1, link="pcie")
    assert oh.link_kind("NVIDIA H100 80GB HBM3", custom_all_reduce=True, nodes=1) == "p2p"
    assert oh.link_kind("NVIDIA L40S", custom_all_reduce=True, nodes=1) == "pcie"
    assert oh.link_kind("NVIDIA H100 80GB HBM3", custom_all_reduce=False, nodes=1) == "pcie"
    assert oh.link_kind("NVIDIA H100 80GB HBM3", custom_all_reduce=True, nodes=2) == "node"


def test_a_measured_context_replaces_the_estimate():
    s = Settings(max_model_len=2048, max_num_seqs=256, max_num_batched_tokens=2048, enable_chunked_prefill=False)
    g = [gpu(**A100)]
    measured = MeasuredOverheads(context_bytes=GIB)
    p = predict(llama31_8b(), g, s, VllmVersion.parse("0.6.4"), measured)
    base = predict(llama31_8b(), g, s, VllmVersion.parse("0.6.4"))
    assert base.worst.kv_cache - p.worst.kv_cache == GIB - oh.TERMS.cuda_context
    assert any(t.name == "cuda_context" and t.measured for t in p.terms)
    assert any(t.name == "cuda_context" and not t.measured for t in base.terms)
