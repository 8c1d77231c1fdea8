"""vLLM's configuration checks and the exact messages it prints, with what to change.

Config-level refusals (dtype, quantization, parallel sizes, max length) are checked before memory,
as vLLM does; memory messages are formatted the way the planned release formats them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.hardware.facts import GpuFacts
from wizard.model.facts import ModelFacts
from wizard.i18n import msg
from wizard.planner import kv as kvmath
from wizard.planner.input_settings import input_failure
from wizard.planner.settings import Settings
from wizard.planner.versions import VllmVersion
from wizard.releases import rules
from wizard.releases.facts import quantization_added_later

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
    if quant and quant.kv_cache_scheme and version.has(rules.KV_SCHEME_FROM_CHECKPOINT):
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
    from wizard.planner.predict import Failure  # noqa: PLC0415 - import cycle: wizard.planner.predict imports this module

    return Failure(code, message)


def config_failure(
    model: ModelFacts, gpus: list[GpuFacts], s: Settings, version: VllmVersion, derived: int
) -> Failure | None:
    arch = model.arch
    tp, pp = s.tensor_parallel_size, s.pipeline_parallel_size
    cc = gpus[0].cc_tuple if gpus else None
    if tp * pp > len(gpus):
        return _fail("other", msg("planner.fail.too_few_gpus_one" if len(gpus) == 1 else "planner.fail.too_few_gpus",
                                  n=tp * pp, have=len(gpus)))
    if arch.num_attention_heads % tp:
        return _fail("tp_not_divisor", msg("planner.fail.tp_not_divisor", heads=arch.num_attention_heads, tp=tp))
    if s.max_model_len > derived:
        return _fail("max_model_len_exceeds_model", msg("planner.fail.len_exceeds_model", len=s.max_model_len,
                                                        derived=derived))
    failure = _dtype_failure(model, s, cc, version)
    if failure is None:
        failure = _quant_failure(model, s, version, cc)
    if failure is None:
        failure = _kv_dtype_failure(s, version, cc)
    if failure is None and not s.enable_chunked_prefill and model.arch.linear_attention is not None \
            and version.mamba_align_needs_chunked_prefill:
        failure = _fail("other", msg("planner.fail.mamba_align", version=str(version)))
    if failure is None and not s.enable_chunked_prefill and s.max_num_batched_tokens < s.max_model_len:
        failure = _fail("other", msg("planner.fail.batched_below_len", tokens=s.max_num_batched_tokens,
                                     len=s.max_model_len))
    if failure is None and s.max_num_batched_tokens < s.max_num_seqs:
        failure = _fail("other", msg("planner.fail.batched_below_seqs", tokens=s.max_num_batched_tokens,
                                     seqs=s.max_num_seqs))
    if failure is None:
        failure = input_failure(model, s, version)
    return failure


def _dtype_failure(model: ModelFacts, s: Settings, cc: tuple[int, int] | None, version: VllmVersion) -> Failure | None:
    ckpt = (model.arch.torch_dtype or "bfloat16").replace("torch.", "")
    auto_bf16 = s.dtype == "auto" and ckpt == "bfloat16" and not version.has(rules.BF16_AUTO_FALLBACK)
    if (s.dtype == "bfloat16" or auto_bf16) and cc is not None and cc < (8, 0):
        return _fail("unsupported_dtype", msg("planner.fail.bf16_old_gpu", cc=f"{cc[0]}.{cc[1]}"))
    if s.dtype in {"half", "float16"} and model.model_type in FP16_UNSAFE_MODELS:
        return _fail("unsupported_dtype", msg("planner.fail.fp16_unsafe", model_type=model.model_type))
    return None


def _quant_failure(model: ModelFacts, s: Settings, version: VllmVersion, cc: tuple[int, int] | None) -> Failure | None:
    declared = model.quantization
    if declared and declared.unsupported_reason:
        return _fail("unsupported_quantization", msg("planner.fail.unsupported_format", reason=declared.unsupported_reason))
    method = s.quantization or (declared.method if declared else None)
    if declared and declared.auto_detected and s.quantization:
        if s.quantization not in _COMPATIBLE.get(declared.method, {declared.method}):
            return _fail("quantization_mismatch", msg("planner.fail.quant_mismatch", declared=declared.method,
                                                      given=s.quantization))
    if method is None:
        return None
    base = method.split("_marlin")[0]
    if base == "gptq" and declared and declared.desc_act and not version.gptq_act_order:
        return _fail("unsupported_quantization", msg("planner.fail.gptq_act_order", version=str(version)))
    if base == "mxfp4" and resolve_dtype(s.dtype, model, cc) == "float16":
        return _fail("unsupported_dtype", msg("planner.fail.mxfp4_fp16"))
    added_in = quantization_added_later(version.facts.version, method)
    if added_in is not None:
        return _fail("unsupported_quantization", msg("releases.fail.quant_method_missing", method=method,
                                                     version=str(version), since=added_in))
    if base == "bitsandbytes" and not version.has_bitsandbytes:
        return _fail("unsupported_quantization", msg("planner.fail.bnb_removed", version=str(version)))
    need = _MIN_CC.get(base)
    if version.turing_marlin and base in {"fp8", "modelopt_fp4", "compressed-tensors", "awq", "gptq"}:
        need = (7, 5)
    if need and cc is not None and cc < need:
        return _fail("unsupported_quantization", msg("planner.fail.quant_cc" if version.turing_marlin
                                                     else "planner.fail.quant_cc_upgrade",
                                                     method=method, need=f"{need[0]}{need[1]}", have=f"{cc[0]}{cc[1]}"))
    return None


def _kv_dtype_failure(s: Settings, version: VllmVersion, cc: tuple[int, int] | None) -> Failure | None:
    kv = s.kv_cache_dtype
    if kv not in version.kv_cache_dtypes or not kvmath.kv_dtype_supported(kv):
        return _fail("other", msg("planner.fail.kv_dtype_choice", kv=kv,
                                  choices=", ".join(repr(c) for c in version.kv_cache_dtypes), version=str(version)))
    if kv.startswith("fp8") and cc is not None and cc < (8, 0):
        return _fail("unsupported_dtype", msg("planner.fail.fp8_kv_old_gpu", cc=f"{cc[0]}.{cc[1]}"))
    return None


# --- memory messages (what vLLM prints, then what to change) ------------------------------------

def msg_weights(r: RankMemory, s: Settings) -> str:
    return msg("planner.fail.weights_oom", weights=gib(r.weights), free=gib(r.total - r.others - r.context))


def msg_free(r: RankMemory, s: Settings, version: VllmVersion, free: int) -> str:
    device = "device cuda:0" if version.has(rules.FREE_MEMORY_NAMES_DEVICE) else "device"
    return msg("planner.fail.free_memory", device=device, free=gib(free), total=gib(r.total),
               util=s.gpu_memory_utilization, requested=gib(r.requested), fits=max(0.0, int(free / r.total * 100) / 100))


def msg_no_kv(r: RankMemory, s: Settings) -> str:
    return msg("planner.fail.no_kv", weights=gib(r.weights), activation=gib(r.activation), non_torch=gib(r.non_torch),
               requested=gib(r.requested))


def msg_kv(s: Settings, cap: kvmath.KvCapacity, r: RankMemory, max_fit: int, version: VllmVersion) -> str:
    key = "planner.fail.kv_len" if version.has(rules.KV_LEN_MESSAGE_FIXED) else "planner.fail.kv_len_08"  # 0.8.x: "models's"
    return msg(key, len=s.max_model_len, needed=cap.needed_bytes / GIB, available=r.kv_cache / GIB, fit=max_fit)


def msg_v0_kv(s: Settings, cap: kvmath.KvCapacity, max_fit: int) -> str:
    return msg("planner.fail.v0_kv_len", len=s.max_model_len, tokens=cap.tokens, fit=max_fit)


def msg_graph_oom(r: RankMemory, s: Settings) -> str:
    return msg("planner.fail.graph_oom", graphs=gib(r.cuda_graph), left=gib(r.total - r.others - r.context - r.requested))


def msg_mamba_blocks(s: Settings, blocks: int) -> str:
    return msg("planner.fail.mamba_blocks", seqs=s.max_num_seqs, blocks=blocks)
