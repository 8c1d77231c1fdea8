"""vLLM's /metrics (Prometheus text) -> one `MetricFrame` of the figures the monitor uses.

Parsed with prometheus_client's reference parser (imported on first use: `monitor --once` without
a server never pays for it). Metric names changed across vLLM releases; each figure lists its names
newest first and the first one present wins:
- KV-cache usage: vllm:kv_cache_usage_perc (v1, 0.10.2+) <- vllm:gpu_cache_usage_perc (v0, early v1)
- prefix cache: vllm:prefix_cache_{queries,hits} <- vllm:gpu_prefix_cache_{queries,hits} (v1 counters)
  <- vllm:gpu_prefix_cache_hit_rate (v0 gauge, already a ratio; -1 when prefix caching is off)
- inter-token latency: vllm:inter_token_latency_seconds <- vllm:time_per_output_token_seconds
A server with several engines (data parallel) exposes one series per `engine` label: counts and
histograms are summed, usage gauges take the worst engine (that is the one that queues).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal

Generation = Literal["v0", "v1-old", "v1", "unknown"]

GAUGES: dict[str, tuple[tuple[str, ...], Literal["sum", "max"]]] = {
    "running": (("vllm:num_requests_running",), "sum"),
    "waiting": (("vllm:num_requests_waiting",), "sum"),
    "kv_usage": (("vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc"), "max"),
    "prefix_hit_rate": (("vllm:gpu_prefix_cache_hit_rate",), "max"),
    # V0 only: vLLM's own recent throughput averages, used until two scrapes give a rate.
    "avg_prompt_tps": (("vllm:avg_prompt_throughput_toks_per_s",), "sum"),
    "avg_generation_tps": (("vllm:avg_generation_throughput_toks_per_s",), "sum"),
}
COUNTERS: dict[str, tuple[str, ...]] = {
    "prompt_tokens": ("vllm:prompt_tokens",),
    "generation_tokens": ("vllm:generation_tokens",),
    "preemptions": ("vllm:num_preemptions",),
    "prefix_queries": ("vllm:prefix_cache_queries", "vllm:gpu_prefix_cache_queries"),
    "prefix_hits": ("vllm:prefix_cache_hits", "vllm:gpu_prefix_cache_hits"),
}
HISTOGRAMS: dict[str, tuple[str, ...]] = {
    "ttft": ("vllm:time_to_first_token_seconds",),
    "itl": ("vllm:inter_token_latency_seconds", "vllm:time_per_output_token_seconds"),
    "e2e": ("vllm:e2e_request_latency_seconds",),
}


@dataclass(frozen=True)
class Histogram:
    """Cumulative buckets (upper bound, count), sorted, the +Inf bucket last."""

    buckets: tuple[tuple[float, float], ...]
    count: float
    sum: float

    def minus(self, older: Histogram) -> Histogram | None:
        """Observations made since `older`; None when the server restarted (counts went down)."""
        if [le for le, _ in older.buckets] != [le for le, _ in self.buckets] or self.count < older.count:
            return None
        return Histogram(tuple((le, c - o) for (le, c), (_, o) in zip(self.buckets, older.buckets)),
                         self.count - older.count, self.sum - older.sum)

    def quantile(self, q: float) -> float | None:
        """Prometheus' histogram_quantile: linear inside the bucket that holds the q-th observation."""
        if not self.buckets or self.count <= 0:
            return None
        rank = q * self.buckets[-1][1]
        prev_le, prev_count = 0.0, 0.0
        for le, count in self.buckets:
            if count >= rank:
                if le == float("inf"):
                    return prev_le  # beyond the last finite bound: the bound is all we know
                if count == prev_count:
                    return le
                return prev_le + (le - prev_le) * (rank - prev_count) / (count - prev_count)
            prev_le, prev_count = le, count
        return prev_le


@dataclass(frozen=True)
class MetricFrame:
    gauges: dict[str, float] = field(default_factory=dict)
    counters: dict[str, float] = field(default_factory=dict)
    histograms: dict[str, Histogram] = field(default_factory=dict)
    model: str | None = None
    generation: Generation = "unknown"


WANTED = tuple(sorted({name for names, _ in GAUGES.values() for name in names}
                     | {name for names in COUNTERS.values() for name in names}
                     | {name for names in HISTOGRAMS.values() for name in names}))


def _relevant(text: str) -> str:
    """Only the families read here. A real server exposes dozens of histograms (and process_*,
    python_gc_*, http_*): the parser is pure Python, and at 1 Hz this cut is most of its cost.
    Whole families are kept, HELP/TYPE lines included, so the parser sees valid text."""
    kept = []
    for line in text.splitlines():
        name = line[7:] if line.startswith(("# HELP ", "# TYPE ")) else line
        if name.startswith(WANTED) and _base_matches(name):
            kept.append(line)
        elif line.startswith("#") and not line.startswith(("# HELP ", "# TYPE ")):
            kept.append(line)
    return "\n".join(kept) + "\n"


def _base_matches(name: str) -> bool:
    # "vllm:prompt_tokens_total{..." must match "vllm:prompt_tokens" but "vllm:prompt_tokens_x" not.
    for wanted in WANTED:
        if name.startswith(wanted):
            rest = name[len(wanted):]
            if not rest or rest[0] in " {" or rest.split("{", 1)[0].split(" ", 1)[0] in SUFFIXES:
                return True
    return False


# Sample suffixes of the kept families; "_created" (counter/histogram creation times) is dropped.
SUFFIXES = {"_total", "_bucket", "_count", "_sum"}


def parse_metrics(text: str) -> MetricFrame:
    """Raises ValueError when the text is not Prometheus exposition format or has no vLLM metric."""
    from prometheus_client.parser import text_string_to_metric_families  # noqa: PLC0415 - prometheus_client: loaded only when used, not at start-up

    kept = _relevant(text)
    if not kept.strip() and text.strip():
        # An HTML error page, another service's metrics: say so rather than show a blank server.
        raise ValueError("no vllm: metrics in it")
    text = kept
    series: dict[str, list[float]] = defaultdict(list)
    buckets: dict[str, dict[float, float]] = defaultdict(lambda: defaultdict(float))
    model: str | None = None
    has_engine = False
    for family in text_string_to_metric_families(text):
        if not family.name.startswith("vllm:"):
            continue  # process_*, python_gc_*, http_* from the API server: not ours to read
        for sample in family.samples:
            value = _finite(sample.value)
            if value is None:
                continue  # NaN, infinite or a 400-digit integer: not a reading to show or add up
            labels = sample.labels
            model = model or labels.get("model_name")
            has_engine = has_engine or "engine" in labels
            name = sample.name
            if name.endswith("_bucket") and "le" in labels:
                buckets[name[: -len("_bucket")]][float(labels["le"])] += value
            elif not name.endswith("_created"):
                series[name].append(value)

    gauges: dict[str, float] = {}
    for key, (names, how) in GAUGES.items():
        for name in names:
            if series.get(name):
                gauges[key] = max(series[name]) if how == "max" else sum(series[name])
                break
    counters: dict[str, float] = {}
    for key, names in COUNTERS.items():
        for name in names:
            values = series.get(f"{name}_total") or series.get(name)
            if values:
                counters[key] = sum(values)
                break
    histograms: dict[str, Histogram] = {}
    for key, names in HISTOGRAMS.items():
        for name in names:
            if name in buckets:
                ordered = tuple(sorted(buckets[name].items()))
                histograms[key] = Histogram(ordered, sum(series.get(f"{name}_count", [ordered[-1][1]])),
                                            sum(series.get(f"{name}_sum", [0.0])))
                break
    return MetricFrame(gauges, counters, histograms, model, _generation(series, has_engine))


def _finite(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (OverflowError, TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _generation(series: dict[str, list[float]], has_engine: bool) -> Generation:
    if "vllm:kv_cache_usage_perc" in series:
        return "v1"
    if has_engine:
        return "v1-old"
    if "vllm:gpu_cache_usage_perc" in series:
        return "v0"
    return "unknown"
