"""The settings a log shows the server was started with, from whichever line that release printed.

- "non-default args: {'model': 'Qwen/Qwen3-8B', 'max_model_len': 32768, ...}" (0.9+; 0.8 printed
  "args: Namespace(model_tag=..., max_model_len=None, ...)" with every option);
- the engine config line, "Initializing an LLM engine (v0.4.3) with config: model='...', ...,
  max_seq_len=4096, ..., tensor_parallel_size=2, ..., quantization=None, ..." (0.4-0.6 "an LLM
  engine", 0.7-0.10 "a V0 LLM engine" / "a V1 LLM engine");
- the wizard's own launch record, when the wizard started that server (the caller passes it).
Later lines of the same start-up fill what earlier ones left out; only the keys below are kept.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field, replace

# vLLM option name → how the engine config line spells it, when it differs.
KEYS = ("model", "max_model_len", "tensor_parallel_size", "pipeline_parallel_size", "gpu_memory_utilization",
        "quantization", "dtype", "kv_cache_dtype", "max_num_seqs", "max_num_batched_tokens", "enforce_eager",
        "trust_remote_code", "port", "host", "cpu_offload_gb", "block_size")
_ENGINE_ALIASES = {"max_seq_len": "max_model_len"}
_NAMESPACE_ALIASES = {"model_tag": "model"}

_NON_DEFAULT = re.compile(r"non-default args: (\{.{0,16000}\})")
_NAMESPACE = re.compile(r"\bargs: Namespace\((.{0,16000})\)")
_ENGINE = re.compile(r"Initializing an? (?:V[01] )?LLM engine \(v?([0-9][^)\s]{0,40})\) with config: (.{0,16000})")
_PAIR = re.compile(r"\b([a-z_]{2,40})=('(?:[^'\\]|\\.){0,400}'|\"[^\"]{0,400}\"|[\w.+-]{1,80})")
_DICT_PAIR = re.compile(r"'([a-z_]{2,40})': ('(?:[^'\\]|\\.){0,400}'|[\w.+-]{1,80})")


@dataclass(frozen=True)
class LoggedCommand:
    settings: dict = field(default_factory=dict)  # vLLM option name (underscores) → value as vLLM held it
    vllm_version: str | None = None
    source: str | None = None  # "non-default args" | "args namespace" | "engine config" | "launch record"

    @property
    def model(self) -> str | None:
        value = self.settings.get("model")
        return value if isinstance(value, str) and value else None

    def merged(self, other: LoggedCommand) -> LoggedCommand:
        """These settings, with `other`'s filling what these lack (the first source names the command)."""
        settings = {**other.settings, **self.settings}
        return replace(self, settings=settings, vllm_version=self.vllm_version or other.vllm_version,
                       source=self.source or other.source)


def _value(text: str):
    text = text.strip()
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        pass
    if text.startswith("torch."):
        return text[len("torch."):]  # dtype=torch.bfloat16 → "bfloat16"
    return text


def _keep(pairs, aliases: dict[str, str], drop_none: bool) -> dict:
    out: dict = {}
    for key, raw in pairs:
        key = aliases.get(key, key)
        if key not in KEYS or key in out:
            continue
        value = _value(raw)
        if drop_none and value is None:
            continue
        if isinstance(value, (str, int, float, bool)) or value is None:
            out[key] = value
    return out


def parse_command_line(text: str) -> LoggedCommand | None:
    """The settings one normalised log message shows, or None when it shows none."""
    if "non-default args" in text:
        m = _NON_DEFAULT.search(text)
        if m:
            return LoggedCommand(_keep(_DICT_PAIR.findall(m.group(1)), _NAMESPACE_ALIASES, False), None,
                                 "non-default args")
    if "Namespace(" in text:
        m = _NAMESPACE.search(text)
        if m:
            # The namespace lists every option; None means "left at the default", so drop it.
            return LoggedCommand(_keep(_PAIR.findall(m.group(1)), _NAMESPACE_ALIASES, True), None, "args namespace")
    if "LLM engine" in text:
        m = _ENGINE.search(text)
        if m:
            settings = _keep(_PAIR.findall(m.group(2)), _ENGINE_ALIASES, True)
            return LoggedCommand(settings, m.group(1), "engine config")
    return None
