"""Rates, windows and percentiles from successive scrapes."""

from __future__ import annotations

import re

import pytest
from monitor_support import RELEASES, metrics_text

from wizard.monitor.prom import parse_metrics
from wizard.monitor.server_stats import ServerStats


@pytest.mark.parametrize("release", RELEASES)
def test_two_scrapes_ten_seconds_apart(release):
    stats = ServerStats()
    first = stats.add(100.0, parse_metrics(metrics_text(release, 0)))
    later = stats.add(110.0, parse_metrics(metrics_text(release, 10)))
    assert later.prompt_tokens_s == pytest.approx(1200)
    assert later.generation_tokens_s == pytest.approx(450)
    assert later.preemptions_total == 9 and later.preemptions_recent == 2
    assert later.prefix_hit_percent == pytest.approx(25.0)
    assert later.kv_usage_percent == pytest.approx(95.1)
    assert (later.running, later.waiting) == (14, 5)
    # Percentiles cover only the 40 requests of those ten seconds.
    assert later.ttft is not None and later.ttft.count == 40 and later.ttft.window_s == 10
    assert later.itl is not None and later.itl.p50 is not None and 0.01 < later.itl.p50 < 0.05
    assert first.ttft is not None and first.ttft.window_s is None and first.ttft.count == 480


def test_one_scrape_has_no_counter_rates():
    # V1 has only counters: a single scrape cannot say tokens per second.
    figures = ServerStats().add(0.0, parse_metrics(metrics_text("v0.11.0", 0)))
    assert figures.prompt_tokens_s is None and figures.generation_tokens_s is None
    assert figures.preemptions_recent is None
    # The hit rate since start is still meaningful.
    assert figures.prefix_hit_percent == pytest.approx(100 * 76_580 / 182_340)


def test_v0_falls_back_to_vllms_own_throughput_average():
    figures = ServerStats().add(0.0, parse_metrics(metrics_text("v0.6.3", 0)))
    assert figures.prompt_tokens_s == pytest.approx(125_432)


def test_v0_hit_rate_of_minus_one_means_prefix_caching_is_off():
    text, replaced = re.subn(r'(vllm:gpu_prefix_cache_hit_rate\{[^}]*\}) \S+', r"\1 -1.0", metrics_text("v0.6.3", 0))
    assert replaced == 1
    assert ServerStats().add(0.0, parse_metrics(text)).prefix_hit_percent is None


def test_rates_use_the_short_window_and_latencies_the_long_one():
    stats = ServerStats(window_s=60, rate_window_s=10)
    t0, t10 = parse_metrics(metrics_text("v0.11.0", 0)), parse_metrics(metrics_text("v0.11.0", 10))
    stats.add(0.0, t0)
    for t in range(1, 31):  # nothing happens for 30 s after the burst
        stats.add(float(t), t10)
    figures = stats.add(31.0, t10)
    assert figures.prompt_tokens_s == 0  # the burst is older than the 10 s rate window
    assert figures.preemptions_recent == 2  # but within the 60 s window
    assert figures.ttft is not None and figures.ttft.count == 40 and figures.ttft.window_s == 31


def test_latency_falls_back_to_since_start_when_the_window_saw_nothing():
    stats = ServerStats()
    frame = parse_metrics(metrics_text("v0.11.0", 0))
    stats.add(0.0, frame)
    figures = stats.add(1.0, frame)
    assert figures.ttft is not None and figures.ttft.window_s is None and figures.ttft.count == 480


def test_a_restarted_server_starts_a_new_history():
    stats = ServerStats()
    stats.add(0.0, parse_metrics(metrics_text("v0.11.0", 10)))
    figures = stats.add(1.0, parse_metrics(metrics_text("v0.11.0", 0)))  # counters went down
    assert figures.prompt_tokens_s is None  # not a negative rate
    assert figures.ttft is not None and figures.ttft.window_s is None


def test_history_stays_bounded():
    stats = ServerStats(window_s=5)
    frame = parse_metrics(metrics_text("v0.11.0", 0))
    for t in range(100):
        stats.add(float(t), frame)
    assert len(stats._frames) <= 7
