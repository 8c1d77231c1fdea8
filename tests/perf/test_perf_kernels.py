"""Release rules for the kernels and execution paths (wizard/releases/kernels.py)."""

from __future__ import annotations

import pytest

from wizard.planner.versions import VllmVersion
from wizard.releases import kernels as rk

V = VllmVersion.parse
AMPERE, TURING, HOPPER, ADA, BLACKWELL = (8, 0), (7, 5), (9, 0), (8, 9), (10, 0)


def gptq(bits=4, requested=None, desc_act=False, group=128):
    return rk.QuantSpec("gptq", requested, bits, group, True, desc_act)


def awq(requested=None):
    return rk.QuantSpec("awq", requested, 4, 128, False, None)


@pytest.mark.parametrize(("spec", "version", "cc", "name", "family"), [
    (gptq(), "0.6.3", AMPERE, "marlin", "weight_only"),
    (gptq(8), "0.6.3", AMPERE, "marlin", "weight_only"),
    (gptq(), "0.6.3", HOPPER, "machete", "weight_only"),
    (gptq(8), "0.9.2", HOPPER, "marlin", "weight_only"),
    (gptq(requested="gptq"), "0.9.2", AMPERE, "exllama", "reconstruct"),
    (gptq(requested="gptq"), "0.21.0", AMPERE, "exllama", "reconstruct"),
    (gptq(requested="gptq"), "0.22.0", AMPERE, "marlin", "weight_only"),  # "gptq" became AutoGPTQConfig
    (gptq(), "0.22.0", (7, 0), "exllama", "reconstruct"),  # no Marlin on Volta
    (gptq(), "0.6.6", TURING, "exllama", "reconstruct"),
    (gptq(), "0.14.0", TURING, "marlin", "weight_only"),
    (gptq(3), "0.9.2", AMPERE, "exllama", "reconstruct"),
    (gptq(group=256), "0.9.2", AMPERE, "exllama", "reconstruct"),
    (awq(), "0.9.2", AMPERE, "awq_marlin", "weight_only"),
    (awq(requested="awq"), "0.9.2", ADA, "awq_gemm", "reconstruct"),
    (awq(requested="awq"), "0.23.0", ADA, "awq_gemm", "reconstruct"),
    (awq(requested="awq"), "0.24.0", ADA, "awq_marlin", "weight_only"),  # "awq" became AutoAWQConfig
    (awq(), "0.7.3", TURING, "awq_gemm", "reconstruct"),
    (rk.QuantSpec("fp8", None, 8), "0.9.2", HOPPER, "cutlass_fp8", "w8a8"),
    (rk.QuantSpec("fp8", None, 8), "0.11.0", AMPERE, "marlin_fp8", "weight_only"),
    (rk.QuantSpec(None, "fp8"), "0.11.0", ADA, "cutlass_fp8", "w8a8"),
    (rk.QuantSpec("mxfp4", None, 4), "0.10.2", HOPPER, "triton_matmul_ogs", "weight_only"),
    (rk.QuantSpec("mxfp4", None, 4), "0.11.0", AMPERE, "marlin_mxfp4", "weight_only"),
    (rk.QuantSpec("mxfp4", None, 4), "0.11.0", BLACKWELL, "flashinfer_mxfp4", "weight_only"),
    (rk.QuantSpec("modelopt_fp4", None, 4), "0.11.0", BLACKWELL, "cutlass_nvfp4", "fp4"),
    (rk.QuantSpec("modelopt_fp4", None, 4), "0.11.0", HOPPER, "marlin_fp4", "weight_only"),
    (rk.QuantSpec(None, "bitsandbytes", 4), "0.8.5", AMPERE, "bitsandbytes", "reconstruct"),
    (rk.QuantSpec("compressed-tensors", None, 8, None, True, None, 8, False), "0.9.2", TURING, "cutlass_int8", "w8a8"),
    (rk.QuantSpec("compressed-tensors", None, 8, None, True, None, 8, True), "0.9.2", HOPPER, "cutlass_fp8", "w8a8"),
    (rk.QuantSpec("compressed-tensors", None, 4, 128, True, None), "0.9.2", AMPERE, "marlin", "weight_only"),
    (rk.QuantSpec(None, None), "0.9.2", AMPERE, "cublas", "dense"),
])
def test_linear_kernel_per_release_and_gpu(spec, version, cc, name, family):
    kernel = rk.linear_kernel(spec, V(version), cc)
    assert kernel is not None and (kernel.name, kernel.family) == (name, family)
    assert "vLLM" in kernel.source or family == "dense"


@pytest.mark.parametrize(("spec", "version", "cc"), [
    (rk.QuantSpec("fp8", None, 8), "0.9.2", TURING),  # no FP8 Marlin before 0.14 on Turing
    (rk.QuantSpec("mxfp4", None, 4), "0.10.0", HOPPER),  # mxfp4 arrived in 0.10.1
    (rk.QuantSpec("mxfp4", None, 4), "0.11.0", TURING),
    (awq(), "0.9.2", (7, 0)),  # AWQ needs Turing
])
def test_unsupported_combinations_have_no_kernel(spec, version, cc):
    assert rk.linear_kernel(spec, V(version), cc) is None


def test_rebuild_thresholds_come_from_the_kernels():
    assert rk.linear_kernel(gptq(requested="gptq"), V("0.9.2"), AMPERE).reconstruct_above == 50
    assert rk.linear_kernel(awq(requested="awq"), V("0.9.2"), AMPERE).reconstruct_above == 255
    assert rk.linear_kernel(rk.QuantSpec(None, "bitsandbytes"), V("0.9.2"), AMPERE).reconstruct_above == 1


def test_unknown_method_is_flagged_as_not_modelled():
    kernel = rk.linear_kernel(rk.QuantSpec("quark", None, 4), V("0.11.0"), HOPPER)
    assert kernel is not None and not kernel.modelled


@pytest.mark.parametrize(("version", "mode"), [
    ("0.6.3", "copy"), ("0.7.3", "copy"), ("0.8.2", "copy"), ("0.8.4", "uva"), ("0.11.0", "uva"), ("0.33.0", "uva"),
])
def test_offload_path_per_release(version, mode):
    assert rk.offload_mode(V(version)) == mode


@pytest.mark.parametrize(("version", "eager", "tokens", "decode_only", "mode"), [
    ("0.6.3", False, 1, True, "full"),
    ("0.6.3", False, 300, True, "eager"),
    ("0.6.3", False, 100, False, "eager"),
    ("0.10.1", False, 8, True, "piecewise"),
    ("0.11.0", False, 8, True, "full"),
    ("0.11.0", False, 8, False, "piecewise"),
    ("0.11.0", False, 600, True, "eager"),
    ("0.11.0", True, 1, True, "eager"),
])
def test_cuda_graph_mode(version, eager, tokens, decode_only, mode):
    rule = rk.graph_rule(V(version), enforce_eager=eager, max_num_seqs=256)
    assert rule.mode(tokens, decode_only) == mode


def test_capture_limit_follows_max_num_seqs():
    rule = rk.graph_rule(V("0.11.0"), enforce_eager=False, max_num_seqs=16)
    assert rule.mode(32, True) == "full" and rule.mode(33, True) == "eager"


@pytest.mark.parametrize(("tp", "nvlink", "p2p", "disabled", "backend"), [
    (2, False, True, False, "custom"),  # two PCIe GPUs with P2P
    (4, False, True, False, "nccl"),  # beyond two, PCIe is not fully connected
    (4, True, True, False, "custom"),
    (8, True, True, True, "nccl"),
    (2, False, False, False, "nccl"),
    (3, True, True, False, "nccl"),
])
def test_all_reduce_backend(tp, nvlink, p2p, disabled, backend):
    assert rk.all_reduce_backend(tp, nvlink=nvlink, p2p=p2p, disabled=disabled) == backend


def test_async_scheduling_default_and_moe_tile():
    assert not rk.async_scheduling_default(V("0.11.0"))
    assert rk.async_scheduling_default(V("0.14.0"))
    assert not rk.async_scheduling_default(V("0.14.0"), pipeline_parallel_size=2)
    assert rk.moe_token_tile(64, 128) == 16 and rk.moe_token_tile(2048, 128) == 64
