"""A vLLM release as the planner sees it, and the engine it runs for a setup.

What changes from one release to the next lives in wizard.releases (rules.py, facts.py, engine.py):
this module only names those answers for the planner, which never compares version numbers itself.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from wizard.errors import InputError
from wizard.i18n import msg
from wizard.releases import rules
from wizard.releases.engine import EngineChoice, EngineInputs, choose_engine
from wizard.releases.facts import ReleaseFacts, newest_known, release_facts

DEFAULT_UTILIZATION_COMPUTED = 0.92  # 0.34+ vllm/config/cache.py CacheConfig.DEFAULT_GPU_MEMORY_UTILIZATION
EXTENSIBLE_UTILIZATION = 1.0  # 0.34+ the same file, resolved_gpu_memory_utilization with the extensible KV cache

_VERSION_RE = re.compile(r"^\s*v?(\d+)\.(\d+)(?:\.(\d+))?(?:\.(\d+))?(.*)$")


def __getattr__(name: str) -> str:
    """NEWEST_KNOWN is the newest release in wizard/data/vllm_releases.json, read on first use so
    that importing this module (as `--help` does) does not load the data file."""
    if name == "NEWEST_KNOWN":
        return newest_known()
    raise AttributeError(name)


@dataclass(frozen=True)
class VllmVersion:
    """A vLLM release as the planner sees it: major.minor.patch plus what it changed.

    Every release fact is asked of wizard.releases (`has(rule)`, `facts`); the properties below are
    thin, readable names for those answers, not comparisons of their own."""

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
            raise InputError(msg("planner.version.malformed", text=text, newest=newest_known()))
        major, minor = int(match.group(1)), int(match.group(2))
        patch = int(match.group(3) or 0)
        version = cls(major, minor, patch, text.strip())
        if not rules.supported(version.key):
            oldest = ".".join(map(str, rules.OLDEST_SUPPORTED))
            raise InputError(msg("planner.version.too_old", text=text, oldest=oldest, newest=newest_known()))
        return version

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.major, self.minor, self.patch)

    def has(self, rule: rules.ReleaseRule) -> bool:
        """Whether the release rule holds for this release (and the engine it runs)."""
        return rule.holds(self.key, self.engine)

    @cached_property
    def facts(self) -> ReleaseFacts:
        """The release table's entry (its full text first: 0.10.1.1, 0.8.5.post1)."""
        try:
            return release_facts(self.raw)
        except InputError:  # a suffix the table does not read ("0.9.0abc"): the X.Y.Z part decides
            return release_facts(str(self))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    @cached_property
    def newer_than_known(self) -> bool:
        return release_facts(str(self)).newer_than_known

    # --- engine and accounting eras -------------------------------------------------------------
    @property
    def engine(self) -> str:
        """The engine this start-up runs: the one `with_engine` fixed, else the release's default.
        0.8-0.10 fall back to V0 for many setups: ask `engine_choice` with the setup, then plan
        with `with_engine(choice.engine)`."""
        if self.engine_override is not None:
            return self.engine_override
        return "V1" if rules.V1_DEFAULT.holds(self.key) else "V0"

    def engine_choice(self, inputs: EngineInputs) -> EngineChoice:
        return choose_engine(self.key, inputs)

    def with_env(self, env: dict[str, str] | None) -> VllmVersion:
        def flag(name: str) -> bool | None:
            value = (env or {}).get(name)
            return None if value is None else value.strip().lower() in ("1", "true", "yes")

        return replace(self, use_v1_env=flag("VLLM_USE_V1"), use_flashinfer_sampler=flag("VLLM_USE_FLASHINFER_SAMPLER"))

    @property
    def flashinfer_installed(self) -> bool:
        return self.flashinfer or self.has(rules.FLASHINFER_BUNDLED)

    def with_startup(self, *, env: dict[str, str] | None = None, nodes: int = 1, flashinfer: bool = False) -> VllmVersion:
        return replace(self.with_env(env), nodes=nodes, flashinfer=flashinfer)

    def with_engine(self, engine: str) -> VllmVersion:
        return self if engine == self.engine else replace(self, engine_override=engine)

    def resolve_engine(self, model: Any, gpus: Any, settings: Any) -> tuple[VllmVersion, EngineChoice]:
        """This release with the engine `_is_v1_supported_oracle` picks for the setup, and why."""
        choice = self.engine_choice(engine_inputs(model, gpus, settings, self.use_v1_env))
        return self.with_engine(choice.engine), choice

    @property
    def request_is_ceiled(self) -> bool:
        return self.has(rules.REQUEST_CEILED)

    @property
    def checks_free_memory(self) -> bool:
        return self.has(rules.FREE_MEMORY_CHECK)

    @property
    def subtracts_cuda_graphs(self) -> bool:
        return self.has(rules.GRAPHS_IN_BUDGET)

    @property
    def tokens_from_concurrency(self) -> bool:
        return self.has(rules.TOKENS_FROM_CONCURRENCY)

    @property
    def reserves_null_block(self) -> bool:
        return self.has(rules.NULL_BLOCK_RESERVED)

    @property
    def hybrid_kv_manager(self) -> bool:
        return self.has(rules.HYBRID_KV_MANAGER)

    @property
    def in_flight_reserve(self) -> bool:
        return self.has(rules.IN_FLIGHT_RESERVE)

    @property
    def default_gpu_memory_utilization(self) -> float:
        """The parser's default (0.9, 0.92 from 0.20; config/cache.py). 0.34 computes it
        (`resolved_gpu_memory_utilization`): 1.0 with its extensible KV cache, which is on for every
        CUDA setup the planner describes unless --kv-cache-memory-bytes is set (and then the
        utilization is not read)."""
        value = self.facts.default("gpu_memory_utilization")
        if isinstance(value, (int, float)):
            return float(value)
        return EXTENSIBLE_UTILIZATION if self.has(rules.EXTENSIBLE_KV_CACHE) else DEFAULT_UTILIZATION_COMPUTED

    def sizes_kv_after_warmup(self, kv_cache_memory_bytes: int | None) -> bool:
        """The extensible KV cache (0.34+): sized from the memory measured after warm-up and graph
        capture, not from the start-up profile (wizard.releases.profile, "v1-extensible")."""
        return self.has(rules.EXTENSIBLE_KV_CACHE) and kv_cache_memory_bytes is None

    @property
    def yarn_scales_max_len(self) -> bool:
        return self.has(rules.YARN_SCALES_MAX_LEN)

    @property
    def has_kv_cache_memory_bytes(self) -> bool:
        return self.facts.has_flag("--kv-cache-memory-bytes")

    @property
    def has_bitsandbytes(self) -> bool:
        return "bitsandbytes" in self.facts.quantization_methods

    @property
    def gptq_act_order(self) -> bool:
        return self.has(rules.GPTQ_ACT_ORDER)

    @property
    def mamba_align_needs_chunked_prefill(self) -> bool:
        return self.has(rules.MAMBA_ALIGN_NEEDS_CHUNKED_PREFILL)

    @property
    def turing_marlin(self) -> bool:
        return self.has(rules.MARLIN_ON_TURING)

    @property
    def kv_cache_dtypes(self) -> tuple[str, ...]:
        """The --kv-cache-dtype choices the release's parser accepts (release table)."""
        return self.facts.kv_cache_dtypes


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
