"""The vLLM settings the planner decides, and parsing of `--set NAME=VALUE` pins.

Names are `vllm serve` long options with underscores. A pinned value is validated for type and
range here (bad input → exit 2); whether vLLM would accept it is the predictor's job (exit 3).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wizard import bounds
from wizard.errors import InputError
from wizard.frozen import Frozen

_SUFFIXES = {"k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def _bool(text: str) -> bool:
    low = text.strip().lower()
    if low in {"1", "true", "yes", "on"}:
        return True
    if low in {"0", "false", "no", "off"}:
        return False
    raise ValueError("expected true or false")


def _bounded(parse: Callable[[str, bounds.Bound], Any], bound: bounds.Bound) -> Callable[[str], Any]:
    # Every number a pin carries is checked in wizard.bounds: finite, in a physical range.
    def parse_value(text: str) -> Any:
        return parse(text, bound)

    return parse_value


_positive_int = _bounded(bounds.parse_int, bounds.COUNT)  # a count with no narrower bound of its own
_human_int = _bounded(bounds.parse_human_int, bounds.KV_CACHE_BYTES)
_non_negative_float = _bounded(bounds.parse_float, bounds.CPU_OFFLOAD_GIB)
_parallel = _bounded(bounds.parse_int, bounds.PARALLEL)
_requests = _bounded(bounds.parse_int, bounds.REQUESTS)
_tokens = _bounded(bounds.parse_int, bounds.TOKENS)
_block = _bounded(bounds.parse_int, bounds.BLOCK_TOKENS)
_fraction = _bounded(bounds.parse_float, bounds.FRACTION)


def _max_model_len(text: str) -> int:
    # vLLM accepts human suffixes here too (32k = 32,000, 32K = 32,768).
    if text.strip().lstrip("-").isdigit() and int(text.strip()[:bounds.MAX_DIGITS]) < 1:
        raise ValueError("must be at least 1 (use -1 or auto only with vLLM 0.14+)")
    return bounds.parse_human_int(text, bounds.TOKENS)


def _choice(*choices: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = text.strip()
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}")
        return value

    return parse


def _name(text: str) -> str:
    value = text.strip()
    if not re.fullmatch(r"[A-Za-z0-9_.\-]+", value):
        raise ValueError("expected a plain name")
    return value


def _optional_name(text: str) -> str | None:
    return None if text.strip().lower() in {"", "none", "null"} else _name(text)


DTYPES = ("auto", "half", "float16", "bfloat16", "float", "float32")


@dataclass(frozen=True)
class SettingSpec:
    parse: Callable[[str], Any]
    help: str


SETTINGS: dict[str, SettingSpec] = {
    "tensor_parallel_size": SettingSpec(_parallel, "GPUs one model copy is split across (per node)"),
    "pipeline_parallel_size": SettingSpec(_parallel, "pipeline stages (layers split across GPUs)"),
    "decode_context_parallel_size": SettingSpec(_parallel, "decode context parallel (MLA models)"),
    "gpu_memory_utilization": SettingSpec(_fraction, "fraction of each GPU's total memory vLLM may use"),
    "max_model_len": SettingSpec(_max_model_len, "longest request (prompt + output) in tokens"),
    "kv_cache_dtype": SettingSpec(_name, "KV cache element type (auto, fp8, ...)"),
    "dtype": SettingSpec(_choice(*DTYPES), "compute dtype of the weights and activations"),
    "quantization": SettingSpec(_optional_name, "quantization method; omit for pre-quantized checkpoints"),
    "cpu_offload_gb": SettingSpec(_non_negative_float, "GiB of weights per GPU kept in CPU memory"),
    "enforce_eager": SettingSpec(_bool, "skip CUDA graphs (less memory, slower decode)"),
    "max_num_seqs": SettingSpec(_requests, "requests scheduled at once"),
    "max_num_batched_tokens": SettingSpec(_tokens, "tokens per scheduler step (profile batch)"),
    "block_size": SettingSpec(_block, "tokens per KV cache block"),
    "enable_chunked_prefill": SettingSpec(_bool, "split long prompts across steps"),
    "enable_prefix_caching": SettingSpec(_bool, "reuse KV blocks of shared prompt prefixes"),
    "kv_cache_memory_bytes": SettingSpec(_human_int, "fixed KV cache size in bytes (0.10.2+)"),
    "reasoning_parser": SettingSpec(_optional_name, "separates thinking text from the answer"),
    "tool_call_parser": SettingSpec(_optional_name, "parses tool calls from the model's output"),
    "enable_auto_tool_choice": SettingSpec(_bool, "let the model decide when to call tools"),
    "trust_remote_code": SettingSpec(_bool, "run Python code shipped in the model repo"),
    "disable_custom_all_reduce": SettingSpec(_bool, "use NCCL all-reduce only (PCIe cards without P2P)"),
}


@dataclass(frozen=True, kw_only=True)
class Settings(Frozen):
    """Every setting a plan decides, pinned or chosen (vLLM option names, underscores)."""

    tensor_parallel_size: int = 1
    pipeline_parallel_size: int = 1
    decode_context_parallel_size: int = 1
    gpu_memory_utilization: float = 0.9
    max_model_len: int = 2048
    kv_cache_dtype: str = "auto"
    dtype: str = "auto"
    quantization: str | None = None
    cpu_offload_gb: float = 0.0
    enforce_eager: bool = False
    max_num_seqs: int = 256
    max_num_batched_tokens: int = 2048
    block_size: int = 16
    enable_chunked_prefill: bool = True
    enable_prefix_caching: bool | None = None
    kv_cache_memory_bytes: int | None = None
    reasoning_parser: str | None = None
    tool_call_parser: str | None = None
    enable_auto_tool_choice: bool = False
    trust_remote_code: bool = False
    disable_custom_all_reduce: bool = False


def normalise_name(name: str) -> str:
    return name.strip().lstrip("-").replace("-", "_")


def parse_pin(text: str) -> tuple[str, Any]:
    """`NAME=VALUE` → (canonical name, typed value); InputError naming the pin otherwise."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise InputError(f"--set {text!r}: expected NAME=VALUE, e.g. --set max-model-len=8192")
    key = normalise_name(name)
    spec = SETTINGS.get(key)
    if spec is None:
        known = ", ".join(k.replace("_", "-") for k in SETTINGS)
        raise InputError(f"--set {text!r}: unknown setting {name.strip()!r}; the planner knows: {known}")
    try:
        return key, spec.parse(value)
    except bounds.OutOfBounds as exc:
        raise bounds.flag_error("--set", f"{name.strip()}={value}", exc.reason) from None
    except ValueError as exc:
        raise InputError(f"--set {text!r}: {exc}") from None


def parse_pins(items: list[str]) -> dict[str, Any]:
    pins: dict[str, Any] = {}
    for item in items:
        key, value = parse_pin(item)
        pins[key] = value
    return pins
