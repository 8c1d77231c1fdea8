"""Prometheus parsing of vLLM's /metrics across releases (old and new names) and histogram maths."""

from __future__ import annotations

import math

import pytest
from monitor_support import RELEASES, metrics_text

from wizard.monitor.prom import Histogram, _relevant, parse_metrics


@pytest.mark.parametrize("release", RELEASES)
def test_every_release_yields_the_same_figures(release):
    frame = parse_metrics(metrics_text(release, 0))
    assert frame.model == "Qwen/Qwen3-8B"
    assert frame.gauges["running"] == 12 and frame.gauges["waiting"] == 3
    assert frame.gauges["kv_usage"] == pytest.approx(0.934)
    assert frame.counters["prompt_tokens"] == 1_254_320
    assert frame.counters["generation_tokens"] == 987_650
    assert frame.counters["preemptions"] == 7
    assert set(frame.histograms) == {"ttft", "itl", "e2e"}
    assert frame.histograms["ttft"].count == 480
    assert frame.histograms["itl"].count == 480 * 20


def test_release_generations_and_their_names():
    v0, v1_old, v1 = (parse_metrics(metrics_text(r, 0)) for r in RELEASES)
    assert (v0.generation, v1_old.generation, v1.generation) == ("v0", "v1-old", "v1")
    # V0 has a hit-rate gauge and no prefix counters; V1 the counters (gpu_ prefix before 0.10.2).
    assert v0.gauges["prefix_hit_rate"] == pytest.approx(76_580 / 182_340)
    assert "prefix_queries" not in v0.counters
    assert v1_old.counters["prefix_queries"] == v1.counters["prefix_queries"] == 182_340
    assert v1_old.counters["prefix_hits"] == v1.counters["prefix_hits"] == 76_580
    # V0 also has vLLM's own throughput averages; V1 dropped them.
    assert "avg_prompt_tps" in v0.gauges and "avg_prompt_tps" not in v1.gauges


def test_new_names_win_when_both_are_exposed():
    text = (
        "# TYPE vllm:gpu_cache_usage_perc gauge\n"
        'vllm:gpu_cache_usage_perc{engine="0",model_name="m"} 0.10\n'
        "# TYPE vllm:kv_cache_usage_perc gauge\n"
        'vllm:kv_cache_usage_perc{engine="0",model_name="m"} 0.55\n'
    )
    assert parse_metrics(text).gauges["kv_usage"] == pytest.approx(0.55)


def test_data_parallel_engines_are_summed_and_kv_takes_the_worst():
    text = (
        "# TYPE vllm:num_requests_running gauge\n"
        'vllm:num_requests_running{engine="0",model_name="m"} 5\n'
        'vllm:num_requests_running{engine="1",model_name="m"} 7\n'
        "# TYPE vllm:kv_cache_usage_perc gauge\n"
        'vllm:kv_cache_usage_perc{engine="0",model_name="m"} 0.40\n'
        'vllm:kv_cache_usage_perc{engine="1",model_name="m"} 0.97\n'
        "# TYPE vllm:prompt_tokens counter\n"
        'vllm:prompt_tokens_total{engine="0",model_name="m"} 100\n'
        'vllm:prompt_tokens_total{engine="1",model_name="m"} 250\n'
        "# TYPE vllm:time_to_first_token_seconds histogram\n"
        'vllm:time_to_first_token_seconds_bucket{engine="0",le="0.1",model_name="m"} 1\n'
        'vllm:time_to_first_token_seconds_bucket{engine="0",le="+Inf",model_name="m"} 2\n'
        'vllm:time_to_first_token_seconds_count{engine="0",model_name="m"} 2\n'
        'vllm:time_to_first_token_seconds_sum{engine="0",model_name="m"} 0.5\n'
        'vllm:time_to_first_token_seconds_bucket{engine="1",le="0.1",model_name="m"} 3\n'
        'vllm:time_to_first_token_seconds_bucket{engine="1",le="+Inf",model_name="m"} 3\n'
        'vllm:time_to_first_token_seconds_count{engine="1",model_name="m"} 3\n'
        'vllm:time_to_first_token_seconds_sum{engine="1",model_name="m"} 0.2\n'
    )
    frame = parse_metrics(text)
    assert frame.gauges["running"] == 12
    assert frame.gauges["kv_usage"] == pytest.approx(0.97)
    assert frame.counters["prompt_tokens"] == 350
    assert frame.histograms["ttft"].buckets == ((0.1, 4.0), (math.inf, 5.0))
    assert frame.histograms["ttft"].count == 5


def test_other_metrics_and_created_series_are_ignored():
    frame = parse_metrics(metrics_text("v0.11.0", 0))
    # http_requests_total (the API server's instrumentator) is not a vLLM figure.
    assert all(not key.startswith("http") for key in frame.counters)


def test_only_the_metrics_read_are_parsed_and_lookalikes_are_not_counted():
    text = metrics_text("v0.11.0", 0) + (
        "# HELP vllm:num_requests_waiting_by_reason Requests waiting, by reason.\n"
        "# TYPE vllm:num_requests_waiting_by_reason gauge\n"
        'vllm:num_requests_waiting_by_reason{engine="0",model_name="Qwen/Qwen3-8B",reason="capacity"} 40.0\n'
    )
    assert parse_metrics(text).gauges["waiting"] == 3
    kept = _relevant(text)
    assert "waiting_by_reason" not in kept and "_created" not in kept and "request_prompt_tokens" not in kept
    assert "vllm:prompt_tokens_total{" in kept and "vllm:time_to_first_token_seconds_bucket{" in kept


def test_not_prometheus_text_raises_value_error():
    with pytest.raises(ValueError):
        parse_metrics("<html><body>502 Bad Gateway</body></html>\n{")
    with pytest.raises(ValueError):  # a vLLM-looking line that is not valid exposition text
        parse_metrics('vllm:num_requests_running{engine="0" 3\n')


def hist(*pairs: tuple[float, float]) -> Histogram:
    return Histogram(tuple(pairs), pairs[-1][1], 0.0)


def test_quantile_interpolates_like_prometheus():
    h = hist((0.1, 10), (0.5, 60), (1.0, 90), (math.inf, 100))
    assert h.quantile(0.05) == pytest.approx(0.05)  # inside the first bucket, from 0
    assert h.quantile(0.5) == pytest.approx(0.1 + 0.4 * 40 / 50)
    assert h.quantile(0.9) == pytest.approx(1.0)
    # Beyond the last finite bound all that is known is that bound.
    assert h.quantile(0.99) == pytest.approx(1.0)


def test_quantile_of_an_empty_histogram_is_na():
    assert hist((0.1, 0), (math.inf, 0)).quantile(0.5) is None


def test_minus_gives_recent_observations_and_detects_restarts():
    old = hist((0.1, 10), (math.inf, 20))
    new = hist((0.1, 15), (math.inf, 40))
    recent = new.minus(old)
    assert recent is not None and recent.buckets == ((0.1, 5), (math.inf, 20)) and recent.count == 20
    assert old.minus(new) is None  # counts went down: the server restarted
    assert new.minus(hist((0.2, 1), (math.inf, 2))) is None  # different buckets: not comparable
