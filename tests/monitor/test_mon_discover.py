"""A vLLM started by hand is found from its processes: the workers on the GPUs, then the `vllm serve`
that started them (a real parent process here), then its port, watched like a named server."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from monitor_support import scripted_sampler

from wizard.monitor.target import psutil_chain, serve_address, target_from_processes

CHILD = "import time; time.sleep(60)"
PARENT = ("import subprocess, sys, time\n"
          f"p = subprocess.Popen([sys.executable, '-c', {CHILD!r}])\n"
          "print(p.pid, flush=True)\n"
          "time.sleep(60)\n")


def test_serve_address_reads_host_and_port():
    assert serve_address(["/venv/bin/vllm", "serve", "Qwen/Qwen3-8B", "--port", "8123"]) == ("127.0.0.1", 8123)
    assert serve_address(["vllm", "serve", "m", "--host=0.0.0.0", "--port=9000"]) == ("127.0.0.1", 9000)
    assert serve_address(["vllm", "serve", "m", "--host", "10.0.0.5"]) == ("10.0.0.5", 8000)
    assert serve_address(["python", "-m", "vllm.entrypoints.openai.api_server", "--port", "7000"]) == \
        ("127.0.0.1", 7000)
    assert serve_address(["VLLM::EngineCore"]) is None and serve_address(["python", "train.py"]) is None


@pytest.fixture
def serve_tree(metrics_server):
    """A process whose command line is `... vllm serve m --port PORT`, and a child standing in for a
    vLLM worker on the GPU."""
    port = metrics_server.url.rsplit(":", 1)[1]
    parent = subprocess.Popen([sys.executable, "-c", PARENT, "vllm", "serve", "m", "--port", port],
                              stdout=subprocess.PIPE, text=True)
    try:
        child = int(parent.stdout.readline())
        yield parent.pid, child, metrics_server
    finally:
        import psutil

        try:
            psutil.Process(child).kill()
        except psutil.Error:
            pass
        parent.kill()
        parent.wait(timeout=10)


def test_a_worker_leads_to_the_serve_process_and_its_port(serve_tree):
    parent, child, server = serve_tree
    assert [pid for pid, _ in psutil_chain(child)][:2] == [child, parent]
    target = target_from_processes([child])
    assert target is not None and target.url == server.url and target.pid == parent
    assert target_from_processes([child], chain=lambda pid: []) is None  # its own command line says nothing


def test_the_sampler_watches_the_server_it_found(serve_tree):
    _, child, server = serve_tree
    sampler, clock = scripted_sampler("monitor-h100-x8")
    assert sampler.sample().server.state == "none"  # nothing named, nothing looked for yet
    sampler.discover = lambda rows: target_from_processes([child])
    sampler._discovered_at = -1e9
    deadline = time.monotonic() + 20
    snap = sampler.sample()
    while snap.server.state != "up" and time.monotonic() < deadline:
        clock.advance(1.0)
        snap = sampler.sample()
    sampler.close()
    assert snap.server.state == "up" and snap.server.url == server.url


def test_fake_gpus_never_walk_this_machines_processes(monkeypatch):
    from wizard.monitor.sampler import MonitorConfig, Sampler

    monkeypatch.setenv("VLLM_WIZARD_FAKE_GPUS", "monitor-h100-x8")
    import psutil

    monkeypatch.setattr(psutil, "Process", lambda pid: pytest.fail(f"looked at this machine's PID {pid}"))
    sampler = Sampler.from_config(MonitorConfig(use_last_launch=False))
    snap = sampler.sample()
    sampler.close()
    assert snap.server.state == "none"
