"""The vLLM settings the planner decides, and parsing of `--set NAME=VALUE` pins.

Names are `vllm serve` long options with underscores. A pinned value is validated for type and
range here (bad input → exit 2); whether vLLM would accept it is the predictor's job (exit 3).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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


def _positive_int(text: str) -> int:
    value = int(text.replace("_", "").replace(",", ""))
    if value < 1:
        raise ValueError("must be at least 1")
    return value


def _max_model_len(text: str) -> int:
    # vLLM accepts human suffixes here too (32k = 32,000, 32K = 32,768).
    value = _human_int(text)
    if value < 1:
        raise ValueError("must be at least 1 (use -1 or auto only with vLLM 0.14+)")
    return value


def _human_int(text: str) -> int:
    raw = text.strip().replace("_", "")
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([kmgtKMGT]?)", raw)
    if not match:
        raise ValueError("expected a whole number, optionally with a k/M/G suffix")
    number, suffix = match.groups()
    return int(float(number) * _SUFFIXES.get(suffix, 1))


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 < value <= 1:
        raise ValueError("must be a fraction in (0, 1]")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if value < 0:
        raise ValueError("must not be negative")
    return value


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
    "tensor_parallel_size": SettingSpec(_positive_int, "GPUs one model copy is split across (per node)"),
    "pipeline_parallel_size": SettingSpec(_positive_int, "pipeline stages (layers split across GPUs)"),
    "decode_context_parallel_size": SettingSpec(_positive_int, "decode context parallel (MLA models)"),
    "gpu_memory_utilization": SettingSpec(_fraction, "fraction of each GPU's total memory vLLM may use"),
    "max_model_len": SettingSpec(_max_model_len, "longest request (prompt + output) in tokens"),
    "kv_cache_dtype": SettingSpec(_name, "KV cache element type (auto, fp8, ...)"),
    "dtype": SettingSpec(_choice(*DTYPES), "compute dtype of the weights and activations"),
    "quantization": SettingSpec(_optional_name, "quantization method; omit for pre-quantized checkpoints"),
    "cpu_offload_gb": SettingSpec(_non_negative_float, "GiB of weights per GPU kept in CPU memory"),
    "enforce_eager": SettingSpec(_bool, "skip CUDA graphs (less memory, slower decode)"),
    "max_num_seqs": SettingSpec(_positive_int, "requests scheduled at once"),
    "max_num_batched_tokens": SettingSpec(_positive_int, "tokens per scheduler step (profile batch)"),
    "block_size": SettingSpec(_positive_int, "tokens per KV cache block"),
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
    except ValueError as exc:
        raise InputError(f"--set {text!r}: {exc}") from None


def parse_pins(items: list[str]) -> dict[str, Any]:
    pins: dict[str, Any] = {}
    for item in items:
        key, value = parse_pin(item)
        pins[key] = value
    return pins
