"""Which engine (V0 or V1) a vLLM release starts for a given command, and why.

0.8.0 made V1 the default, but until V0 was deleted (0.11.0) `EngineArgs._is_v1_supported_oracle`
(vllm/engine/arg_utils.py) fell back to V0 for whatever V1 could not run yet. The list changed in
almost every release; each rule below names the releases it holds for and was read from the
released wheel of each of 0.8.0-0.8.5, 0.9.0-0.9.2 and 0.10.0-0.10.2 (`pip download vllm==X
--no-deps`, then the oracle in arg_utils.py). The engine decides the defaults (max_num_seqs,
chunked prefill), the dummy profile batch, who samples and the budget formula, so getting it wrong
moves every figure the planner prints.

`VLLM_USE_V1` overrides the default: `0` forces V0 (what Unsloth and several wrappers set); `1`
forces V1, and a "hard" fallback (`_raise_or_fallback`) then refuses to start while a "soft" one
(`_warn_or_fallback`: LoRA and PP in 0.8.0-0.8.2, n-gram/EAGLE drafts in 0.8.x, Mamba in
0.9.2-0.10.1) only warns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Engine = Literal["V0", "V1"]
Key = tuple[int, int, int]
ORACLE_SRC = "vllm/engine/arg_utils.py EngineArgs._is_v1_supported_oracle"
V1_DEFAULT_FROM: Key = (0, 8, 0)  # EngineArgs.create_engine_config: try_v1 by default
V1_OPT_IN_FROM: Key = (0, 7, 0)  # VLLM_USE_V1=1 runs the alpha V1 engine
V0_REMOVED_IN: Key = (0, 11, 0)  # vllm/engine/llm_engine.py is the V1 engine's alias from 0.11.0

# Generative architectures whose model class is `SupportsV0Only` (vllm/model_executor/models/
# registry.py ModelRegistry.is_v1_compatible), read from each release's models/ package by AST; a
# release between two entries has the older entry's set.
_V0_ONLY_ARCHS: tuple[tuple[Key, frozenset[str]], ...] = (
    ((0, 8, 0), frozenset({
        "BambaForCausalLM", "BartForConditionalGeneration", "BloomForCausalLM", "FalconMambaForCausalLM",
        "Gemma3ForConditionalGeneration", "GlmForCausalLM", "JambaForCausalLM", "Mamba2ForCausalLM",
        "MambaForCausalLM", "MiniCPMO", "MiniCPMV", "MllamaForConditionalGeneration", "Phi4MMForCausalLM",
        "WhisperForConditionalGeneration", "Zamba2ForCausalLM"})),
    ((0, 8, 5), frozenset({
        "BambaForCausalLM", "BartForConditionalGeneration", "BloomForCausalLM", "FalconMambaForCausalLM",
        "Florence2ForConditionalGeneration", "JambaForCausalLM", "Mamba2ForCausalLM", "MambaForCausalLM",
        "MiniMaxText01ForCausalLM", "MllamaForConditionalGeneration", "Plamo2ForCausalLM",
        "WhisperForConditionalGeneration", "Zamba2ForCausalLM"})),
    ((0, 9, 2), frozenset({
        "BartForConditionalGeneration", "BloomForCausalLM", "FalconMambaForCausalLM",
        "Florence2ForConditionalGeneration", "JambaForCausalLM", "MambaForCausalLM", "MiniMaxM1ForCausalLM",
        "MiniMaxText01ForCausalLM", "MllamaForConditionalGeneration", "Plamo2ForCausalLM",
        "WhisperForConditionalGeneration"})),
    ((0, 10, 0), frozenset({
        "BartForConditionalGeneration", "BloomForCausalLM", "FalconMambaForCausalLM",
        "Florence2ForConditionalGeneration", "JambaForCausalLM", "MambaForCausalLM", "MiniMaxForCausalLM",
        "MiniMaxM1ForCausalLM", "MiniMaxText01ForCausalLM", "MllamaForConditionalGeneration",
        "Phi4FlashForCausalLM", "Plamo2ForCausalLM", "WhisperForConditionalGeneration"})),
    ((0, 10, 2), frozenset({
        "BartForConditionalGeneration", "DonutForConditionalGeneration", "Florence2ForConditionalGeneration",
        "MBartForConditionalGeneration", "MllamaForConditionalGeneration", "MotifForCausalLM",
        "Phi4FlashForCausalLM"})),
)
# Attention backends the oracle accepts when VLLM_ATTENTION_BACKEND is set (the union over
# 0.8.0-0.10.2; XFORMERS, the V0 name, is in none of them).
_V1_BACKENDS = frozenset({
    "FLASH_ATTN_VLLM_V1", "FLASH_ATTN", "PALLAS", "PALLAS_VLLM_V1", "TRITON_ATTN_VLLM_V1", "TRITON_MLA",
    "FLASHMLA", "FLASHINFER", "FLASHINFER_VLLM_V1", "CUTLASS_MLA_VLLM_V1", "CUTLASS_MLA", "ROCM_AITER_MLA",
    "TORCH_SDPA_VLLM_V1", "FLEX_ATTENTION", "TREE_ATTN", "XFORMERS_VLLM_V1", "FLASHMLA_VLLM_V1",
    "FLASH_ATTN_MLA", "FLASHINFER_MLA"})


@dataclass(frozen=True, slots=True)
class EngineInputs:
    """What the oracle looks at. Defaults are `vllm serve`'s, so callers name only what they know."""

    compute_capability: tuple[int, int] | None = None  # None: not known (the CC rule cannot fire)
    quantization: str | None = None  # the effective method (checkpoint's or --quantization)
    load_format: str = "auto"
    enable_lora: bool = False
    pipeline_parallel_size: int = 1
    distributed_executor_backend: str | None = None  # None: vLLM picks (mp on one node, ray across nodes)
    kv_cache_dtype: str = "auto"
    dtype_is_16bit: bool = True  # the resolved compute dtype is fp16/bf16 (not fp32)
    cpu_offload_gb: float = 0.0
    architecture: str = ""
    is_mla: bool = False
    has_inner_state: bool = False  # Mamba / linear-attention recurrent state (hybrid models)
    is_pooling: bool = False  # embedding / reward / classification task
    speculative_method: str | None = None  # ngram, eagle, eagle3, medusa, deepseek_mtp, draft_model
    attention_backend: str | None = None  # VLLM_ATTENTION_BACKEND
    use_v1_env: bool | None = None  # VLLM_USE_V1 (None: unset)


@dataclass(frozen=True, slots=True)
class EngineRule:
    """One fallback of the oracle: the releases it holds for and where it is written."""

    code: str  # catalog key suffix: engine.reason.<code>
    since: Key
    until: Key  # first release without it
    soft: bool  # _warn_or_fallback (VLLM_USE_V1=1 overrides it) rather than _raise_or_fallback
    source: str
    applies: Callable[[EngineInputs, Key], bool]

    def holds(self, key: Key) -> bool:
        return self.since <= key < self.until


@dataclass(frozen=True, slots=True)
class EngineChoice:
    engine: Engine
    code: str  # engine.reason.<code> in the message catalog
    source: str  # the vLLM file and function the decision comes from
    detail: str = ""  # the feature named in vLLM's own warning (e.g. "Compute Capability < 8.0")
    conflict: bool = False  # VLLM_USE_V1=1 with a hard fallback: vLLM raises NotImplementedError

    @property
    def is_fallback(self) -> bool:
        return self.code not in {"v0_only_release", "v1_default", "v1_only_release", "env_forced_v0",
                                 "env_forced_v1", "v1_opt_in"}


def v0_only_architectures(key: Key) -> frozenset[str]:
    found: frozenset[str] = frozenset()
    for since, archs in _V0_ONLY_ARCHS:
        if key >= since:
            found = archs
    return found


def _fp8_kv_supported(inp: EngineInputs, key: Key) -> bool:
    """Whether V1's attention backend stores this KV dtype (the oracle's --kv-cache-dtype rule).

    0.8.2-0.9.2: only FlashAttention 3 (Hopper, compute capability 9.x) stores fp8
    (vllm/attention/utils/fa_utils.py flash_attn_supports_fp8). 0.10.0 adds Blackwell 10.0
    (platforms/cuda.py is_kv_cache_dtype_supported); 0.10.2 adds the MLA backends FlashMLA /
    CUTLASS-MLA (default for MLA) and FlashInfer / Triton when chosen by VLLM_ATTENTION_BACKEND.
    """
    if key < (0, 8, 2):
        return False  # 0.8.0-0.8.1: "No Fp8 KV cache so far" — any non-auto dtype falls back
    cc = inp.compute_capability
    if cc is None:
        return True  # unknown GPU: do not invent a fallback
    if key >= (0, 10, 0) and cc == (10, 0):
        return True
    if key >= (0, 10, 2):
        if inp.is_mla:
            return inp.attention_backend in (None, "FLASHMLA", "CUTLASS_MLA") or not inp.kv_cache_dtype.startswith("fp8")
        if inp.attention_backend == "FLASHINFER":
            return True
        if inp.attention_backend == "TRITON_ATTN_VLLM_V1":
            return cc >= (8, 9)
        if not inp.kv_cache_dtype.startswith("fp8"):
            return True
    uses_fa = inp.attention_backend in (None, "FLASH_ATTN_VLLM_V1")
    return inp.kv_cache_dtype.startswith("fp8") and uses_fa and cc[0] == 9


def _v1_draft_methods(key: Key) -> frozenset[str]:
    """Speculative methods the oracle lets V1 run (anything else falls back to V0)."""
    if key < (0, 8, 3):
        return frozenset({"ngram", "[ngram]"})
    if key < (0, 8, 5):
        return frozenset({"ngram", "[ngram]", "eagle"})
    if key < (0, 9, 0):
        return frozenset({"ngram", "[ngram]", "eagle", "eagle3"})
    return frozenset({"ngram", "[ngram]", "medusa", "eagle", "eagle3", "deepseek_mtp"})


def _spec_falls_back(inp: EngineInputs, key: Key) -> bool:
    return bool(inp.speculative_method) and inp.speculative_method not in _v1_draft_methods(key)


def _pp_falls_back(inp: EngineInputs, key: Key) -> bool:
    if inp.pipeline_parallel_size <= 1:
        return False
    if key < (0, 8, 3):
        return True
    backend = inp.distributed_executor_backend
    if key < (0, 9, 0):
        return backend != "ray"  # 0.8.3-0.8.5: PP only with the Ray executor
    return backend not in (None, "ray", "mp", "external_launcher")


_ARG = ORACLE_SRC
RULES: tuple[EngineRule, ...] = (
    EngineRule("load_format", (0, 8, 0), V0_REMOVED_IN, False, _ARG + " (--load-format tensorizer/sharded_state)",
               lambda i, k: i.load_format == "sharded_state" or (i.load_format == "tensorizer" and k < (0, 9, 0))),
    EngineRule("compute_capability", (0, 8, 0), (0, 10, 2), False, _ARG + " (\"Compute Capability < 8.0\")",
               lambda i, k: i.compute_capability is not None and i.compute_capability[0] < 8),
    EngineRule("kv_cache_dtype", (0, 8, 0), V0_REMOVED_IN, False,
               _ARG + " (--kv-cache-dtype); platforms/cuda.py is_kv_cache_dtype_supported from 0.10.0",
               lambda i, k: i.kv_cache_dtype != "auto" and not _fp8_kv_supported(i, k)),
    EngineRule("cpu_offload", (0, 8, 0), (0, 8, 3), False, _ARG + " (--cpu-offload-gb)",
               lambda i, k: i.cpu_offload_gb > 0),
    EngineRule("dtype", (0, 8, 0), (0, 9, 2), False, _ARG + " (V1_SUPPORTED_DTYPES: bfloat16, float16)",
               lambda i, k: not i.dtype_is_16bit),
    EngineRule("bitsandbytes", (0, 8, 0), (0, 8, 3), False, _ARG + " (V1_UNSUPPORTED_QUANT: bitsandbytes, gguf)",
               lambda i, k: i.quantization == "bitsandbytes" or i.load_format == "bitsandbytes"),
    EngineRule("gguf", (0, 8, 0), (0, 9, 0), False, _ARG + " (V1_UNSUPPORTED_QUANT)",
               lambda i, k: i.quantization == "gguf" or i.load_format == "gguf"),
    EngineRule("pooling", (0, 8, 0), (0, 9, 2), False, _ARG + " (model_config.task not in ['generate'])",
               lambda i, k: i.is_pooling),
    EngineRule("architecture", (0, 8, 0), V0_REMOVED_IN, False,
               _ARG + " (model_config.is_v1_compatible: models/registry.py SupportsV0Only)",
               lambda i, k: i.architecture in v0_only_architectures(k)),
    EngineRule("mamba", (0, 9, 2), (0, 10, 2), True, _ARG + " (model_config.has_inner_state: \"V1 mamba models are unoptimized\")",
               lambda i, k: i.has_inner_state),
    EngineRule("speculative", (0, 8, 0), (0, 10, 0), False, _ARG + " (speculative_config method)",
               _spec_falls_back),
    EngineRule("speculative_experimental", (0, 8, 0), (0, 9, 0), True,
               _ARG + " (\"ngram is supported on V1, but off by default for now\"; EAGLE likewise)",
               lambda i, k: bool(i.speculative_method) and i.speculative_method in _v1_draft_methods(k)),
    EngineRule("attention_backend", (0, 8, 0), V0_REMOVED_IN, True, _ARG + " (VLLM_ATTENTION_BACKEND not in V1_BACKENDS)",
               lambda i, k: i.attention_backend is not None and i.attention_backend not in _V1_BACKENDS),
    EngineRule("lora", (0, 8, 0), (0, 8, 3), True, _ARG + " (\"LoRA is supported on V1, but off by default for now\")",
               lambda i, k: i.enable_lora),
    EngineRule("pipeline_parallel", (0, 8, 0), V0_REMOVED_IN, False,
               _ARG + " (PP: soft in 0.8.0-0.8.2; Ray executor only in 0.8.3-0.8.5)", _pp_falls_back),
)


def choose_engine(key: Key, inp: EngineInputs) -> EngineChoice:
    """The engine release `key` (major, minor, patch) starts for this command, with the rule that decided."""
    key = tuple(key[:3])  # type: ignore[assignment]
    if key >= V0_REMOVED_IN:
        return EngineChoice("V1", "v1_only_release", "vllm/engine/llm_engine.py (V0 removed in 0.11.0)")
    if key < V1_DEFAULT_FROM:
        if inp.use_v1_env and key >= V1_OPT_IN_FROM:
            return EngineChoice("V1", "v1_opt_in", "vllm/envs.py VLLM_USE_V1 (alpha V1 engine, opt-in before 0.8.0)")
        return EngineChoice("V0", "v0_only_release", "vllm/engine/llm_engine.py (V1 is the default from 0.8.0)")
    if inp.use_v1_env is False:
        return EngineChoice("V0", "env_forced_v0", "vllm/envs.py VLLM_USE_V1=0")
    for rule in RULES:
        if rule.holds(key) and rule.applies(inp, key):
            if inp.use_v1_env:
                if rule.soft:
                    continue  # _warn_or_fallback: VLLM_USE_V1=1 keeps V1 and only warns
                return EngineChoice("V1", rule.code, rule.source, conflict=True)
            return EngineChoice("V0", rule.code, rule.source)
    if inp.use_v1_env:
        return EngineChoice("V1", "env_forced_v1", "vllm/envs.py VLLM_USE_V1=1")
    return EngineChoice("V1", "v1_default", ORACLE_SRC)
