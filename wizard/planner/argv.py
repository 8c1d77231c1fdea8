"""The `vllm serve` argv and environment a plan stands for.

Only flags that change something are emitted (a value equal to vLLM's own default is left out
unless the user pinned it), so the command stays readable and valid across releases.
"""

from __future__ import annotations

from wizard.planner.settings import Settings
from wizard.planner.versions import VllmVersion

# Flags whose value is always written: they are the heart of the plan and vLLM's defaults differ by release.
_ALWAYS = ("gpu_memory_utilization", "max_model_len")


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def build_argv(
    model_ref: str,
    settings: Settings,
    version: VllmVersion,
    *,
    pinned: frozenset[str],
    defaults: dict,
) -> list[str]:
    """`defaults` holds what vLLM itself would use for the flags that may be left out."""
    argv = ["vllm", "serve", model_ref]
    s = settings.model_dump()

    def emit(name: str) -> bool:
        return name in _ALWAYS or name in pinned or s[name] != defaults.get(name)

    for name in ("tensor_parallel_size", "pipeline_parallel_size", "decode_context_parallel_size"):
        if s[name] > 1 or name in pinned:
            argv += [_flag(name), str(s[name])]
    for name in ("gpu_memory_utilization", "max_model_len", "max_num_seqs", "max_num_batched_tokens", "block_size",
                 "cpu_offload_gb", "kv_cache_memory_bytes"):
        if s[name] is not None and emit(name) and not (name == "cpu_offload_gb" and not s[name]):
            value = s[name]
            argv += [_flag(name), f"{value:g}" if isinstance(value, float) else str(value)]
    for name in ("dtype", "kv_cache_dtype"):
        if s[name] != "auto" or name in pinned:
            argv += [_flag(name), s[name]]
    if s["quantization"]:
        argv += ["--quantization", s["quantization"]]
    for name in ("enforce_eager", "trust_remote_code", "disable_custom_all_reduce"):
        if s[name]:
            argv.append(_flag(name))
    for name in ("enable_chunked_prefill", "enable_prefix_caching"):
        if name in pinned and s[name] is not None:
            argv.append(_flag(name) if s[name] else "--no-" + _flag(name)[2:])
    if s["reasoning_parser"]:
        if version.needs_enable_reasoning_flag:
            argv.append("--enable-reasoning")
        argv += ["--reasoning-parser", s["reasoning_parser"]]
    if s["tool_call_parser"]:
        if s["enable_auto_tool_choice"]:
            argv.append("--enable-auto-tool-choice")
        argv += ["--tool-call-parser", s["tool_call_parser"]]
    return argv


def build_env(gpu_indices: list[int], settings: Settings, *, no_p2p: bool, detected: bool) -> dict[str, str]:
    env: dict[str, str] = {}
    if detected:
        # NVML numbers GPUs by PCI bus; CUDA's default order is "fastest first" — pin them to agree.
        env["CUDA_DEVICE_ORDER"] = "PCI_BUS_ID"
        env["CUDA_VISIBLE_DEVICES"] = ",".join(str(i) for i in gpu_indices)
    if no_p2p and settings.tensor_parallel_size * settings.pipeline_parallel_size > 1:
        env["NCCL_P2P_DISABLE"] = "1"
    return env
