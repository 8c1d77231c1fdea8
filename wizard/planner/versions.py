"""What changes from one vLLM release to the next, as far as planning is concerned.

Every rule cites the release it starts in (see shared/research/vllm-memory-model.md §12); the
planner asks these questions instead of comparing version numbers itself.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from wizard.errors import InputError
from wizard.releases.engine import EngineChoice, EngineInputs, choose_engine
from wizard.i18n import msg

NEWEST_KNOWN = "0.33.0"
OLDEST_SUPPORTED = (0, 6)

_VERSION_RE = re.compile(r"^\s*v?(\d+)\.(\d+)(?:\.(\d+))?(?:\.(\d+))?(.*)$")


@dataclass(frozen=True)
class VllmVersion:
    """A vLLM release as the planner sees it: major.minor.patch plus what it changed."""

    major: int
    minor: int
    patch: int
    raw: str
    # The engine this start-up really runs (wizard.releases.engine); None: the release's default.
    engine_override: str | None = field(default=None, compare=False)
    # VLLM_USE_V1 in the server's environment (None: unset); wrappers such as Unsloth set it to 0.
    use_v1_env: bool | None = field(default=None, compare=False)
    # Where the start-up happens: machines the ranks span, and FlashInfer installed (V1 samples with it).
    nodes: int = field(default=1, compare=False)
    flashinfer: bool = field(default=False, compare=False)
    use_flashinfer_sampler: bool | None = field(default=None, compare=False)  # VLLM_USE_FLASHINFER_SAMPLER

    @classmethod
    def parse(cls, text: str) -> VllmVersion:
        match = _VERSION_RE.match(text or "")
        if not match:
            raise InputError(msg("planner.version.malformed", text=text, newest=NEWEST_KNOWN))
        major, minor = int(match.group(1)), int(match.group(2))
        patch = int(match.group(3) or 0)
        version = cls(major, minor, patch, text.strip())
        if version.key < (*OLDEST_SUPPORTED, 0):
            raise InputError(msg("planner.version.too_old", text=text,
                                 oldest=f"{OLDEST_SUPPORTED[0]}.{OLDEST_SUPPORTED[1]}", newest=NEWEST_KNOWN))
        return version

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.major, self.minor, self.patch)

    def at_least(self, major: int, minor: int, patch: int = 0) -> bool:
        return self.key >= (major, minor, patch)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    @cached_property
    def newer_than_known(self) -> bool:
        return self.key > VllmVersion.parse(NEWEST_KNOWN).key

    # --- engine and accounting eras -------------------------------------------------------------
    @property
    def engine(self) -> str:
        """The engine this start-up runs: the one `with_engine` fixed, else the release's default
        (V0 before 0.8.0, V1 from it). 0.8-0.10 fall back to V0 for many setups: ask
        `engine_choice` with the setup, then plan with `with_engine(choice.engine)`."""
        if self.engine_override is not None:
            return self.engine_override
        return "V1" if self.at_least(0, 8) else "V0"

    def engine_choice(self, inputs: EngineInputs) -> EngineChoice:
        return choose_engine(self.key, inputs)

    def with_env(self, env: dict[str, str] | None) -> VllmVersion:
        def flag(name: str) -> bool | None:
            value = (env or {}).get(name)
            return None if value is None else value.strip().lower() in ("1", "true", "yes")

        return replace(self, use_v1_env=flag("VLLM_USE_V1"), use_flashinfer_sampler=flag("VLLM_USE_FLASHINFER_SAMPLER"))

    @property
    def flashinfer_installed(self) -> bool:
        """FlashInfer is a dependency of the CUDA wheels from 0.11.1; before, only if installed."""
        return self.flashinfer or self.at_least(0, 11, 1)

    def with_startup(self, *, env: dict[str, str] | None = None, nodes: int = 1, flashinfer: bool = False) -> VllmVersion:
        return replace(self.with_env(env), nodes=nodes, flashinfer=flashinfer)

    def with_engine(self, engine: str) -> VllmVersion:
        return self if engine == self.engine else replace(self, engine_override=engine)

    def resolve_engine(self, model: Any, gpus: Any, settings: Any) -> tuple[VllmVersion, EngineChoice]:
        """This release with the engine `_is_v1_supported_oracle` picks for the setup, and why."""
        choice = self.engine_choice(engine_inputs(model, gpus, settings, self.use_v1_env))
        return self.with_engine(choice.engine), choice

    @property
    def budget_era(self) -> str:
        """How "Available KV cache memory" is derived (memory model §3)."""
        if self.engine == "V0":
            return "v0"
        if not self.at_least(0, 9, 1):
            return "v1-early"  # T·u − peak − everything outside torch, other processes included
        return "v1"

    @property
    def request_is_ceiled(self) -> bool:
        return self.at_least(0, 14)

    @property
    def checks_free_memory(self) -> bool:
        return self.at_least(0, 9, 1)

    @property
    def subtracts_cuda_graphs(self) -> bool:
        """The CUDA-graph estimate is deducted from the KV budget by default from 0.20.0."""
        return self.at_least(0, 20)

    @property
    def tokens_from_concurrency(self) -> bool:
        """0.20.1+: "GPU KV cache size" = int(concurrency × max_model_len)."""
        return self.at_least(0, 20, 1)

    @property
    def reserves_null_block(self) -> bool:
        return self.at_least(0, 29)

    @property
    def hybrid_kv_manager(self) -> bool:
        """Sliding-window and recurrent layers get their own KV groups from 0.9 (V1 only)."""
        return self.engine == "V1" and self.at_least(0, 9)

    @property
    def in_flight_reserve(self) -> bool:
        """0.26+: sliding-window reserve uses max_in_flight_tokens (2 × batch with async scheduling)."""
        return self.at_least(0, 26)

    @property
    def default_gpu_memory_utilization(self) -> float:
        return 0.92 if self.at_least(0, 20) else 0.9

    @property
    def nccl_before_snapshot(self) -> bool:
        """From 0.11 NCCL / custom all-reduce buffers exist before the memory snapshot (outside R)."""
        return self.at_least(0, 11)

    @property
    def yarn_scales_max_len(self) -> bool:
        return not self.at_least(0, 30)

    @property
    def has_kv_cache_memory_bytes(self) -> bool:
        return self.at_least(0, 10, 2)

    @property
    def needs_enable_reasoning_flag(self) -> bool:
        return self.at_least(0, 7) and not self.at_least(0, 9)

    @property
    def has_bitsandbytes(self) -> bool:
        return not self.at_least(0, 28)

    @property
    def gptq_act_order(self) -> bool:
        """Act-order (desc_act=True) GPTQ checkpoints load; vLLM 0.32 refuses them (seen in 0.32.0)."""
        return not self.at_least(0, 32)

    @property
    def mamba_align_needs_chunked_prefill(self) -> bool:
        """Hybrid Mamba models use the "align" cache mode from 0.16, which requires chunked prefill."""
        return self.at_least(0, 16)

    @property
    def turing_marlin(self) -> bool:
        """Marlin kernels (GPTQ/AWQ/FP8 weight-only) run on Turing from 0.14."""
        return self.at_least(0, 14)

    @property
    def kv_cache_dtypes(self) -> tuple[str, ...]:
        choices = ["auto", "fp8", "fp8_e4m3", "fp8_e5m2"]
        if self.at_least(0, 10):
            choices.append("fp8_inc")
        if self.at_least(0, 11):
            choices.append("bfloat16")
        if self.at_least(0, 18):
            choices.append("float16")
        if self.at_least(0, 20):
            choices += ["int8_per_token_head", "fp8_per_token_head", "nvfp4"]
        if self.at_least(0, 26):
            choices.append("int4_per_token_head")
        return tuple(choices)

    def batch_defaults(self, total_gib: float, gpu_name: str) -> tuple[int, int]:
        """(max_num_batched_tokens, max_num_seqs) that `vllm serve` uses when neither is set (§8)."""
        name = gpu_name.lower()
        if self.engine == "V0":
            return 2048, 256  # tokens are raised to max_model_len when chunked prefill is off
        if not self.at_least(0, 8, 4):
            big = "h100" in name or "h200" in name
            return (8192, 1024) if big else (2048, 1024)
        if not self.at_least(0, 8, 5):
            big = "h100" in name or "h200" in name
        elif not self.at_least(0, 9):
            big = total_gib >= 70
        elif not self.at_least(0, 28):
            big = total_gib >= 70 and "a100" not in name
        else:
            if total_gib >= 160:
                return 16384, 1024
            big = total_gib >= 70 and "a100" not in name and "gb10" not in name
        return (8192, 1024) if big else (2048, 256)

    def format_gib(self, value_bytes: float) -> str:
        """GiB the way this release's log prints "Available KV cache memory"."""
        gib = value_bytes / (1 << 30)
        if self.at_least(0, 14):
            return str(round(gib, 2))
        return f"{gib:.2f}"


def engine_inputs(model: Any, gpus: Any, settings: Any, use_v1_env: bool | None = None) -> EngineInputs:
    """What the engine oracle looks at, from the planner's facts. LoRA, load format and speculative
    decoding are read with getattr so settings that lack them plan as `vllm serve`'s defaults."""
    arch = model.arch
    ccs = [g.cc_tuple for g in gpus if g.cc_tuple is not None] if gpus else []
    quant = getattr(settings, "quantization", None) or (model.quantization.method if model.quantization else None)
    load_format = getattr(settings, "load_format", "auto") or "auto"
    spec = speculative_method(settings)
    return EngineInputs(
        compute_capability=min(ccs) if ccs else None,
        quantization=quant, load_format=load_format,
        enable_lora=bool(getattr(settings, "enable_lora", False)),
        pipeline_parallel_size=settings.pipeline_parallel_size,
        distributed_executor_backend=getattr(settings, "distributed_executor_backend", None),
        kv_cache_dtype=settings.kv_cache_dtype,
        dtype_is_16bit=settings.dtype not in ("float", "float32"),
        cpu_offload_gb=settings.cpu_offload_gb,
        architecture=model.architectures[0] if model.architectures else "",
        is_mla=arch.mla is not None,
        has_inner_state=arch.linear_attention is not None,
        speculative_method=spec,
        attention_backend=getattr(settings, "attention_backend", None),
        use_v1_env=getattr(settings, "use_v1_env", use_v1_env),
    )


def speculative_method(settings: Any) -> str | None:
    """The speculative method the oracle sees: `--speculative-config` JSON's "method" (or its
    "model"), or the legacy `--speculative-model` ("[ngram]" is n-gram; anything else a draft model)."""
    method, model = getattr(settings, "speculative_method", None), None
    config = getattr(settings, "speculative_config", None)
    if isinstance(config, str) and config.strip():
        try:
            data = json.loads(config)
        except ValueError:
            data = {}
        if isinstance(data, dict):
            method, model = method or data.get("method"), data.get("model")
    elif config is not None:
        method, model = method or getattr(config, "method", None), getattr(config, "model", None)
    model = model or getattr(settings, "speculative_model", None)
    if method:
        return str(method)
    if model:
        return "ngram" if str(model).strip("[]") == "ngram" else "draft_model"
    return None
