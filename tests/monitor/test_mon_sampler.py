"""The Sampler: composing a snapshot, history, the threaded loop, pause, and surviving bugs."""

from __future__ import annotations

import json
import threading
import time

from monitor_support import HOST, WALL, scripted_sampler, up

from wizard.monitor.history import GpuHistory, points_for
from wizard.monitor.sampler import MonitorConfig, Sampler
from wizard.monitor.snapshot import GpuSample


def test_snapshot_has_every_part():
    sampler, clock = scripted_sampler("monitor-h100-x8", server=[up("v0.11.0", 0)])
    snap = sampler.sample()
    assert snap.taken_at == WALL and snap.gpu_source == "fake" and len(snap.gpus) == 8
    assert snap.host == HOST
    # TP workers are children of the launched API server (pid 4242): ours. The foreign one is not.
    assert [r.role for r in snap.processes][:8] == ["ours"] * 8
    assert snap.processes[-1].pid == 91234 and snap.processes[-1].missing
    assert snap.server.state == "up" and snap.server.figures.running == 12
    assert set(snap.history) == set(range(8))


def test_json_is_plain_data():
    sampler, _ = scripted_sampler("monitor-rtx4090-x2-gpu-lost", server=[up("v0.8.5", 0)])
    data = json.loads(json.dumps(sampler.sample().to_dict()))
    assert data["gpus"][0]["mem_percent"] == round(data["gpus"][0]["mem_percent"], 1)
    assert data["server"]["metric_names"] == "v1-old"
    assert "history" not in data and data["host"]["hostname"] == "gpu-box-7"


def test_history_is_bounded_and_keeps_gaps():
    history = GpuHistory(points_for(history_s=3, interval_s=1))
    for util in (10, None, 30, 40, 50):
        history.add((GpuSample(index=0, name="x", util_percent=util),))
    assert history.snapshot()[0]["util"] == (30, 40, 50)
    history.add((GpuSample(index=0, name="x", lost=True),))
    assert history.snapshot()[0]["util"][-1] is None


def test_a_bug_in_a_round_becomes_a_notice_not_a_crash():
    sampler, _ = scripted_sampler("monitor-h100-x8")
    good = sampler.sample()

    def broken():
        raise RuntimeError("boom")

    sampler.host.sample = broken  # type: ignore[method-assign]
    snap = sampler.sample()
    assert snap.gpus == good.gpus
    assert any("boom" in n.message for n in snap.notices)


def test_run_publishes_pauses_and_stops():
    sampler, _ = scripted_sampler("monitor-h100-x8", server=[up("v0.11.0", 0)], interval_s=0.05)
    begun = []
    original = sampler.gpu.backend.begin_sample
    sampler.gpu.backend.begin_sample = lambda: (begun.append(1), original())[1]  # type: ignore[method-assign]
    published = []
    stop = threading.Event()
    thread = threading.Thread(target=sampler.run, args=(published.append, stop))
    thread.start()
    deadline = time.monotonic() + 5
    while len(published) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(published) >= 3
    sampler.pause()
    time.sleep(0.15)
    calls = len(begun)
    time.sleep(0.25)
    assert len(begun) == calls  # paused: no NVML calls
    assert published[-1].paused
    sampler.resume()
    time.sleep(0.2)
    assert len(begun) > calls and not published[-1].paused
    stop.set()
    thread.join(timeout=2)
    assert not thread.is_alive()
    # The server was polled on its own thread, and its sample reached the snapshots.
    assert any(s.server.state == "up" for s in published)


def test_from_config_picks_fake_gpus_and_fixture_processes(monkeypatch):
    monkeypatch.setenv("VLLM_WIZARD_FAKE_GPUS", "monitor-h100-x8")
    sampler = Sampler.from_config(MonitorConfig(use_last_launch=False))
    snap = sampler.sample()
    sampler.close()
    assert len(snap.gpus) == 8 and snap.server.state == "none"
    assert snap.processes[0].command == "VLLM::Worker_TP0" and snap.processes[0].role == "vllm"
