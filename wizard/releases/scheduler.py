"""The scheduler settings a release starts with when they are not pinned: max_num_seqs, chunked
prefill and max_num_batched_tokens. They size the dummy profile batch, so they move the activation
peak and with it the KV cache.

V0 (every release up to 0.10.x that runs it):
* max_num_seqs 256 (`EngineArgs.max_num_seqs` up to 0.6.4; `_set_default_args_v0` from 0.6.5 when
  V1 is off; vllm/engine/arg_utils.py).
* chunked prefill (`EngineArgs.create_engine_config`, then `_set_default_args_v0` from 0.8.0): off
  (before 0.5.3 always, unless pinned), except for max_model_len > 32768 on CUDA when the model has
  no sliding window, no speculative decoding, no LoRA (and, 0.6.4+, is not multimodal; 0.7.0+, not a pooling model). 0.8.0+ also
  keeps it off for MLA models; 0.7.2-0.7.3 force it off for MLA in `VllmConfig.__post_init__`
  (vllm/config.py), after the token budget was already chosen.
* max_num_batched_tokens (`SchedulerConfig.__init__` / `__post_init__`, vllm/config.py): with
  chunked prefill 512 from 0.4.2 to 0.6.4 and 2048 from 0.6.5 (`_DEFAULT_MAX_NUM_BATCHED_TOKENS`);
  without it (and with it in 0.4.0-0.4.1) max(max_model_len, 2048); multimodal models at least
  4096 (0.6.0-0.6.3) / 5120 (0.6.4+);
  pooling models at least 32768.

V1: the release's default table by usage context and GPU class (`_set_default_args_v1`, later
`get_batch_defaults`, extracted into wizard/data/vllm_releases.json); chunked prefill always on for
generative models; 0.11.2+ caps the default tokens at max_num_seqs x max_model_len and the default
max_num_seqs at the tokens. A pinned value is always honoured.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from wizard.releases.facts import release_facts, version_key

Key = tuple[int, int, int]
Usage = Literal["serve", "llm"]  # `vllm serve` (OPENAI_API_SERVER) or the offline LLM class (LLM_CLASS)
V0_ARGS = "vllm/engine/arg_utils.py EngineArgs (_set_default_args_v0 from 0.8.0)"
V0_SCHED = "vllm/config.py SchedulerConfig (max_num_batched_tokens default)"
V1_ARGS = "vllm/engine/arg_utils.py _set_default_args_v1 / get_batch_defaults"
LONG_CONTEXT = 32768
# arg_utils.py EngineArgs.create_engine_config turns chunked prefill on for max_model_len > 32K from
# 0.5.3 (read in 0.5.3.post1; absent in 0.5.2); before, it is on only when pinned.
V0_LONG_CONTEXT_CHUNKED_FROM: Key = (0, 5, 3)
# config.py SchedulerConfig gives chunked prefill its own 512-token budget from 0.4.2; 0.4.0-0.4.1
# keep max(max_model_len, 2048) even with it on (read in 0.4.0.post1, 0.4.1, 0.4.2).
V0_CHUNKED_BUDGET_FROM: Key = (0, 4, 2)


@dataclass(frozen=True, slots=True)
class SchedulerInputs:
    engine: Literal["V0", "V1"]
    max_model_len: int
    gpu_total_gib: float = 80.0
    gpu_name: str = ""
    usage: Usage = "serve"
    multimodal: bool = False
    sliding_window: bool = False
    lora: bool = False
    mla: bool = False
    speculative: bool = False
    pooling: bool = False
    chunked_prefill: bool | None = None  # pinned --enable-chunked-prefill (None: not pinned)
    max_num_batched_tokens: int | None = None  # pinned
    max_num_seqs: int | None = None  # pinned


@dataclass(frozen=True, slots=True)
class SchedulerDefaults:
    max_num_seqs: int
    max_num_batched_tokens: int
    chunked_prefill: bool
    source: str


def _v0_chunked(key: Key, s: SchedulerInputs) -> bool:
    if key < V0_LONG_CONTEXT_CHUNKED_FROM:
        return False
    if key >= (0, 8, 0) and (s.multimodal or s.mla):
        return False
    if s.multimodal and key >= (0, 6, 4):
        return False
    if s.max_model_len <= LONG_CONTEXT:
        return False
    blocked = s.sliding_window or s.speculative or s.lora or (s.pooling and key >= (0, 7, 0))
    return not blocked


def v0_defaults(key: Key, s: SchedulerInputs) -> SchedulerDefaults:
    chunked = s.chunked_prefill if s.chunked_prefill is not None else _v0_chunked(key, s)
    tokens = s.max_num_batched_tokens
    if tokens is None:
        if chunked and key >= V0_CHUNKED_BUDGET_FROM:
            tokens = 2048 if key >= (0, 6, 5) else 512
        else:
            tokens = max(s.max_model_len, 2048)
        if s.pooling:
            tokens = max(tokens, 32768)
        if s.multimodal and key >= (0, 6, 0):
            tokens = max(tokens, 5120 if key >= (0, 6, 4) else 4096)
    if s.mla and (0, 7, 2) <= key < (0, 8, 0) and s.chunked_prefill is None:
        chunked = False  # VllmConfig.__post_init__ forces it off after the budget was set
    seqs = s.max_num_seqs if s.max_num_seqs is not None else 256
    return SchedulerDefaults(seqs, tokens, chunked, f"{V0_ARGS}; {V0_SCHED}")


def _holds(cond: Mapping, total_gib: float, name: str) -> bool:
    if "any" in cond:
        return any(_holds(c, total_gib, name) for c in cond["any"])
    if "not" in cond:
        return not all(_holds(c, total_gib, name) for c in cond["not"])
    if "gpu_name_contains" in cond:
        return cond["gpu_name_contains"] in name
    if "gpu_name_excludes" in cond:
        return cond["gpu_name_excludes"] not in name
    if "gpu_memory_gib" in cond:
        op, value = cond["gpu_memory_gib"]
        return total_gib >= value if op == ">=" else total_gib < value
    if "platform" in cond:
        return cond["platform"] == "cuda"
    return False  # "computed" and other run-time conditions: the CUDA default path does not take them


def _key(version: str) -> Key:
    major, minor, patch, _ = version_key(version)
    return major, minor, patch


def v1_table(version: str, total_gib: float, gpu_name: str, usage: Usage) -> tuple[int, int]:
    """(max_num_batched_tokens, max_num_seqs) from the release's extracted default table."""
    context = "LLM_CLASS" if usage == "llm" else "OPENAI_API_SERVER"
    name = gpu_name.lower()
    if "gb10" in name and (0, 28, 0) <= _key(version):
        # 0.28+ keeps unified-memory GB10 (DGX Spark) in the small tier: a run-time ("computed")
        # condition of get_batch_defaults the extracted table cannot express.
        total_gib = min(total_gib, 69.0)
    found: dict[str, int] = {}
    for entry in release_facts(version).batch_defaults:
        if entry.setting in found or not all(_holds(c, total_gib, name) for c in entry.when):
            continue
        values = entry.values
        value = values.get(context) if isinstance(values, Mapping) else values
        if isinstance(value, int):
            found[entry.setting] = value
    return found.get("max_num_batched_tokens", 2048), found.get("max_num_seqs", 128)


def v1_defaults(key: Key, version: str, s: SchedulerInputs) -> SchedulerDefaults:
    tokens, seqs = v1_table(version, s.gpu_total_gib, s.gpu_name, s.usage)
    chunked = True if s.chunked_prefill is None else s.chunked_prefill
    if not chunked:
        tokens = max(s.max_model_len, tokens)
    if key >= (0, 11, 2):
        if s.max_num_batched_tokens is None:
            tokens = min(tokens, (s.max_num_seqs or seqs) * s.max_model_len)
        if s.max_num_seqs is None:
            seqs = min(seqs, s.max_num_batched_tokens or tokens)
    return SchedulerDefaults(
        s.max_num_seqs if s.max_num_seqs is not None else seqs,
        s.max_num_batched_tokens if s.max_num_batched_tokens is not None else tokens,
        chunked, V1_ARGS)


def scheduler_defaults(key: Key, version: str, s: SchedulerInputs) -> SchedulerDefaults:
    """What release `key` (`version` as text, for the extracted tables) schedules with."""
    if s.engine == "V0":
        return v0_defaults(tuple(key[:3]), s)  # type: ignore[arg-type]
    return v1_defaults(tuple(key[:3]), version, s)  # type: ignore[arg-type]
