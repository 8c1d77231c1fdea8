"""The release rules that are code in vLLM, one named entry each: the releases it holds for, the
vLLM source file and function it was read from, and why the planner cares.

Flags, defaults, quantization methods, KV-cache dtypes and parsers are data (wizard.releases.facts,
extracted from each release's source); the engine oracle's fallbacks are in wizard.releases.engine.
Everything else that changes at a release boundary is a `ReleaseRule` here, and callers ask by name
(`version.has(rules.REQUEST_CEILED)`), never by comparing version numbers themselves
(tests/releases/test_no_version_compare.py enforces that outside this package).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Key = tuple[int, int, int]
Engine = Literal["V0", "V1"]
OLDEST_SUPPORTED: Key = (0, 4, 0)  # the oldest release the table (wizard/data/vllm_releases.json) was read from


@dataclass(frozen=True, slots=True)
class ReleaseRule:
    """A fact that holds from `since` (first release with it) until `until` (first release without
    it); None on either side: open. `engine`: it holds only when that engine runs the start-up."""

    name: str
    since: Key | None
    until: Key | None
    source: str  # the vLLM file and function it comes from
    why: str
    engine: Engine | None = None

    def holds(self, key: tuple[int, ...], engine: str | None = None) -> bool:
        release = tuple(key[:3])
        if self.engine is not None and engine != self.engine:
            return False
        if self.since is not None and release < self.since:
            return False
        return self.until is None or release < self.until


def supported(key: tuple[int, ...]) -> bool:
    """Whether the planner models this release (the table starts at OLDEST_SUPPORTED)."""
    return tuple(key[:3]) >= OLDEST_SUPPORTED


# -- engine and budget -----------------------------------------------------------------------------
V1_DEFAULT = ReleaseRule(
    "v1_default", (0, 8, 0), None, "vllm/engine/arg_utils.py EngineArgs.create_engine_config (VLLM_USE_V1 unset: try V1)",
    "the release's default engine is V1 (wizard.releases.engine picks the fallbacks)")
FLASHINFER_BUNDLED = ReleaseRule(
    "flashinfer_bundled", (0, 11, 1), None, "requirements/cuda.txt (flashinfer-python a dependency of the CUDA wheel)",
    "FlashInfer is installed with vLLM, so the sampler choice no longer depends on an optional extra")
FREE_MEMORY_CHECK = ReleaseRule(
    "free_memory_check", (0, 9, 1), None, "vllm/v1/worker/gpu_worker.py Worker.init_device (MemorySnapshot vs requested)",
    "start-up fails with 'Free memory on device ...' when free memory is below total x utilization")
REQUEST_CEILED = ReleaseRule(
    "request_ceiled", (0, 14, 0), None, "vllm/v1/worker/utils.py request_memory (math.ceil)",
    "the requested memory total x utilization is rounded up to a whole byte count")
FREE_MEMORY_NAMES_DEVICE = ReleaseRule(
    "free_memory_names_device", (0, 14, 0), None, "vllm/v1/worker/utils.py request_memory (error text)",
    "the free-memory error says 'device cuda:0' rather than 'device'")
GRAPHS_IN_BUDGET = ReleaseRule(
    "graphs_in_budget", (0, 20, 0), None,
    "vllm/envs.py VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS (default 1); v1/worker/gpu_worker.py determine_available_memory",
    "the CUDA-graph estimate is deducted from the KV budget by default")
EXTENSIBLE_KV_CACHE = ReleaseRule(
    "extensible_kv_cache", (0, 34, 0), None,
    "vllm/config/vllm.py (enable_extensible_kv_cache resolved on for CUDA unless kv_cache_memory_bytes or "
    "num_gpu_blocks_override is set); vllm/v1/worker/extensible_kv_cache.py measure_kv_cache_bytes; "
    "vllm/config/cache.py resolved_gpu_memory_utilization (1.0 when it is on)",
    "the KV cache is sized from the memory free after warm-up and CUDA graph capture, keeping the profiled "
    "peak plus a margin free; the default utilization is 1.0 and the start-up free-memory check is gone",
    engine="V1")
# -- KV cache --------------------------------------------------------------------------------------
HYBRID_KV_MANAGER = ReleaseRule(
    "hybrid_kv_manager", (0, 9, 0), None, "vllm/v1/core/kv_cache_utils.py get_kv_cache_config (KV cache groups)",
    "sliding-window and recurrent layers get their own KV groups", engine="V1")
KV_TOKENS_PER_GROUP = ReleaseRule(
    "kv_tokens_per_group", (0, 9, 1), None, "vllm/v1/core/kv_cache_utils.py _report_kv_cache_config",
    "'GPU KV cache size' and concurrency are reported per KV group against one request's blocks", engine="V1")
KV_TOKENS_TIMES_DCP = ReleaseRule(
    "kv_tokens_times_dcp", (0, 10, 2), None, "vllm/v1/core/kv_cache_utils.py _report_kv_cache_config (x dcp_world_size)",
    "the logged token count is multiplied by the decode-context-parallel size")
TOKENS_FROM_CONCURRENCY = ReleaseRule(
    "tokens_from_concurrency", (0, 20, 1), None, "vllm/v1/core/kv_cache_utils.py _report_kv_cache_config",
    "'GPU KV cache size' is int(concurrency x max_model_len)")
IN_FLIGHT_RESERVE = ReleaseRule(
    "in_flight_reserve", (0, 26, 0), None, "vllm/v1/kv_cache_interface.py SlidingWindowSpec.max_memory_usage_bytes",
    "the sliding-window reserve counts max_in_flight_tokens (2 x batch with async scheduling)")
NULL_BLOCK_RESERVED = ReleaseRule(
    "null_block_reserved", (0, 29, 0), None, "vllm/v1/core/kv_cache_utils.py check_enough_kv_cache_memory",
    "the fit checks keep the null block out of the available memory")
KV_SCHEME_FROM_CHECKPOINT = ReleaseRule(
    "kv_scheme_from_checkpoint", (0, 14, 0), None, "vllm/config/cache.py (kv_cache_dtype 'auto' from the quant config)",
    "--kv-cache-dtype auto takes the fp8 KV scheme a ModelOpt-style checkpoint declares")
MAMBA_GRAPH_BLOCKS = ReleaseRule(
    "mamba_graph_blocks", (0, 11, 0), None,
    "V1 CUDA-graph capture check 'exceeds available Mamba cache blocks' (boundary as the planner had it; "
    "the text is not in 0.11.0's source, so it may start later)",
    "hybrid models need one recurrent-state block per decoding sequence to capture graphs")
MAMBA_ALIGN_NEEDS_CHUNKED_PREFILL = ReleaseRule(
    "mamba_align_needs_chunked_prefill", (0, 16, 0), None, "vllm/config/vllm.py (mamba_cache_mode 'align')",
    "hybrid Mamba models use the 'align' cache mode, which requires chunked prefill")
KV_LEN_MESSAGE_FIXED = ReleaseRule(
    "kv_len_message_fixed", (0, 9, 0), None, "vllm/v1/core/kv_cache_utils.py check_enough_kv_cache_memory (error text)",
    "0.8.x spells the max-model-len error \"models's\"; the catalog keeps both wordings")
# -- dtype ---------------------------------------------------------------------------------------
BF16_AUTO_FALLBACK = ReleaseRule(
    "bf16_auto_fallback", (0, 9, 0), None,
    "vllm/config.py _get_and_verify_dtype (falls back to current_platform.supported_dtypes[0]); before: "
    "vllm/worker/worker.py _check_if_gpu_supports_dtype raises",
    "--dtype auto on a bfloat16 checkpoint runs in float16 below compute capability 8.0 instead of refusing to start")
# -- model length ----------------------------------------------------------------------------------
YARN_SCALES_MAX_LEN = ReleaseRule(
    "yarn_scales_max_len", None, (0, 30, 0), "vllm/config/model.py _get_and_verify_max_len",
    "YaRN's factor multiplies original_max_position_embeddings into the derived max length")
# -- quantization and kernels ----------------------------------------------------------------------
GPTQ_ACT_ORDER = ReleaseRule(
    "gptq_act_order", None, (0, 32, 0), "vllm/model_executor/layers/quantization/gptq*.py (seen refused in 0.32.0)",
    "act-order (desc_act=True) GPTQ checkpoints load")
GPTQ_MARLIN_SAFE = ReleaseRule(
    "gptq_marlin_safe", (0, 6, 4), None, "vllm/model_executor/layers/quantization/kernels choose_mp_linear_kernel",
    "older releases' GPTQ paths are known to produce NaN logits ('!!!!') on some GPUs")
GPTQ_MARLIN_CONVERSION = ReleaseRule(
    "gptq_marlin_conversion", (0, 4, 2), None, "vllm/config.py ModelConfig._verify_quantization (GPTQMarlinConfig.is_marlin_compatible)",
    "a Marlin-compatible GPTQ checkpoint runs with the gptq_marlin kernel instead of exllama")
AWQ_MARLIN_CONVERSION = ReleaseRule(
    "awq_marlin_conversion", (0, 5, 3), None, "quantization/awq_marlin.py AWQMarlinConfig.override_quantization_method",
    "a Marlin-compatible AWQ checkpoint runs with the awq_marlin kernel instead of the AWQ GEMM")
MACHETE_ON_HOPPER = ReleaseRule(
    "machete_on_hopper", (0, 6, 2), None,
    "quantization/kernels/__init__.py choose_mp_linear_kernel (_POSSIBLE_KERNELS: Machete before Marlin; read in 0.6.2)",
    "4-bit GPTQ on compute capability 9.0 runs the Machete kernel")
MARLIN_ON_TURING = ReleaseRule(
    "marlin_on_turing", (0, 14, 0), None, "quantization/utils/marlin_utils.py query_marlin_supported_quant_types",
    "Marlin kernels (GPTQ/AWQ/FP8 weight-only) run from compute capability 7.5 instead of 8.0")
GPTQ_KEYWORD_AUTO = ReleaseRule(
    "gptq_keyword_auto", (0, 22, 0), None, "quantization/__init__.py ('gptq' -> AutoGPTQConfig)",
    "--quantization gptq no longer forces the exllama kernel; the kernel is chosen per layer")
AWQ_KEYWORD_AUTO = ReleaseRule(
    "awq_keyword_auto", (0, 24, 0), None, "quantization/__init__.py ('awq' -> AutoAWQConfig)",
    "--quantization awq no longer forces the legacy GEMM kernel")
MXFP4 = ReleaseRule(
    "mxfp4", (0, 10, 1), None, "model_executor/layers/quantization/mxfp4.py",
    "the mxfp4 method (gpt-oss) exists")
BNB_NEEDS_LOAD_FORMAT = ReleaseRule(
    "bnb_needs_load_format", None, (0, 8, 2), "vllm/engine/arg_utils.py EngineArgs.create_engine_config",
    "--quantization bitsandbytes must come with --load-format bitsandbytes and the reverse")
BNB_PREQUANT_NEEDS_FLAGS = ReleaseRule(
    "bnb_prequant_needs_flags", None, (0, 8, 4), "vllm/engine/arg_utils.py EngineArgs.create_engine_config",
    "a pre-quantized bitsandbytes checkpoint needs --quantization bitsandbytes on the command line")
# -- MLA (DeepSeek) --------------------------------------------------------------------------------
MLA_IN_USE = ReleaseRule(
    "mla_in_use", (0, 7, 1), None, "vllm/config.py ModelConfig.use_mla; models/deepseek_v2.py",
    "DeepSeek-style attention runs as MLA (one 576-wide latent) rather than MHA")
MLA_QUANT_LIMITED = ReleaseRule(
    "mla_quant_limited", (0, 7, 1), (0, 7, 3), "vllm/config.py ModelConfig.use_mla",
    "MLA is disabled for quantization other than fp8 / compressed-tensors fp8")
MHA_HEAD_PADDED = ReleaseRule(
    "mha_head_padded", None, (0, 7, 1), "vllm/config.py ModelConfig.get_head_size",
    "DeepSeek-V2's MHA head size is padded to 256 for FlashAttention")
MLA_ABSORBS_WEIGHTS = ReleaseRule(
    "mla_absorbs_weights", (0, 7, 1), (0, 8, 0), "attention/backends/mla/utils.py MLACommonImpl.process_weights_after_loading",
    "W_Q_UK and W_UV_O are materialised per layer on top of the loaded projections")
MLA_PADS_KV_ENTRY = ReleaseRule(
    "mla_pads_kv_entry", (0, 7, 1), (0, 8, 0), "vllm/worker/cache_engine.py CacheEngine.get_cache_block_size",
    "the 576-element MLA entry is aligned to 256 bytes (640 elements)", engine="V0")
# -- LoRA, multimodal, offload, graphs, scheduling -------------------------------------------------
LORA_ANY_RANK = ReleaseRule(
    "lora_any_rank", (0, 11, 1), None, "vllm/config/lora.py LoRAConfig (max_lora_rank choices dropped)",
    "--max-lora-rank takes any value rather than one of 8/16/32/64/128/256")
MM_LIMIT_999 = ReleaseRule(
    "mm_limit_999", (0, 8, 4), None, "vllm/config.py MultiModalConfig.get_default_limit_per_prompt",
    "a prompt may carry up to 999 items per modality by default (V1), not 1", engine="V1")
UVA_OFFLOAD = ReleaseRule(
    "uva_offload", (0, 8, 4), None, "vllm/model_executor/models/utils.py maybe_offload_to_cpu (UVA); offloader/uva.py",
    "--cpu-offload-gb weights are read in place over UVA instead of copied every forward", engine="V1")
FULL_DECODE_GRAPHS = ReleaseRule(
    "full_decode_graphs", (0, 11, 0), None, "vllm/config/compilation.py CompilationConfig (FULL_AND_PIECEWISE default)",
    "decode-only steps run in full CUDA graphs")
ASYNC_SCHEDULING_DEFAULT = ReleaseRule(
    "async_scheduling_default", (0, 14, 0), None, "vllm/config/vllm.py (async_scheduling None -> True)",
    "the scheduler's CPU work overlaps the GPU step without --async-scheduling")
FLEXIBLE_ARG_PARSER = ReleaseRule(
    "flexible_arg_parser", (0, 5, 1), None,
    "vllm/utils.py FlexibleArgumentParser.parse_args (absent in 0.5.0.post1, read in 0.5.1)",
    "`--max_model_len` is read as `--max-model-len`")

ALL: tuple[ReleaseRule, ...] = tuple(v for v in globals().values() if isinstance(v, ReleaseRule))
