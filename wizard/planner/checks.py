"""vLLM's configuration checks and the exact messages it prints, with what to change.

Config-level refusals (dtype, quantization, parallel sizes, max length) are checked before memory,
as vLLM does; memory messages are formatted the way the planned release formats them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.hardware.facts import GpuFacts
from wizard.model.facts import ModelFacts
from wizard.planner import kv as kvmath
from wizard.planner.settings import Settings
from wizard.planner.versions import VllmVersion

if TYPE_CHECKING:
    from wizard.planner.predict import Failure, RankMemory

GIB = 1 << 30
FP16_UNSAFE_MODELS = {"gemma2", "gemma3", "gemma3_text", "glm4"}
_MAX_LEN_KEYS = (
    "max_position_embeddings", "n_positions", "max_seq_len", "seq_length", "max_target_positions",
    "max_sequence_length", "max_seq_length", "seq_len",
)
# Minimum compute capability per quantization method (before Marlin reached Turing in 0.14).
_MIN_CC = {"fp8": (8, 0), "mxfp4": (8, 0), "awq": (7, 5), "gptq": (6, 0), "compressed-tensors": (7, 5),
           "modelopt": (8, 9), "modelopt_fp4": (8, 0), "fbgemm_fp8": (8, 0), "bitsandbytes": (7, 0)}
# Equivalent spellings vLLM accepts for a checkpoint's declared method.
_COMPATIBLE = {
    "gptq": {"gptq", "gptq_marlin", "marlin"}, "awq": {"awq", "awq_marlin"},
    "fp8": {"fp8"}, "compressed-tensors": {"compressed-tensors"},
}


def gib(value: float) -> str:
    return f"{value / GIB:.2f}"


def others_bytes(gpu: GpuFacts) -> int:
    """Memory other processes hold on the GPU (NVML 'used' of an idle GPU is ~0 for catalog GPUs)."""
    return gpu.used_bytes or 0


def resolve_dtype(dtype: str, model: ModelFacts, cc: tuple[int, int] | None) -> str:
    """What `--dtype` resolves to: auto takes the checkpoint dtype, falling back where unsupported."""
    if dtype in {"half", "float16"}:
        return "float16"
    if dtype in {"float", "float32"}:
        return "float32"
    if dtype == "bfloat16":
        return "bfloat16"
    ckpt = (model.arch.torch_dtype or "bfloat16").replace("torch.", "")
    if ckpt == "float32":
        ckpt = "bfloat16" if cc is None or cc >= (8, 0) else "float16"
    if ckpt == "bfloat16" and cc is not None and cc < (8, 0):
        return "float32" if model.model_type in FP16_UNSAFE_MODELS else "float16"
    return ckpt if ckpt in {"float16", "bfloat16"} else "bfloat16"


def resolve_kv_dtype(kv_dtype: str, model: ModelFacts, version: VllmVersion) -> str:
    """`auto` means the model dtype, or (0.14+) the KV scheme a ModelOpt-style checkpoint declares."""
    if kv_dtype != "auto":
        return kv_dtype
    quant = model.quantization
    if quant and quant.kv_cache_scheme and version.at_least(0, 14):
        return "fp8" if "fp8" in quant.kv_cache_scheme.lower() else "auto"
    return "auto"


def derived_max_len(model: ModelFacts, version: VllmVersion) -> int:
    """vLLM's derived max_model_len: the smallest length key, times the RoPE factor where it applies."""
    arch = model.arch
    values = [arch.max_length_keys[k] for k in _MAX_LEN_KEYS if k in arch.max_length_keys]
    derived = min(values) if values else 2048
    scaling = arch.rope_scaling or {}
    kind = str(scaling.get("rope_type") or scaling.get("type") or "")
    factor = float(scaling.get("factor") or 1.0)
    if kind and kind not in {"su", "longrope", "llama3", "default", "mrope"} and factor > 1:
        if model.model_type in {"gemma3", "gemma3_text"}:
            return derived
        if kind in {"yarn", "deepseek_yarn"}:
            if not version.yarn_scales_max_len:
                return derived
            original = scaling.get("original_max_position_embeddings")
            return int((original or derived) * factor)
        return int(derived * factor)
    return derived


def _fail(code: str, message: str) -> Failure:
    from wizard.planner.predict import Failure

    return Failure(code, message)


def config_failure(
    model: ModelFacts, gpus: list[GpuFacts], s: Settings, version: VllmVersion, derived: int
) -> Failure | None:
    arch = model.arch
    tp, pp = s.tensor_parallel_size, s.pipeline_parallel_size
    cc = gpus[0].cc_tuple if gpus else None
    if tp * pp > len(gpus):
        return _fail("other", f"tensor_parallel_size × pipeline_parallel_size = {tp * pp} needs {tp * pp} GPUs, "
                              f"but {len(gpus)} {'is' if len(gpus) == 1 else 'are'} available; choose fewer or add GPUs")
    if arch.num_attention_heads % tp:
        return _fail("tp_not_divisor", f"Total number of attention heads ({arch.num_attention_heads}) must be divisible "
                                       f"by tensor parallel size ({tp}). Use a tensor-parallel size that divides "
                                       f"{arch.num_attention_heads}, or pipeline parallel (--pipeline-parallel-size).")
    if s.max_model_len > derived:
        return _fail("max_model_len_exceeds_model", f"User-specified max_model_len ({s.max_model_len}) is greater than "
                                                    f"the derived max_model_len ({derived}) of the model. Set "
                                                    f"max-model-len to {derived} or less.")
    failure = _dtype_failure(model, s, cc)
    if failure is None:
        failure = _quant_failure(model, s, version, cc)
    if failure is None:
        failure = _kv_dtype_failure(s, version, cc)
    if failure is None and not s.enable_chunked_prefill and model.arch.linear_attention is not None \
            and version.mamba_align_needs_chunked_prefill:
        failure = _fail("other", "Chunked prefill is required for mamba cache mode 'align' (hybrid models in vLLM "
                                 f"{version}). Remove enable-chunked-prefill=false.")
    if failure is None and not s.enable_chunked_prefill and s.max_num_batched_tokens < s.max_model_len:
        failure = _fail("other", f"max_num_batched_tokens ({s.max_num_batched_tokens}) is smaller than max_model_len "
                                 f"({s.max_model_len}) with chunked prefill disabled. Enable chunked prefill or raise "
                                 f"max-num-batched-tokens to {s.max_model_len}.")
    if failure is None and s.max_num_batched_tokens < s.max_num_seqs:
        failure = _fail("other", f"max_num_batched_tokens ({s.max_num_batched_tokens}) must be greater than or equal "
                                 f"to max_num_seqs ({s.max_num_seqs}).")
    if failure is None:
        from wizard.planner.input_settings import input_failure

        failure = input_failure(model, s, version)
    return failure


def _dtype_failure(model: ModelFacts, s: Settings, cc: tuple[int, int] | None) -> Failure | None:
    if s.dtype == "bfloat16" and cc is not None and cc < (8, 0):
        return _fail("unsupported_dtype", f"Bfloat16 is only supported on GPUs with compute capability of at least 8.0. "
                                          f"Your GPU has compute capability {cc[0]}.{cc[1]}. Use --dtype=half.")
    if s.dtype in {"half", "float16"} and model.model_type in FP16_UNSAFE_MODELS:
        return _fail("unsupported_dtype", f"The model type '{model.model_type}' does not support float16. Reason: "
                                          f"Numerical instability. Please use bfloat16 or float32 instead.")
    return None


def _quant_failure(model: ModelFacts, s: Settings, version: VllmVersion, cc: tuple[int, int] | None) -> Failure | None:
    declared = model.quantization
    if declared and declared.unsupported_reason:
        return _fail("unsupported_quantization", f"{declared.unsupported_reason} Use a checkpoint in a format vLLM "
                                                 f"loads (AWQ, GPTQ, FP8, compressed-tensors, or unquantized).")
    method = s.quantization or (declared.method if declared else None)
    if declared and declared.auto_detected and s.quantization:
        if s.quantization not in _COMPATIBLE.get(declared.method, {declared.method}):
            return _fail("quantization_mismatch", f"Quantization method specified in the model config "
                                                  f"({declared.method}) does not match the quantization method "
                                                  f"specified in the `quantization` argument ({s.quantization}). "
                                                  f"Remove the quantization setting: vLLM detects {declared.method}.")
    if method is None:
        return None
    base = method.split("_marlin")[0]
    if base == "gptq" and declared and declared.desc_act and not version.gptq_act_order:
        return _fail("unsupported_quantization", f"GPTQ with activation ordering (desc_act=True) is no longer supported "
                                                 f"in vLLM {version}. Use a checkpoint quantized with desc_act=False, "
                                                 f"an AWQ checkpoint, or vLLM 0.31 or older.")
    if base == "mxfp4" and resolve_dtype(s.dtype, model, cc) == "float16":
        return _fail("unsupported_dtype", "float16 is not supported for quantization method mxfp4: its MoE kernels "
                                          "need bfloat16 (compute capability 8.0 or newer). Use dtype=bfloat16 on an "
                                          "Ampere or newer GPU.")
    if base == "bitsandbytes" and not version.has_bitsandbytes:
        return _fail("unsupported_quantization", f"bitsandbytes was removed from vLLM {version} (moved to the "
                                                 f"vllm-bnb-plugin package). Install the plugin or use an AWQ/GPTQ "
                                                 f"checkpoint.")
    need = _MIN_CC.get(base)
    if version.turing_marlin and base in {"fp8", "modelopt_fp4", "compressed-tensors", "awq", "gptq"}:
        need = (7, 5)
    if need and cc is not None and cc < need:
        return _fail("unsupported_quantization", f"The quantization method {method} is not supported for the current "
                                                 f"GPU. Minimum capability: {need[0]}{need[1]}. Current capability: "
                                                 f"{cc[0]}{cc[1]}. Choose another checkpoint"
                                                 + ("" if version.turing_marlin else " or upgrade vLLM to 0.14+") + ".")
    return None


def _kv_dtype_failure(s: Settings, version: VllmVersion, cc: tuple[int, int] | None) -> Failure | None:
    kv = s.kv_cache_dtype
    if kv not in version.kv_cache_dtypes or not kvmath.kv_dtype_supported(kv):
        return _fail("other", f"argument --kv-cache-dtype: invalid choice: '{kv}' (choose from "
                              f"{', '.join(repr(c) for c in version.kv_cache_dtypes)}) in vLLM {version}.")
    if kv.startswith("fp8") and cc is not None and cc < (8, 0):
        return _fail("unsupported_dtype", f"FP8 KV cache is not supported on compute capability {cc[0]}.{cc[1]} "
                                          f"(Turing/Volta have no FP8 attention path). Use --kv-cache-dtype auto.")
    return None


# --- memory messages (what vLLM prints, then what to change) ------------------------------------

def msg_weights(r: RankMemory, s: Settings) -> str:
    return (f"CUDA out of memory while loading the model: weights need {gib(r.weights)} GiB per GPU but only "
            f"{gib(r.total - r.others - r.context)} GiB is free. Use more GPUs (tensor/pipeline parallel), a "
            f"quantized checkpoint, or cpu-offload-gb.")


def msg_free(r: RankMemory, s: Settings, version: VllmVersion, free: int) -> str:
    device = "device cuda:0" if version.at_least(0, 14) else "device"
    return (f"Free memory on {device} ({gib(free)}/{gib(r.total)} GiB) on startup is less than desired GPU memory "
            f"utilization ({s.gpu_memory_utilization}, {gib(r.requested)} GiB). Decrease GPU memory utilization or "
            f"reduce GPU memory used by other processes. The largest utilization that fits is "
            f"{max(0.0, int(free / r.total * 100) / 100):.2f}.")


def msg_no_kv(r: RankMemory, s: Settings) -> str:
    return ("No available memory for the cache blocks. Try increasing `gpu_memory_utilization` when initializing "
            f"the engine. (Weights {gib(r.weights)} + activations {gib(r.activation)} + non-torch "
            f"{gib(r.non_torch)} GiB leave nothing of the {gib(r.requested)} GiB requested.)")


def msg_kv(s: Settings, cap: kvmath.KvCapacity, r: RankMemory, max_fit: int, version: VllmVersion) -> str:
    owner = "model's" if version.at_least(0, 9) else "models's"  # 0.8.x has the typo
    return (f"To serve at least one request with the {owner} max seq len ({s.max_model_len}), "
            f"({cap.needed_bytes / GIB:.2f} GiB KV cache is needed, which is larger than the available KV cache "
            f"memory ({r.kv_cache / GIB:.2f} GiB). Based on the available memory, the estimated maximum model "
            f"length is {max_fit}. Try increasing `gpu_memory_utilization` or decreasing `max_model_len` when "
            f"initializing the engine. Fix: set max-model-len to {max_fit} or less, use fp8 KV cache, or more GPUs.")


def msg_v0_kv(s: Settings, cap: kvmath.KvCapacity, max_fit: int) -> str:
    return (f"The model's max seq len ({s.max_model_len}) is larger than the maximum number of tokens that can be "
            f"stored in KV cache ({cap.tokens}). Try increasing `gpu_memory_utilization` or decreasing "
            f"`max_model_len` when initializing the engine. Fix: set max-model-len to {max_fit} or less.")


def msg_graph_oom(r: RankMemory, s: Settings) -> str:
    return (f"CUDA out of memory during CUDA graph capture: about {gib(r.cuda_graph)} GiB of graphs do not fit the "
            f"{gib(r.total - r.others - r.context - r.requested)} GiB left outside gpu_memory_utilization. Lower "
            f"gpu-memory-utilization or set enforce-eager=true.")


def msg_mamba_blocks(s: Settings, blocks: int) -> str:
    return (f"max_num_seqs ({s.max_num_seqs}) exceeds available Mamba cache blocks ({blocks}). Each decode sequence "
            f"requires one Mamba cache block, so CUDA graph capture cannot proceed. Set max-num-seqs to {blocks} "
            f"or less, or free memory for the cache.")
