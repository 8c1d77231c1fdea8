"""Which GEMM kernel, CPU-offload path, CUDA-graph mode and all-reduce a vLLM release uses.

The performance model (wizard/perf) asks these questions; every answer cites the release and the
vLLM source file and function it was read from. The kernel matters for speed because it decides
what a decode step moves and computes: Marlin/Machete dequantize inside the GEMM (only the packed
weights cross memory), the legacy exllama / AWQ / bitsandbytes paths rebuild a 16-bit copy of the
weight above a row count (4 extra bytes per weight per step), and W8A8 / FP4 kernels run on the
low-precision tensor cores.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from wizard.releases import rules
from wizard.releases.rules import ReleaseRule

KernelFamily = Literal["dense", "weight_only", "reconstruct", "w8a8", "fp4"]
ComputeDtype = Literal["fp32", "fp16", "bf16", "fp8", "int8", "fp4"]


class ReleaseLike(Protocol):
    def has(self, rule: ReleaseRule) -> bool: ...

    @property
    def engine(self) -> str: ...


@dataclass(frozen=True, slots=True)
class LinearKernel:
    """The kernel a release runs the model's linear layers with."""

    name: str
    family: KernelFamily
    # Tensor-core input dtype its math runs in ("16" resolves to the model's fp16/bf16).
    compute: ComputeDtype | Literal["16"]
    # Above this many tokens in a step the kernel rebuilds 16-bit weights and calls cuBLAS.
    reconstruct_above: int | None
    source: str
    modelled: bool = True


@dataclass(frozen=True, slots=True)
class QuantSpec:
    """What the checkpoint declares plus what the command asks for, as the kernel choice needs it."""

    method: str | None  # the checkpoint's quant_method (None: unquantized)
    requested: str | None  # --quantization as given (None: auto-detect)
    bits: int | None = None
    group_size: int | None = None
    symmetric: bool | None = None
    desc_act: bool | None = None
    # compressed-tensors: bits of the input activations (8 for W8A8, None for weight-only).
    activation_bits: int | None = None
    activation_float: bool = False


_MARLIN_GROUPS = {-1, 32, 64, 128}
_MARLIN_SRC = "model_executor/layers/quantization/utils/marlin_utils.py query_marlin_supported_quant_types"
_FP8_SRC = "model_executor/layers/quantization/fp8.py Fp8LinearMethod.__init__ (use_marlin below capability 89)"


def marlin_min_capability(version: ReleaseLike) -> tuple[int, int]:
    """0.6.4-0.11: no Marlin types below 8.0; 0.14+ (PRs #29901/#31000): 7.5 (read in 0.32.0)."""
    return (7, 5) if version.has(rules.MARLIN_ON_TURING) else (8, 0)


def _cc_ok(cc: tuple[int, int] | None, minimum: tuple[int, int]) -> bool:
    return cc is None or cc >= minimum


def _marlin(name: str, why: str) -> LinearKernel:
    return LinearKernel(name, "weight_only", "16", None, why)


def _fp8_kernel(version: ReleaseLike, cc: tuple[int, int] | None) -> LinearKernel | None:
    if cc is None or cc >= (8, 9):
        return LinearKernel("cutlass_fp8", "w8a8", "fp8", None, f"vLLM: {_FP8_SRC}; native FP8 from capability 8.9")
    if _cc_ok(cc, marlin_min_capability(version)):
        return _marlin("marlin_fp8", f"vLLM: {_FP8_SRC}; weight-only FP8 through Marlin (W8A16)")
    return None


def _gptq(q: QuantSpec, version: ReleaseLike, cc: tuple[int, int] | None) -> LinearKernel | None:
    exllama = LinearKernel(
        "exllama", "reconstruct", "fp16", 50,
        "vLLM: model_executor/layers/quantization/gptq.py GPTQLinearMethod.apply -> ops.gptq_gemm "
        "(csrc/quantization/gptq/q_gemm.cu: above MAX_Q_GEMM_ROWS = 50 rows it reconstructs fp16 weights)",
    )
    compatible = (
        q.bits in (4, 8) and q.symmetric is not False and q.group_size in _MARLIN_GROUPS and q.desc_act is not None
    )
    # --quantization gptq forced the exllama kernel until 0.22 mapped "gptq" onto AutoGPTQConfig,
    # which picks the kernel per layer (quantization/__init__.py: 0.21.0 GPTQConfig, 0.22.0 AutoGPTQConfig)
    forced_legacy = q.requested == "gptq" and not version.has(rules.GPTQ_KEYWORD_AUTO)
    converted = version.has(rules.GPTQ_MARLIN_CONVERSION)
    if compatible and converted and not forced_legacy and _cc_ok(cc, marlin_min_capability(version)):
        if cc == (9, 0) and q.bits == 4 and version.has(rules.MACHETE_ON_HOPPER):
            return _marlin("machete", "vLLM 0.6.2+: quantization/kernels choose_mp_linear_kernel puts Machete "
                                      "(capability 9.0) before Marlin")
        return _marlin("marlin", f"vLLM: gptq_marlin.py GPTQMarlinConfig.override_quantization_method; {_MARLIN_SRC}")
    if not _cc_ok(cc, (6, 0)):
        return None
    return exllama


def _awq(q: QuantSpec, version: ReleaseLike, cc: tuple[int, int] | None) -> LinearKernel | None:
    compatible = q.bits == 4 and q.group_size in _MARLIN_GROUPS
    # likewise "awq" kept the legacy GEMM kernel until 0.24 (0.23.0 AWQConfig, 0.24.0 AutoAWQConfig)
    forced_legacy = q.requested == "awq" and not version.has(rules.AWQ_KEYWORD_AUTO)
    converted = version.has(rules.AWQ_MARLIN_CONVERSION)
    if compatible and converted and not forced_legacy and _cc_ok(cc, marlin_min_capability(version)):
        return _marlin("awq_marlin", f"vLLM: awq_marlin.py AWQMarlinConfig.override_quantization_method; {_MARLIN_SRC}")
    if not _cc_ok(cc, (7, 5)):
        return None
    return LinearKernel(
        "awq_gemm", "reconstruct", "fp16", 255,
        "vLLM: model_executor/layers/quantization/awq.py AWQLinearMethod.apply "
        "(FP16_MATMUL_HEURISTIC_CONDITION: 256+ tokens -> awq_dequantize + matmul)",
    )


def _fp4(version: ReleaseLike, cc: tuple[int, int] | None) -> LinearKernel | None:
    if cc is not None and cc[0] in (10, 12):
        return LinearKernel("cutlass_nvfp4", "fp4", "fp4", None,
                            "vLLM: modelopt.py ModelOptNvFp4LinearMethod (CUTLASS / FlashInfer FP4 GEMM on Blackwell)")
    if _cc_ok(cc, marlin_min_capability(version)):
        return _marlin("marlin_fp4", "vLLM: utils/marlin_utils_fp4.py (weight-only FP4 through Marlin)")
    return None


def _mxfp4(version: ReleaseLike, cc: tuple[int, int] | None) -> LinearKernel | None:
    if not version.has(rules.MXFP4):
        return None  # gpt-oss and the mxfp4 method arrived in 0.10.1
    src = "vLLM 0.10.2 / 0.11.0: model_executor/layers/quantization/mxfp4.py get_mxfp4_backend"
    if cc is not None and cc[0] == 10:
        return _marlin("flashinfer_mxfp4", f"{src} (FlashInfer MXFP4 x BF16 on SM100)")
    if cc is not None and cc[0] == 9:
        return _marlin("triton_matmul_ogs", f"{src} (Triton matmul_ogs on SM90)")
    if _cc_ok(cc, (8, 0)):
        return _marlin("marlin_mxfp4", f"{src} (Marlin below SM90)")
    return None


def linear_kernel(q: QuantSpec, version: ReleaseLike, cc: tuple[int, int] | None) -> LinearKernel | None:
    """The kernel for the model's quantized linear layers; None when the release cannot run it."""
    method = (q.method or q.requested or "").lower() or None
    if method is None:
        return LinearKernel("cublas", "dense", "16", None, "unquantized weights: cuBLAS GEMMs in the model dtype")
    if method in {"gptq", "gptq_marlin", "marlin", "auto_gptq", "auto-gptq"}:
        return _gptq(q, version, cc)
    if method in {"awq", "awq_marlin", "auto_awq", "auto-awq"}:
        return _awq(q, version, cc)
    if method in {"fp8", "fbgemm_fp8", "modelopt"}:
        return _fp8_kernel(version, cc)
    if method in {"modelopt_fp4", "nvfp4"}:
        return _fp4(version, cc)
    if method == "mxfp4":
        return _mxfp4(version, cc)
    if method == "bitsandbytes":
        return LinearKernel(
            "bitsandbytes", "reconstruct", "bf16", 1,
            "vLLM: quantization/bitsandbytes.py _apply_4bit_weight -> bitsandbytes matmul_4bit "
            "(gemv_4bit for a single row, else dequantize_4bit + matmul)",
        )
    if method == "compressed-tensors":
        return _compressed(q, version, cc)
    if method == "gguf":
        return LinearKernel("gguf_mmq", "weight_only", "16", None,
                            "vLLM: quantization/gguf.py _fuse_mul_mat (MMVQ / MMQ fused dequant kernels)")
    return LinearKernel(method, "weight_only", "16", None, "no rule for this method: taken as a fused weight-only kernel",
                        modelled=False)


def _compressed(q: QuantSpec, version: ReleaseLike, cc: tuple[int, int] | None) -> LinearKernel | None:
    if q.activation_bits == 8 and q.activation_float:
        return _fp8_kernel(version, cc)
    if q.activation_bits == 8:
        if not _cc_ok(cc, (7, 5)):
            return None
        return LinearKernel("cutlass_int8", "w8a8", "int8", None,
                            "vLLM: compressed_tensors/schemes/compressed_tensors_w8a8_int8.py (CUTLASS scaled_mm)")
    if q.bits == 4 and q.activation_bits is None and q.group_size == 16:
        return _fp4(version, cc)
    spec = QuantSpec("gptq", None, q.bits, q.group_size, q.symmetric, False)
    return _gptq(spec, version, cc)


def moe_token_tile(tokens: int, experts: int) -> int:
    """Rows per tile of the fused-MoE GEMM: each expert's routed tokens are padded to a multiple
    (moe_align_block_size). vLLM 0.6.4-0.11.0 fused_moe.py get_default_config: BLOCK_SIZE_M 16
    while the step's tokens do not exceed the expert count, else 64 (also block-FP8's fixed 64).
    Tuned per-GPU config files and the Marlin / matmul_ogs MoE kernels choose their own tiles;
    this default is taken for all of them."""
    return 16 if tokens <= experts else 64


# -- execution paths -------------------------------------------------------------------------------

OffloadMode = Literal["copy", "uva"]


def offload_mode(version: ReleaseLike) -> OffloadMode:
    """How --cpu-offload-gb weights reach the GPU each step.

    0.5-0.8.2 (and the V0 engine): models/utils.py maybe_offload_to_cpu wraps each module's forward
    in functional_call with `.to(device)` for every offloaded parameter: all offloaded bytes are
    copied on every forward. V1 from 0.8.4 (read in 0.8.4, 0.8.5.post1; 0.32.0 offloader/uva.py
    UVAOffloader): pinned memory mapped into the GPU's address space, so kernels read in place
    only the weights they use (for MoE, the routed experts).
    """
    return "uva" if version.has(rules.UVA_OFFLOAD) else "copy"


GraphMode = Literal["full", "piecewise", "eager"]


@dataclass(frozen=True, slots=True)
class GraphRule:
    """Which CUDA-graph mode a step runs in, for one release and one set of settings.

    V0 (worker/model_runner.py): whole-model graphs for decode batches up to 256, prefill eager.
    V1 0.8-0.10 (config CompilationConfig, "PIECEWISE (v1 default)" in 0.10.2): graphs around
    everything but attention, for steps up to the largest capture size, min(2 x max_num_seqs, 512).
    V1 0.11+ ("FULL_AND_PIECEWISE (v1 default)" in 0.11.0): full graphs for decode-only steps.
    """

    eager: bool
    v0: bool
    full_decode: bool
    capture_limit: int

    def mode(self, tokens: int, decode_only: bool) -> GraphMode:
        if self.eager:
            return "eager"
        if self.v0:
            return "full" if decode_only and tokens <= 256 else "eager"
        if tokens > self.capture_limit:
            return "eager"
        return "full" if decode_only and self.full_decode else "piecewise"


def graph_rule(version: ReleaseLike, *, enforce_eager: bool, max_num_seqs: int) -> GraphRule:
    return GraphRule(enforce_eager, version.engine == "V0", version.has(rules.FULL_DECODE_GRAPHS), min(2 * max_num_seqs, 512))


def graph_mode(version: ReleaseLike, *, enforce_eager: bool, tokens: int, decode_only: bool, max_num_seqs: int) -> GraphMode:
    """The CUDA-graph mode a step of `tokens` tokens runs in (see GraphRule)."""
    return graph_rule(version, enforce_eager=enforce_eager, max_num_seqs=max_num_seqs).mode(tokens, decode_only)


def async_scheduling_default(version: ReleaseLike, pipeline_parallel_size: int = 1) -> bool:
    """Whether the scheduler's CPU work overlaps the GPU's step without --async-scheduling.

    Opt-in through 0.11 (0.11.0 config/scheduler.py: async_scheduling = False); on by default in
    0.14.0 and 0.32.0 (config/vllm.py: None -> True) unless pipeline parallelism (V1 runner),
    pooling models or some speculative methods rule it out."""
    return version.has(rules.ASYNC_SCHEDULING_DEFAULT) and pipeline_parallel_size == 1


AllReduce = Literal["custom", "nccl"]


def all_reduce_backend(tp: int, *, nvlink: bool, p2p: bool, disabled: bool) -> AllReduce:
    """vLLM's custom all-reduce (distributed/device_communicators/custom_all_reduce.py, 0.4-0.32):
    world sizes 2/4/6/8 with P2P, and beyond 2 GPUs only when NVLink connects them all."""
    if disabled or tp not in (2, 4, 6, 8) or not p2p:
        return "nccl"
    if tp > 2 and not nvlink:
        return "nccl"
    return "custom"
