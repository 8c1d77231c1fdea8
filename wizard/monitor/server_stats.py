"""Turn successive /metrics scrapes into what a person reads: rates, hit rates, latency percentiles.

Counters only mean something as differences, so a short history of scrapes is kept: token rates
over the last `rate_window_s` (responsive), preemptions, prefix hits and latency percentiles over
`window_s` (steadier). With a single scrape (`monitor --once`) rates are N/A and percentiles cover
everything since the server started. A counter going down means the server restarted: the history
starts again.
"""

from __future__ import annotations

from collections import deque

from wizard.monitor.prom import Histogram, MetricFrame
from wizard.monitor.snapshot import Percentiles, ServerFigures


class ServerStats:
    def __init__(self, *, window_s: float = 60.0, rate_window_s: float = 10.0) -> None:
        self.window_s = window_s
        self.rate_window_s = rate_window_s
        self._frames: deque[tuple[float, MetricFrame]] = deque()

    def reset(self) -> None:
        self._frames.clear()

    def add(self, t: float, frame: MetricFrame) -> ServerFigures:
        if self._frames and _restarted(self._frames[-1][1], frame):
            self._frames.clear()
        self._frames.append((t, frame))
        # Keep one frame older than the window, so a full window is always covered.
        while len(self._frames) > 2 and self._frames[1][0] <= t - self.window_s:
            self._frames.popleft()
        return self._figures(t, frame)

    def _since(self, t: float, window: float) -> tuple[float, MetricFrame] | None:
        """The oldest kept scrape not older than `window` (else the oldest kept); None if only one."""
        if len(self._frames) < 2:
            return None
        for when, frame in self._frames:
            if when >= t - window and when < t:
                return when, frame
        return self._frames[-2]

    def _figures(self, t: float, now: MetricFrame) -> ServerFigures:
        g, c = now.gauges, now.counters
        fast, slow = self._since(t, self.rate_window_s), self._since(t, self.window_s)
        kv = g.get("kv_usage")
        return ServerFigures(
            running=g.get("running"),
            waiting=g.get("waiting"),
            kv_usage_percent=None if kv is None else 100.0 * kv,
            prefix_hit_percent=_prefix_hits(now, slow),
            prompt_tokens_s=_first(_rate(now, fast, t, "prompt_tokens"), g.get("avg_prompt_tps")),
            generation_tokens_s=_first(_rate(now, fast, t, "generation_tokens"), g.get("avg_generation_tps")),
            preemptions_total=c.get("preemptions"),
            preemptions_recent=_delta(now, slow, "preemptions"),
            ttft=_percentiles(now, slow, t, "ttft"),
            itl=_percentiles(now, slow, t, "itl"),
            e2e=_percentiles(now, slow, t, "e2e"),
        )


def _restarted(old: MetricFrame, new: MetricFrame) -> bool:
    return any(new.counters.get(k, v) < v for k, v in old.counters.items())


def _delta(now: MetricFrame, before: tuple[float, MetricFrame] | None, key: str) -> float | None:
    if before is None or key not in now.counters or key not in before[1].counters:
        return None
    return now.counters[key] - before[1].counters[key]


def _rate(now: MetricFrame, before: tuple[float, MetricFrame] | None, t: float, key: str) -> float | None:
    delta = _delta(now, before, key)
    if delta is None or before is None or t <= before[0]:
        return None
    return delta / (t - before[0])


def _prefix_hits(now: MetricFrame, before: tuple[float, MetricFrame] | None) -> float | None:
    queries, hits = _delta(now, before, "prefix_queries"), _delta(now, before, "prefix_hits")
    if queries is None or not queries:
        # No queries in the window (or one scrape): the ratio since start still says something.
        queries, hits = now.counters.get("prefix_queries"), now.counters.get("prefix_hits")
    if queries and hits is not None:
        return 100.0 * hits / queries
    rate = now.gauges.get("prefix_hit_rate")  # v0 exposes the ratio itself, -1 when caching is off
    return None if rate is None or rate < 0 else 100.0 * rate


def _first(*values: float | None) -> float | None:
    return next((v for v in values if v is not None), None)


def _percentiles(now: MetricFrame, before: tuple[float, MetricFrame] | None, t: float,
                 key: str) -> Percentiles | None:
    hist = now.histograms.get(key)
    if hist is None:
        return None
    window: float | None = None
    recent: Histogram | None = None
    if before is not None and key in before[1].histograms:
        recent = hist.minus(before[1].histograms[key])
    if recent is not None and recent.count > 0:
        hist, window = recent, t - before[0]  # type: ignore[index]
    return Percentiles(p50=hist.quantile(0.5), p90=hist.quantile(0.9), p99=hist.quantile(0.99),
                       count=hist.count, window_s=window)
