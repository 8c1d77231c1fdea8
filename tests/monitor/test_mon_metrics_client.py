"""The server side against a real HTTP server on 127.0.0.1: states, timeouts, retries, rates."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from monitor_support import FakeClock, metrics_text

from wizard.monitor.metrics_client import MetricsClient, pid_alive
from wizard.monitor.server import ServerWatch
from wizard.monitor.target import ServerTarget


def test_up_server_returns_its_metrics(metrics_server):
    result = MetricsClient(metrics_server.url).fetch()
    assert result.state == "up" and "vllm:num_requests_running" in (result.metrics_text or "")
    assert metrics_server.hits["/health"] == 1 and metrics_server.hits["/metrics"] == 1


def test_nothing_listening_is_down(closed_port_url):
    result = MetricsClient(closed_port_url).fetch()
    assert result.state == "down" and "nothing listens" in (result.detail or "")


def test_a_live_launched_process_without_a_port_is_starting(closed_port_url):
    result = MetricsClient(closed_port_url, pid=os.getpid()).fetch()
    assert result.state == "starting" and str(os.getpid()) in (result.detail or "")


def test_a_dead_launched_process_is_down_and_names_the_log(closed_port_url):
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not pid_alive(child.pid)
    result = MetricsClient(closed_port_url, pid=child.pid, log_path="/tmp/vllm.log").fetch()
    assert result.state == "down" and "exited" in (result.detail or "") and "/tmp/vllm.log" in (result.detail or "")


def test_a_dead_server_shows_the_doctors_diagnosis_of_its_log(closed_port_url, tmp_path):
    from pathlib import Path

    fixture = Path(__file__).resolve().parents[1] / "doctor" / "fixtures" / "seed003_no_kv_cache_v085.log"
    log = tmp_path / "vllm.log"
    log.write_bytes(fixture.read_bytes())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    client = MetricsClient(closed_port_url, pid=child.pid, log_path=str(log))
    detail = client.fetch().detail or ""
    assert "vllm-wizard doctor: no_kv_cache_memory" in detail and "Fix:" in detail
    log.write_text("INFO nothing wrong here\n")
    assert client.fetch().detail == detail  # diagnosed once per process, not on every poll


def test_a_dead_server_with_an_unreadable_log_still_names_the_log(closed_port_url, tmp_path):
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    detail = MetricsClient(closed_port_url, pid=child.pid, log_path=str(tmp_path / "gone.log")).fetch().detail or ""
    assert "exited" in detail and "gone.log" in detail and "doctor" not in detail


def test_a_reused_pid_is_not_our_server(closed_port_url):
    import psutil

    started = psutil.Process(os.getpid()).create_time()
    assert pid_alive(os.getpid(), started)
    assert not pid_alive(os.getpid(), started - 3600)  # same pid, another process's start time
    result = MetricsClient(closed_port_url, pid=os.getpid(), pid_started=started - 3600).fetch()
    assert result.state == "down" and "exited" in (result.detail or "")


def test_health_503_is_starting_before_first_up_and_down_after(metrics_server):
    client = MetricsClient(metrics_server.url)
    metrics_server.health_status = 503
    assert client.fetch().state == "starting"
    metrics_server.health_status = 200
    assert client.fetch().state == "up"
    metrics_server.health_status = 503  # vLLM answers 503 when its engine died
    result = client.fetch()
    assert result.state == "down" and "503" in (result.detail or "")


def test_a_silent_server_is_unreachable_within_the_timeout(metrics_server):
    metrics_server.delay_s = 30.0
    started = time.monotonic()
    result = MetricsClient(metrics_server.url, timeout=0.2).fetch()
    # Behavioural deadline: without the timeout this would wait the server's 30 s.
    assert time.monotonic() - started < 10
    assert result.state == "unreachable" and "0.2 s" in (result.detail or "")


def test_unresolvable_host_is_unreachable():
    result = MetricsClient("http://no-such-host.invalid:8000", timeout=0.5).fetch()
    assert result.state == "unreachable"


def test_loopback_ignores_the_environments_proxy(metrics_server, monkeypatch):
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")  # a proxy that refuses everything
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    assert MetricsClient(metrics_server.url).fetch().state == "up"


def test_metrics_that_are_not_prometheus_keep_the_server_up(metrics_server):
    metrics_server.metrics = ["<html>{oops"]
    sample = ServerWatch(ServerTarget(metrics_server.url)).poll()
    assert sample.state == "up" and "not Prometheus" in (sample.detail or "")


def test_watch_computes_rates_from_two_real_scrapes(metrics_server):
    metrics_server.metrics = [metrics_text("v0.11.0", 0), metrics_text("v0.11.0", 10)]
    clock = FakeClock()
    watch = ServerWatch(ServerTarget(metrics_server.url), clock=clock, sustain=1)
    first = watch.poll()
    clock.advance(10)
    second = watch.poll()
    assert first.state == second.state == "up" and second.model == "Qwen/Qwen3-8B"
    assert first.figures.prompt_tokens_s is None
    figures = second.figures
    assert figures.prompt_tokens_s == pytest.approx(1200) and figures.generation_tokens_s == pytest.approx(450)
    assert second.metric_names == "v1"
    assert {a.rule for a in second.advice} >= {"kv-pressure", "preemptions"}


def test_down_server_is_retried_every_poll_and_comes_up(metrics_server, closed_port_url):
    clock = FakeClock()
    target = ServerTarget(closed_port_url)
    watch = ServerWatch(target, clock=clock)
    assert watch.poll().state == "down"
    watch.client.url = metrics_server.url  # the server came up on that address
    clock.advance(1)
    assert watch.poll().state == "up"


def test_unreachable_server_backs_off(metrics_server):
    metrics_server.delay_s = 0.5
    clock = FakeClock()
    watch = ServerWatch(ServerTarget(metrics_server.url), timeout=0.1, clock=clock)
    first = watch.poll()
    assert first.state == "unreachable" and first.retry_in_s == 1.0
    hits = metrics_server.hits["/health"]
    clock.advance(0.5)
    again = watch.poll()  # inside the back-off: no request, the wait shrinks
    assert again.state == "unreachable" and again.retry_in_s == pytest.approx(0.5)
    assert metrics_server.hits["/health"] == hits
    clock.advance(0.6)
    assert watch.poll().retry_in_s == 2.0  # tried again, failed again: the pause doubles
