"""Read vLLM's start-up memory lines from a log, in every format the releases printed.

Formats (shared/research/vllm-memory-model.md §1-§3, §12, and the CPU lines in vllm-cpu-lab.md §6):
  "Model loading took 14.0786 GiB and 10.2 seconds" (%.4f GB in 0.8.0, "GiB memory and" 0.11.2-0.13,
      round(,2) from 0.14)
  "Available KV cache memory: 55.15 GiB" (per rank; the engine uses the minimum)
  "GPU KV cache size: 451,744 tokens" / "CPU KV cache size: 2,097,152 tokens, Maximum concurrency ..."
  "Maximum concurrency for 4,096 tokens per request: 110.29x" (own line, or on the size line 0.28+)
  "Graph capturing finished in 5 secs, took 0.67 GiB"
  "Free memory on device (78.66/79.19 GiB) on startup. Desired GPU memory utilization is (0.9, 71.27 GiB).
      Actual usage is W GiB for weight, A GiB for peak activation, N GiB for non-torch memory, and G GiB
      for CUDAGraph memory" (0.10.2-0.26) or "... C GiB for consumed memory (weights + non-torch), A GiB
      for peak activation, and G GiB for CUDAGraph memory" (0.27+); 0.14+ may name the device.
  CPU: "Explicitly set (1.0/11.21) GiB for KV cache on node 0." / "Auto set (2.68/10.96) GiB for KV cache
      on node 0, with 3.29 GiB requested memory for the worker. 0.61 GiB memory was consumed by non-kv usages."
Each term is matched on its own, so a quote that elides part of a line still yields the rest.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass

# A figure vLLM prints has a few digits; a longer run of digits (a hostile or corrupt log) is not one
# of its figures, so it never becomes an infinite float or a 4,000-digit integer. The look-behind
# stops a pattern from matching the last digits of such a run.
_NUM = r"(?<![\d.,])(-?\d{1,9}(?:\.\d{1,9})?)(?![\d.])"
_INT = r"(?<![\d.,])(\d[\d,]{0,19})(?![\d,])"


@dataclass(frozen=True)
class StartupFigures:
    """What one start-up printed. GiB as printed (2^30 bytes), per rank: weights and graphs are the
    largest rank's, available KV memory the smallest (the one vLLM sizes the cache by)."""

    vllm_version: str | None = None
    model: str | None = None
    weights_gib: float | None = None
    available_kv_gib: float | None = None
    kv_cache_tokens: int | None = None
    max_concurrency: float | None = None
    concurrency_len: int | None = None
    graph_gib: float | None = None
    init_seconds: float | None = None
    # The post-capture summary line (0.10.2+).
    free_gib: float | None = None
    total_gib: float | None = None
    utilization: float | None = None
    requested_gib: float | None = None
    split_weight_gib: float | None = None
    split_activation_gib: float | None = None
    split_non_torch_gib: float | None = None
    split_consumed_gib: float | None = None
    split_cuda_graph_gib: float | None = None
    # vLLM's CPU backend.
    cpu_kv_mode: str | None = None  # "explicit" (VLLM_CPU_KVCACHE_SPACE / bytes) or "auto"
    cpu_node_gib: float | None = None
    cpu_requested_gib: float | None = None
    cpu_non_kv_gib: float | None = None

    @property
    def cuda_graph_gib(self) -> float | None:
        """The graph pool: the summary's figure, else the capture line's."""
        return self.split_cuda_graph_gib if self.split_cuda_graph_gib is not None else self.graph_gib

    @property
    def has_memory_lines(self) -> bool:
        return any(v is not None for v in (self.weights_gib, self.available_kv_gib, self.kv_cache_tokens))

    def as_dict(self) -> dict:
        return asdict(self)


_VERSION = (
    re.compile(r"Initializing a V1 LLM engine \(v?([0-9][^)\s]*)\)"),
    re.compile(r"vLLM API server version v?([0-9]\S*)"),
    re.compile(r"█\s+version v?([0-9]+\.[0-9]+\S*)"),  # the start-up banner (0.11+)
)
_MODEL = (
    re.compile(r"non-default args: \{[^\n]*?'model': '([^']+)'"),
    re.compile(r"non-default args: \{[^\n]*?'model_tag': '([^']+)'"),
    re.compile(r"with config: model='([^']+)'"),
)
_WEIGHTS = re.compile(r"Model loading took " + _NUM + r" (GiB|GB)")
_AVAILABLE = re.compile(r"Available KV cache memory[^:\n]*:\s*" + _NUM + r"\s*GiB")
_TOKENS = re.compile(r"\b(?:[A-Z]{3} )?KV cache(?: size)?:\s*" + _INT + r" tokens")
_CONCURRENCY = re.compile(r"Maximum concurrency for " + _INT + r" tokens per request: " + r"(\d[\d,]{0,15}(?:\.\d{1,9})?)x")
_GRAPH = re.compile(r"Graph capturing finished in \d+ secs?, took " + _NUM + r" GiB")
_INIT = re.compile(r"init engine \(profile, create kv cache, warmup model\) took " + _NUM + r" s")
_FREE = re.compile(r"Free memory on device[^(\n]*\(" + _NUM + "/" + _NUM + r" GiB\) on startup")
_DESIRED = re.compile(r"Desired GPU memory utilization is \(" + _NUM + ", " + _NUM + r" GiB\)")
_SPLIT = {
    "split_weight_gib": re.compile(_NUM + r" GiB for weight\b"),
    "split_activation_gib": re.compile(_NUM + r" GiB for peak activation"),
    "split_non_torch_gib": re.compile(_NUM + r" GiB for non-torch memory"),
    "split_consumed_gib": re.compile(_NUM + r" GiB for consumed memory"),
    "split_cuda_graph_gib": re.compile(_NUM + r" GiB for CUDAGraph memory"),
}
_CPU_SET = re.compile(r"(Explicitly|Auto) set \(" + _NUM + "/" + _NUM + r"\) GiB for KV cache on node \d+"
                      r"(?:, with " + _NUM + r" GiB requested memory for the worker\. " + _NUM +
                      r" GiB memory was consumed by non-kv usages)?")


# Every line a pattern above can match contains one of these: the rest of a long log need not be kept.
MARKERS = ("version", "non-default args", "with config:", "Model loading took", "KV cache", "Maximum concurrency",
           "Graph capturing", "init engine", "Free memory on device", "Desired GPU memory", " GiB for ")


def startup_lines(lines: Iterable[str], keep: int = 100_000) -> str:
    """The lines of a log that can hold start-up figures (the last `keep` of them), as one text."""
    kept: deque[str] = deque(maxlen=keep)
    for line in lines:
        if any(marker in line for marker in MARKERS):
            kept.append(line)
    return "\n".join(kept)


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def _float(text: str) -> float:
    return float(text.replace(",", ""))


def _all(pattern: re.Pattern, text: str, group: int = 1) -> list[str]:
    return [m.group(group) for m in pattern.finditer(text)]


def _first(patterns, text: str) -> str | None:
    for pattern in patterns:
        match = pattern.search(text)
        if match:
            return match.group(1)
    return None


def parse_startup_log(text: str) -> StartupFigures:
    """Every start-up figure found in `text` (a whole log or an excerpt); absent ones stay None.

    When a log holds several start-ups (a restart appended to the same file), the last one counts:
    the figures are read from the text after the last "Model loading took" block's start-up.
    """
    whole, text = text, _last_startup(text)
    fields: dict = {"vllm_version": _first(_VERSION, text) or _first(_VERSION, whole),
                    "model": _first(_MODEL, text)}
    weights = [(_float(v), unit) for v, unit in ((m.group(1), m.group(2)) for m in _WEIGHTS.finditer(text))]
    if weights:
        # 0.8.0 printed "GB" but meant GiB (torch bytes / 2^30), like every later release.
        fields["weights_gib"] = max(v for v, _ in weights)
    available = [_float(v) for v in _all(_AVAILABLE, text)]
    if available:
        fields["available_kv_gib"] = min(available)
    tokens = _all(_TOKENS, text)
    if tokens:
        fields["kv_cache_tokens"] = min(_int(t) for t in tokens)
    conc = list(_CONCURRENCY.finditer(text))
    if conc:
        last = min(conc, key=lambda m: _float(m.group(2)))
        fields["concurrency_len"], fields["max_concurrency"] = _int(last.group(1)), _float(last.group(2))
    graphs = [_float(v) for v in _all(_GRAPH, text)]
    if graphs:
        fields["graph_gib"] = max(graphs)
    init = _all(_INIT, text)
    if init:
        fields["init_seconds"] = _float(init[-1])
    free = _FREE.search(text)
    if free:
        fields["free_gib"], fields["total_gib"] = _float(free.group(1)), _float(free.group(2))
    desired = _DESIRED.search(text)
    if desired:
        fields["utilization"], fields["requested_gib"] = _float(desired.group(1)), _float(desired.group(2))
    for name, pattern in _SPLIT.items():
        values = [_float(v) for v in _all(pattern, text)]
        if values:
            fields[name] = max(values)
    if "weights_gib" not in fields and "split_weight_gib" in fields:
        fields["weights_gib"] = fields["split_weight_gib"]  # the same W, printed after capture
    cpu = _CPU_SET.search(text)
    if cpu:
        fields["cpu_kv_mode"] = "explicit" if cpu.group(1) == "Explicitly" else "auto"
        fields["available_kv_gib"] = fields.get("available_kv_gib", _float(cpu.group(2)))
        fields["cpu_node_gib"] = _float(cpu.group(3))
        if cpu.group(4):
            fields["cpu_requested_gib"], fields["cpu_non_kv_gib"] = _float(cpu.group(4)), _float(cpu.group(5))
    return StartupFigures(**fields)


def _last_startup(text: str) -> str:
    """The text of the last start-up when a log file holds several (each restart logs its banner)."""
    starts = [m.start() for m in re.finditer(r"non-default args:", text)]
    if len(starts) <= 1:
        return text
    # Only cut when the later start-up printed memory lines; a bare restart banner keeps the earlier one.
    tail = text[starts[-1]:]
    return tail if _WEIGHTS.search(tail) or _TOKENS.search(tail) else text
