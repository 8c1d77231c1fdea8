"""The vLLM settings the planner decides, and parsing of `--set NAME=VALUE` pins.

Names are `vllm serve` long options with underscores. A pinned value is validated for type and
range here (bad input → exit 2); whether vLLM would accept it is the predictor's job (exit 3).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from wizard import bounds
from wizard.errors import InputError
from wizard.frozen import Frozen
from wizard.i18n import Message, msg
from wizard.planner.speculative import SpeculativeConfig, merged, parse_draft_model, parse_speculative_config

_SUFFIXES = {"k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def _bool(text: str) -> bool:
    low = text.strip().lower()
    if low in {"1", "true", "yes", "on"}:
        return True
    if low in {"0", "false", "no", "off"}:
        return False
    raise ValueError(msg("planner.pin.expected_bool"))


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
        raise ValueError(msg("planner.pin.len_at_least_one"))
    return bounds.parse_human_int(text, bounds.TOKENS)


def _choice(*choices: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = text.strip()
        if value not in choices:
            raise ValueError(msg("planner.pin.one_of", choices=", ".join(choices)))
        return value

    return parse


def _name(text: str) -> str:
    value = text.strip()
    if not re.fullmatch(r"[A-Za-z0-9_.\-]+", value):
        raise ValueError(msg("planner.pin.plain_name"))
    return value


def _optional_name(text: str) -> str | None:
    return None if text.strip().lower() in {"", "none", "null"} else _name(text)


DTYPES = ("auto", "half", "float16", "bfloat16", "float", "float32")
# Every `--load-format` any release knows (0.4.0-0.5.4 list them as argparse choices; later releases
# check them against config.py / config/load.py LoadFormat); whether the planned release has one is
# checked against that release (wizard.planner.input_checks).
LOAD_FORMATS = ("auto", "pt", "safetensors", "npcache", "dummy", "tensorizer", "sharded_state", "gguf",
                "bitsandbytes", "mistral", "runai_streamer", "runai_streamer_sharded", "fastsafetensors")
# LoRAConfig.__post_init__ possible_max_ranks: (8 .. 256) up to 0.11.0; 0.11.1 adds 1, 320, 512.
LORA_RANKS = (1, 8, 16, 32, 64, 128, 256, 320, 512)


def _load_format(text: str) -> str:
    value = text.strip()
    if value not in LOAD_FORMATS:
        raise ValueError(msg("inputs.load_format_unknown", choices=", ".join(LOAD_FORMATS)))
    return value


def _lora_rank(text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        value = -1
    if value not in LORA_RANKS:
        raise ValueError(msg("inputs.lora_rank_choices", choices=", ".join(map(str, LORA_RANKS))))
    return value


def _optional_positive_int(text: str) -> int | None:
    return None if text.strip().lower() in {"", "none", "null"} else _positive_int(text)


def _swap_space(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1024:
        raise ValueError(msg("inputs.swap_space_range"))
    return value


def _limit_mm(text: str) -> str | None:
    """`image=2,video=1` (0.5.5-0.8.4 spelling) or a JSON object `{"image": 2}` (0.8.5+), the newest
    form also allowing `{"image": {"count": 2, ...}}`; kept as canonical `image=2,video=1` (the plan's
    JSON holds plain values; `Settings.mm_limits` gives the pairs)."""
    raw = text.strip()
    pairs: dict[str, object] = {}
    if raw.startswith("{"):
        try:
            data = json.loads(raw)
        except json.JSONDecodeError:
            data = None
        if not isinstance(data, dict):
            raise ValueError(msg("inputs.limit_mm_format"))
        pairs = {k: (v.get("count") if isinstance(v, dict) else v) for k, v in data.items()}
    elif raw:
        for part in raw.split(","):
            key, sep, value = part.partition("=")
            if not sep:
                raise ValueError(msg("inputs.limit_mm_format"))
            try:
                pairs[key.strip()] = int(value.strip())
            except ValueError:
                raise ValueError(msg("inputs.limit_mm_format")) from None
    out: list[tuple[str, int]] = []
    for key, count in pairs.items():
        if not re.fullmatch(r"[a-z_]+", str(key)) or isinstance(count, bool) or not isinstance(count, int) \
                or count < 0:
            raise ValueError(msg("inputs.limit_mm_format"))
        out.append((str(key), count))
    return ",".join(f"{k}={v}" for k, v in sorted(out)) or None


def mm_limit_pairs(text: str | None) -> tuple[tuple[str, int], ...]:
    if not text:
        return ()
    return tuple((k, int(v)) for k, _, v in (part.partition("=") for part in text.split(",")))


def _speculative_json(text: str) -> str | None:
    config = parse_speculative_config(text)
    return config.text if config is not None else None


@dataclass(frozen=True)
class SettingSpec:
    parse: Callable[[str], Any]
    help: Message  # what the setting does, in the catalog (area planner, key planner.setting.<name>)


SETTINGS: dict[str, SettingSpec] = {
    "tensor_parallel_size": SettingSpec(_parallel, msg("planner.setting.tensor_parallel_size")),
    "pipeline_parallel_size": SettingSpec(_parallel, msg("planner.setting.pipeline_parallel_size")),
    "decode_context_parallel_size": SettingSpec(_parallel, msg("planner.setting.decode_context_parallel_size")),
    "gpu_memory_utilization": SettingSpec(_fraction, msg("planner.setting.gpu_memory_utilization")),
    "max_model_len": SettingSpec(_max_model_len, msg("planner.setting.max_model_len")),
    "kv_cache_dtype": SettingSpec(_name, msg("planner.setting.kv_cache_dtype")),
    "dtype": SettingSpec(_choice(*DTYPES), msg("planner.setting.dtype")),
    "quantization": SettingSpec(_optional_name, msg("planner.setting.quantization")),
    "cpu_offload_gb": SettingSpec(_non_negative_float, msg("planner.setting.cpu_offload_gb")),
    "enforce_eager": SettingSpec(_bool, msg("planner.setting.enforce_eager")),
    "max_num_seqs": SettingSpec(_requests, msg("planner.setting.max_num_seqs")),
    "max_num_batched_tokens": SettingSpec(_tokens, msg("planner.setting.max_num_batched_tokens")),
    "block_size": SettingSpec(_block, msg("planner.setting.block_size")),
    "enable_chunked_prefill": SettingSpec(_bool, msg("planner.setting.enable_chunked_prefill")),
    "enable_prefix_caching": SettingSpec(_bool, msg("planner.setting.enable_prefix_caching")),
    "kv_cache_memory_bytes": SettingSpec(_human_int, msg("planner.setting.kv_cache_memory_bytes")),
    "reasoning_parser": SettingSpec(_optional_name, msg("planner.setting.reasoning_parser")),
    "tool_call_parser": SettingSpec(_optional_name, msg("planner.setting.tool_call_parser")),
    "enable_auto_tool_choice": SettingSpec(_bool, msg("planner.setting.enable_auto_tool_choice")),
    "trust_remote_code": SettingSpec(_bool, msg("planner.setting.trust_remote_code")),
    "disable_custom_all_reduce": SettingSpec(_bool, msg("planner.setting.disable_custom_all_reduce")),
    "load_format": SettingSpec(_load_format, msg("planner.setting.load_format")),
    "enable_lora": SettingSpec(_bool, msg("planner.setting.enable_lora")),
    "max_loras": SettingSpec(_positive_int, msg("planner.setting.max_loras")),
    "max_lora_rank": SettingSpec(_lora_rank, msg("planner.setting.max_lora_rank")),
    "max_cpu_loras": SettingSpec(_optional_positive_int, msg("planner.setting.max_cpu_loras")),
    "swap_space": SettingSpec(_swap_space, msg("planner.setting.swap_space")),
    "limit_mm_per_prompt": SettingSpec(_limit_mm, msg("planner.setting.limit_mm_per_prompt")),
    "skip_mm_profiling": SettingSpec(_bool, msg("planner.setting.skip_mm_profiling")),
    "speculative_config": SettingSpec(_speculative_json, msg("planner.setting.speculative_config")),
    "speculative_model": SettingSpec(parse_draft_model, msg("planner.setting.speculative_model")),
    "num_speculative_tokens": SettingSpec(_optional_positive_int, msg("planner.setting.num_speculative_tokens")),
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
    load_format: str = "auto"
    enable_lora: bool = False
    max_loras: int = 1
    max_lora_rank: int = 16
    max_cpu_loras: int | None = None
    swap_space: float = 4.0
    limit_mm_per_prompt: str | None = None  # canonical "image=2,video=1"
    skip_mm_profiling: bool = False
    speculative_config: str | None = None  # canonical JSON object
    speculative_model: str | None = None
    num_speculative_tokens: int | None = None

    @cached_property
    def mm_limits(self) -> tuple[tuple[str, int], ...]:
        return mm_limit_pairs(self.limit_mm_per_prompt)

    @cached_property
    def speculative(self) -> SpeculativeConfig | None:
        """The drafter from the JSON pin and the legacy pair together."""
        config = parse_speculative_config(self.speculative_config) if self.speculative_config else None
        return merged(config, self.speculative_model, self.num_speculative_tokens)


def normalise_name(name: str) -> str:
    return name.strip().lstrip("-").replace("-", "_")


def parse_pin(text: str) -> tuple[str, Any]:
    """`NAME=VALUE` → (canonical name, typed value); InputError naming the pin otherwise."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise InputError(msg("planner.pin.format", pin=text))
    key = normalise_name(name)
    spec = SETTINGS.get(key)
    if spec is None:
        known = ", ".join(k.replace("_", "-") for k in SETTINGS)
        raise InputError(msg("planner.pin.unknown", pin=text, name=name.strip(), known=known))
    try:
        return key, spec.parse(value)
    except bounds.OutOfBounds as exc:
        raise bounds.flag_error("--set", f"{name.strip()}={value}", exc.reason) from None
    except ValueError as exc:
        why = exc.args[0] if exc.args else ""
        if isinstance(why, Message):
            raise InputError(msg("inputs.bad_pin", pin=text, why=why)) from None
        raise InputError(msg("planner.pin.invalid", pin=text, detail=str(exc))) from None


def parse_pins(items: list[str]) -> dict[str, Any]:
    pins: dict[str, Any] = {}
    for item in items:
        key, value = parse_pin(item)
        pins[key] = value
    _check_together(pins)
    return pins


def _check_together(pins: dict[str, Any]) -> None:
    """Pins that only mean something together (LoRAConfig.__post_init__, 0.4-0.33 alike)."""
    lora = [k for k in ("max_loras", "max_lora_rank", "max_cpu_loras") if pins.get(k) is not None]
    if lora and pins.get("enable_lora") is not True:
        raise InputError(msg("inputs.lora_needs_enable", setting=lora[0].replace("_", "-")))
    cpu, gpu = pins.get("max_cpu_loras"), pins.get("max_loras", 1)
    if cpu is not None and cpu < gpu:
        raise InputError(msg("inputs.cpu_loras_below", cpu=cpu, gpu=gpu))
